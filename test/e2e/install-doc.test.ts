/**
 * docs/install.md's commands from a clone run as written, from `npm pack` on (the clone, `npm ci`
 * and `npm run build` are what this test run already did): the tarball they name is the one npm
 * makes, it installs globally — here into a private prefix — and the command it puts on PATH runs.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './kpt-golden';
import { run } from './tools';

const doc = readFileSync(join(REPO, 'docs/install.md'), 'utf8');
const fromClone = /## From a clone\n\n```sh\n([\s\S]*?)```/.exec(doc)![1]!;
const commands = fromClone.split('\n').map((line) => line.replace(/#.*$/, '').trim()).filter(Boolean);
const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pxc-tls-install-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('names the steps a clone needs, and the tarball of this version', () => {
  expect(commands.slice(1, 3)).toEqual(['npm ci', 'npm run build']);
  expect(commands.slice(3)).toEqual(['npm pack', `npm install -g ./pxc-tls-${version}.tgz`, 'pxc-tls --version']);
});

it('from npm pack on, the commands run as written and pxc-tls lands on PATH', () => {
  // What npm pack reads (package.json's files), from the built repository.
  const clone = join(work, 'clone');
  for (const path of ['package.json', 'README.md', 'fn-config', 'dist/pxc-tls.cjs', 'dist/pxc-tls-main.cjs', 'dist/pxc-tls-main.cjs.v8cache', 'dist/watch.cjs']) {
    cpSync(join(REPO, path), join(clone, path), { recursive: true });
  }
  const prefix = join(work, 'prefix');
  const env = { ...process.env, npm_config_prefix: prefix, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_offline: 'true', PATH: `${join(prefix, 'bin')}:${process.env.PATH}` };
  for (const command of commands.slice(3)) {
    const result = run('bash', ['-c', command], { cwd: clone, env });
    expect({ command, status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({ command, status: 0, stderr: '' });
    if (command === 'pxc-tls --version') expect(result.stdout).toBe(`pxc-tls ${version}\n`);
  }
}, 300_000);

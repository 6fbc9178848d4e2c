/**
 * The npm package: `npm pack` makes a tarball with the two bundles, the function config schema
 * and examples and the README — not the single executable, not the sources — and its `bin` works
 * from a clean directory, installed with no network.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BUNDLE, REPO } from './kpt-golden';
import { kindsOf, objectsOf, run, sharedIssuerWarning, sourceList } from './tools';

let work: string;
let tarball: string;
let packed: { files: Array<{ path: string }> };

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pxc-tls-pack-'));
  // --ignore-scripts: pack what `npm run build` made, which every other test runs too.
  const result = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO });
  if (result.status !== 0) throw new Error(`npm pack failed: ${result.stderr}`);
  packed = JSON.parse(result.stdout)[0];
  tarball = join(work, (packed as unknown as { filename: string }).filename);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const input = () => sourceList(join(REPO, 'examples/docs-tls-cluster'));
const nodeOnlyPath = () => `${dirname(process.execPath)}:/usr/bin:/bin`;

it('packs the bundles, fn-config and the README, and nothing else', () => {
  expect(packed.files.map((f) => f.path).sort()).toEqual([
    'README.md',
    'dist/agent.cjs',
    'dist/pxc-tls-main.cjs',
    'dist/pxc-tls-main.cjs.v8cache',
    'dist/pxc-tls.cjs',
    'dist/watch.cjs',
    'fn-config/configmap.yaml',
    'fn-config/schema.json',
    'fn-config/typed.yaml',
    'package.json',
  ]);
  expect(existsSync(tarball)).toBe(true);
});

it('its function bundle needs no node_modules at all', () => {
  const dir = mkdtempSync(join(work, 'extract-'));
  expect(run('tar', ['xzf', tarball, '-C', dir]).status).toBe(0);
  // No node_modules anywhere above the extracted package for node to fall back on.
  for (let d = dir; d !== '/'; d = dirname(d)) expect({ d, modules: existsSync(join(d, 'node_modules')) }).toEqual({ d, modules: false });
  const result = run(process.execPath, [join(dir, 'package/dist/pxc-tls.cjs')], { cwd: dir, env: {}, input: input() });
  expect(result.stderr).toBe(sharedIssuerWarning('demo', 'sample-pxc'));
  expect(result.status).toBe(0);
  expect(kindsOf(objectsOf(result.stdout))).toContain('StatefulSet/sample-pxc');
});

it('declares no runtime dependencies: everything is in the bundles', () => {
  const dir = mkdtempSync(join(work, 'manifest-'));
  run('tar', ['xzf', tarball, '-C', dir, 'package/package.json']);
  const manifest = JSON.parse(readFileSync(join(dir, 'package/package.json'), 'utf8'));
  expect(manifest.dependencies ?? {}).toEqual({});
  expect(manifest.optionalDependencies ?? {}).toEqual({});
  expect(manifest.peerDependencies ?? {}).toEqual({});
});

it('installs offline with an empty npm cache into a clean project, and its bin runs the function', () => {
  const project = mkdtempSync(join(work, 'consumer-'));
  const emptyCache = mkdtempSync(join(work, 'npm-cache-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  const install = run('npm', ['install', '--offline', '--cache', emptyCache, '--ignore-scripts', '--no-audit', '--no-fund', tarball], {
    cwd: project,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  expect(install.stderr).not.toMatch(/ERR!/);
  expect(install.status).toBe(0);
  const installed = JSON.parse(readFileSync(join(project, 'node_modules/pxc-tls/package.json'), 'utf8'));
  expect(installed.bin).toEqual({ 'pxc-tls': 'dist/pxc-tls.cjs' });

  const bin = join(project, 'node_modules/.bin/pxc-tls');
  const env = { PATH: nodeOnlyPath() };
  const result = run(bin, [], { cwd: project, env, input: input() });
  expect(result.stderr).toBe(sharedIssuerWarning('demo', 'sample-pxc'));
  expect(result.status).toBe(0);
  expect(result.stdout).toBe(run(process.execPath, [BUNDLE], { input: input() }).stdout);

  const help = run(bin, ['--help'], { cwd: project, env });
  expect(help.status).toBe(0);
  expect(help.stdout).toMatch(/^pxc-tls: render TLS/);
  const version = run(bin, ['--version'], { cwd: project, env });
  expect(version.stdout).toBe(`pxc-tls ${JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version}\n`);
  // The watcher's bundle loads too (it carries the Kubernetes client).
  const watch = run(bin, ['watch', '--help'], { cwd: project, env });
  expect(watch.stderr).not.toMatch(/Cannot find module/);
  expect(watch.stdout + watch.stderr).toContain('pxc-tls watch');
}, 120_000);

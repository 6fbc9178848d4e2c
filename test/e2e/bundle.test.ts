/**
 * The entry point dist/pxc-tls.cjs loads dist/pxc-tls-main.cjs with V8's code cache made by the
 * build (scripts/build.mjs). The cache must be accepted by the node that built it, and a missing,
 * damaged or foreign cache must change nothing but speed.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE, REPO } from './kpt-golden';
import { run, sharedIssuerWarning, sourceList } from './tools';

const DIST = join(REPO, 'dist');
const FILES = ['pxc-tls.cjs', 'pxc-tls-main.cjs', 'pxc-tls-main.cjs.v8cache', 'watch.cjs'];
const input = sourceList(join(REPO, 'examples/docs-tls-cluster'));
const expected = run(process.execPath, [BUNDLE], { input });
const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Whether V8 accepts the cache for the bundle, checked the way the entry point uses it. */
function cacheAccepted(dist: string): boolean {
  const probe = `
    const { readFileSync } = require('node:fs'); const { Script } = require('node:vm'); const { wrap } = require('node:module');
    const entry = readFileSync(${JSON.stringify(join(dist, 'pxc-tls.cjs'))}, 'utf8');
    const stamp = Buffer.from(/Buffer\\.from\\('([0-9a-f]+)'\\)/.exec(entry)[1]);
    const cache = readFileSync(${JSON.stringify(join(dist, 'pxc-tls-main.cjs.v8cache'))});
    if (!cache.subarray(0, stamp.length).equals(stamp)) { console.log('stamp mismatch'); process.exit(0); }
    const file = ${JSON.stringify(join(dist, 'pxc-tls-main.cjs'))};
    const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file, cachedData: cache.subarray(stamp.length) });
    console.log(script.cachedDataRejected ? 'rejected' : 'accepted');`;
  return run(process.execPath, ['-e', probe]).stdout.trim() === 'accepted';
}

function copyDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pxc-tls-dist-'));
  temps.push(dir);
  for (const file of FILES) copyFileSync(join(DIST, file), join(dir, file));
  return dir;
}

it('the build made a code cache that V8 accepts for the bundle', () => {
  expect(expected.status).toBe(0);
  expect(cacheAccepted(DIST)).toBe(true);
});

it.each([
  ['missing', (dir: string) => rmSync(join(dir, 'pxc-tls-main.cjs.v8cache'))],
  ['damaged', (dir: string) => writeFileSync(join(dir, 'pxc-tls-main.cjs.v8cache'), Buffer.concat([readFileSync(join(dir, 'pxc-tls-main.cjs.v8cache')).subarray(0, 40), Buffer.alloc(1000, 7)]))],
  ['from another build', (dir: string) => writeFileSync(join(dir, 'pxc-tls-main.cjs.v8cache'), Buffer.concat([Buffer.from('0'.repeat(32)), readFileSync(join(dir, 'pxc-tls-main.cjs.v8cache')).subarray(32)]))],
])('with the cache %s, the function gives the same output', (_how, spoil) => {
  const dir = copyDist();
  spoil(dir);
  const result = run(process.execPath, [join(dir, 'pxc-tls.cjs')], { input, env: {} });
  expect(result.stderr).toBe(sharedIssuerWarning('demo', 'sample-pxc'));
  expect(result.status).toBe(0);
  expect(result.stdout).toBe(expected.stdout);
});

it('a foreign cache is never used: its stamp does not match', () => {
  const dir = copyDist();
  writeFileSync(join(dir, 'pxc-tls-main.cjs.v8cache'), Buffer.concat([Buffer.from('0'.repeat(32)), readFileSync(join(DIST, 'pxc-tls-main.cjs.v8cache')).subarray(32)]));
  expect(cacheAccepted(dir)).toBe(false);
});

it('never writes a cache at run time unless the build asks for exactly its cache file', () => {
  const dir = copyDist();
  const before = readFileSync(join(dir, 'pxc-tls-main.cjs.v8cache'));
  run(process.execPath, [join(dir, 'pxc-tls.cjs')], { input, env: { PXC_TLS_BUILD_CODE_CACHE: '/tmp/elsewhere.v8cache' } });
  expect(readFileSync(join(dir, 'pxc-tls-main.cjs.v8cache')).equals(before)).toBe(true);
});

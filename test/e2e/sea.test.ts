/**
 * The single executable (npm run build:sea → dist/pxc-tls), as Argo CD's repo-server runs it:
 * no node anywhere on PATH, no environment. It must do exactly what the bundle does.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, REPO } from './kpt-golden';
import { ensureSea, kindsOf, objectsOf, run, sharedIssuerWarning, sourceList } from './tools';

let sea: string;
const emptyDir = join(REPO, '.cache/empty-path');

beforeAll(() => {
  sea = ensureSea();
  rmSync(emptyDir, { recursive: true, force: true });
  mkdirSync(emptyDir, { recursive: true });
}, 600_000);

/** The SEA with PATH pointing at an empty folder and nothing else in the environment. */
function runSea(args: string[], input = '') {
  return run(sea, args, { cwd: '/', env: { PATH: emptyDir }, input });
}

it('is one self-contained file, not a script', () => {
  const size = statSync(sea).size;
  expect(size).toBeGreaterThan(50e6); // a node binary with the function inside
  expect(run('head', ['-c', '4', sea]).stdout).toBe('\x7fELF');
  expect(run('sh', ['-c', 'command -v node'], { env: { PATH: emptyDir } }).status).not.toBe(0);
});

it('renders a ResourceList exactly as the bundle does, with no node on PATH', () => {
  const input = sourceList(join(REPO, 'examples/docs-tls-cluster'));
  const ours = runSea([], input);
  const bundle = run(process.execPath, [BUNDLE], { input });
  expect(ours.stderr).toBe(sharedIssuerWarning('demo', 'sample-pxc'));
  expect(ours.status).toBe(0);
  expect(ours.stdout).toBe(bundle.stdout);
  expect(kindsOf(objectsOf(ours.stdout))).toEqual(
    expect.arrayContaining(['Certificate/sample-pxc-server-cert', 'Secret/sample-pxc-server-cert', 'StatefulSet/sample-pxc', 'PerconaXtraDB/sample-pxc']),
  );
});

it('fails a bad database with an error result, a stderr line and exit 1', () => {
  const input = sourceList(join(REPO, 'test/cases/require-ssl-without-issuer'));
  const ours = runSea([], input);
  expect(ours.status).toBe(1);
  expect(ours.stderr).toMatch(/^pxc-tls: \[error\] kubedb\.com\/v1\/PerconaXtraDB\/.* spec\.tls\.issuerRef: is required when spec\.requireSSL is true/m);
  expect(ours.stdout).toContain('severity: error');
});

it('prints the same --help and --version as the bundle, exit 0', () => {
  for (const args of [['--help'], ['--version']]) {
    const ours = runSea(args);
    expect(ours.status).toBe(0);
    expect(ours.stdout).toBe(run(process.execPath, [BUNDLE, ...args]).stdout);
  }
  expect(runSea(['--help']).stdout).toContain('kpt fn eval');
});

it('says clearly that the watcher is not in it', () => {
  const ours = runSea(['watch']);
  expect(ours.status).toBe(1);
  expect(ours.stderr).toBe(
    'pxc-tls: watch: this single executable carries only the KRM function; run it from the container image or the npm package (node dist/pxc-tls.cjs watch)\n',
  );
});

/**
 * The root Kptfile makes the repository a kpt package whose subpackages are the examples. It must
 * not change how an example renders (kpt treats it as the examples' parent), and its .krmignore
 * must keep everything but the example packages out of kpt's view. `kpt fn render` at the root
 * renders every subpackage it finds whatever .krmignore says: the failing cases under test/cases
 * are therefore no kpt packages (their Kptfile is `Kptfile.case`, test/cases/README.md).
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { load } from 'js-yaml';
import { findCases, makeBinDir, readGolden, REPO } from './kpt-golden';
import { run } from './tools';

const EXAMPLES = findCases(join(REPO, 'examples'));
const kptfile = load(readFileSync(join(REPO, 'Kptfile'), 'utf8')) as Record<string, any>;
const binDir = makeBinDir();
let tree: string;

const git = (cwd: string, ...args: string[]) => {
  const result = run('git', ['-c', 'user.email=test@pxc-tls.dev', '-c', 'user.name=test', ...args], { cwd });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
};

beforeAll(() => {
  // The root Kptfile, its .krmignore and the example packages, as a git repository.
  tree = mkdtempSync(join(tmpdir(), 'pxc-tls-root-'));
  cpSync(join(REPO, 'Kptfile'), join(tree, 'Kptfile'));
  cpSync(join(REPO, '.krmignore'), join(tree, '.krmignore'));
  for (const example of EXAMPLES) cpSync(example, join(tree, 'examples', basename(example)), { recursive: true });
  cpSync(join(REPO, 'test/cases'), join(tree, 'test/cases'), { recursive: true });
  git(tree, 'init', '-q');
  git(tree, 'add', '-A');
  git(tree, 'commit', '-qm', 'base');
});
afterAll(() => {
  rmSync(tree, { recursive: true, force: true });
  rmSync(binDir, { recursive: true, force: true });
});

it('is package metadata only: local-config, no pipeline, the license of the npm package', () => {
  expect(kptfile.apiVersion).toBe('kpt.dev/v1');
  expect(kptfile.kind).toBe('Kptfile');
  expect(kptfile.metadata).toEqual({ name: 'pxc-tls', annotations: { 'config.kubernetes.io/local-config': 'true' } });
  expect(kptfile.pipeline).toBeUndefined();
  expect(kptfile.info.license).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).license);
  expect(kptfile.info.keywords).toContain('krm-function');
});

it('kpt sees only the root Kptfile and the example kpt packages in the repository', () => {
  const result = run('kpt', ['fn', 'source', REPO]);
  expect(result.status).toBe(0);
  const paths = new Set([...result.stdout.matchAll(/^ +config\.kubernetes\.io\/path: '([^']+)'$/gm)].map((m) => m[1]!));
  const expected = new Set(['Kptfile']);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === 'Kptfile' || /\.ya?ml$/.test(entry.name)) expected.add(relative(REPO, path));
    }
  };
  // Every kpt package under examples/ (a folder with a Kptfile), golden test case or not.
  readdirSync(join(REPO, 'examples'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(REPO, 'examples', entry.name, 'Kptfile')))
    .forEach((entry) => walk(join(REPO, 'examples', entry.name)));
  expect(expected.size).toBeGreaterThan(EXAMPLES.length * 2);
  expect([...paths].sort()).toEqual([...expected].sort());
});

it('kpt fn render at the repository root renders the examples and runs none of the failing test cases', () => {
  try {
    const result = run('kpt', ['fn', 'render', '--allow-exec'], { cwd: tree, env: { ...process.env, PATH: `${binDir}:${process.env.PATH}` } });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: expect.stringMatching(/Successfully executed \d+ function\(s\) in \d+ package\(s\)/) });
    expect(result.stderr).not.toContain('test/cases');
    git(tree, 'add', '-A');
    const changed = git(tree, 'diff', '--cached', '--name-only').split('\n').filter(Boolean);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.filter((path) => !path.startsWith('examples/'))).toEqual([]);
  } finally {
    git(tree, 'reset', '-q', '--hard');
    git(tree, 'clean', '-qfd');
  }
});

describe.each(EXAMPLES.map((dir) => [basename(dir), dir] as const))('examples/%s under the root Kptfile', (name, dir) => {
  const golden = readGolden(dir).diff;

  afterEach(() => {
    git(tree, 'reset', '-q', '--hard');
    git(tree, 'clean', '-qfd');
  });

  it.each([
    ['from its own folder', () => join(tree, 'examples', name), ['fn', 'render', '--allow-exec']],
    ['from the repository root', () => tree, ['fn', 'render', '--allow-exec', `examples/${name}`]],
  ] as const)('kpt fn render %s gives its golden diff', (_how, cwd, args) => {
    const result = run('kpt', [...args], { cwd: cwd(), env: { ...process.env, PATH: `${binDir}:${process.env.PATH}` } });
    expect(result.stderr).toContain('Successfully executed 1 function(s) in 1 package(s).');
    git(tree, 'add', '-A');
    expect(git(join(tree, 'examples', name), 'diff', '--cached', '--no-color', '--relative')).toBe(golden);
  });
});

it('kpt pkg get fetches one example from the repository, and it renders where it lands', () => {
  const work = mkdtempSync(join(tmpdir(), 'pxc-tls-pkg-get-'));
  try {
    expect(run('git', ['clone', '-q', '--bare', tree, join(work, 'pxc-tls.git')]).status).toBe(0);
    const get = run('kpt', ['pkg', 'get', `file://${work}/pxc-tls.git/examples/docs-tls-cluster`, 'databases'], { cwd: work });
    expect(get.stderr + get.stdout).toContain('Fetched 1 package(s).');
    const fetched = load(readFileSync(join(work, 'databases/Kptfile'), 'utf8')) as Record<string, any>;
    expect(fetched.pipeline).toEqual({ mutators: [{ exec: 'pxc-tls' }] });
    expect(fetched.upstream.git.directory).toBe('/examples/docs-tls-cluster');
    const render = run('kpt', ['fn', 'render', '--allow-exec'], { cwd: join(work, 'databases'), env: { ...process.env, PATH: `${binDir}:${process.env.PATH}` } });
    expect(render.status).toBe(0);
    const rendered = readFileSync(join(work, 'databases/sample-pxc.pxc-tls.yaml'), 'utf8');
    // The same objects as the example's golden diff adds.
    const added = readGolden(join(REPO, 'examples/docs-tls-cluster'))
      .diff.split('\n')
      .filter((line) => line.startsWith('+') && !line.startsWith('+++'))
      .map((line) => line.slice(1));
    expect(added.join('\n')).toContain(rendered.trimEnd());
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

/**
 * The README and docs/ hold together: every relative link resolves (file and #anchor), and the
 * commands the README gives are the ones that run — its test command is what .ci/run calls, its
 * demo is executed, and its 30-second example and its kpt and kustomize commands are run here
 * verbatim against the built function (the container command runs in container.test.ts, through
 * the fake docker).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { load } from 'js-yaml';
import { BUNDLE, makeBinDir, readGolden, REPO, stagePackage } from './kpt-golden';
import { anchors, codeSpans, fencedBlocks, readme, relativeLinks, runCommands, section, tableRows } from './markdown';
import { ensureKustomize, K8sObject, objectsOf, pathWith, run, sharedIssuerWarning } from './tools';

const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const markdownIn = (dir: string): string[] => (existsSync(join(REPO, dir)) ? readdirSync(join(REPO, dir)).filter((f) => f.endsWith('.md')).map((f) => join(dir, f)) : []);
const DOCUMENTS = [
  'README.md',
  ...markdownIn('docs'),
  ...readdirSync(join(REPO, 'examples')).flatMap((name) => (existsSync(join(REPO, 'examples', name, 'README.md')) ? [`examples/${name}/README.md`] : [])),
];

describe('links', () => {
  it('covers the README, every docs/ page and the examples\' READMEs', () => {
    expect(DOCUMENTS).toEqual(expect.arrayContaining(['README.md', 'docs/kpt.md', 'docs/kubedb-fidelity.md', 'examples/docs-tls-cluster/README.md']));
  });

  it.each(DOCUMENTS)('every relative link in %s resolves, #anchors included', (document) => {
    const broken: string[] = [];
    for (const link of relativeLinks(readFileSync(join(REPO, document), 'utf8'))) {
      const [path, anchor] = link.split('#') as [string, string | undefined];
      const target = path === '' ? join(REPO, document) : resolve(dirname(join(REPO, document)), decodeURIComponent(path));
      if (relative(REPO, target).startsWith('..')) broken.push(`${link}: outside the repository`);
      else if (!existsSync(target)) broken.push(`${link}: no such file`);
      else if (anchor !== undefined && (!target.endsWith('.md') || !anchors(readFileSync(target, 'utf8')).has(anchor))) broken.push(`${link}: no heading #${anchor}`);
      else if (anchor === undefined && path.endsWith('/') && !statSync(target).isDirectory()) broken.push(`${link}: not a folder`);
    }
    expect(broken).toEqual([]);
  });

  it('the README links every page of docs/', () => {
    const linked = new Set(relativeLinks(readme()).map((link) => link.split('#')[0]));
    expect(markdownIn('docs').filter((page) => !linked.has(page))).toEqual([]);
  });
});

describe('the README\'s commands are the ones that run', () => {
  const install = fencedBlocks(section(readme(), 'Install')).find((block) => block.info === 'sh')!;
  const commands = install.body.split('\n').map((line) => line.replace(/#.*$/, '').trim()).filter(Boolean);
  const packageJson = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const ciCommands = readFileSync(join(REPO, '.ci/run'), 'utf8').split('\n').map((line) => line.trim()).filter((line) => /^npm /.test(line));

  it('installs and tests the way .ci/run does: npm ci, then npm test', () => {
    expect(commands).toEqual(['npm ci && npm run demo', 'npm test']);
    expect(ciCommands.map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual(['npm ci', 'npm test']);
    expect(packageJson.scripts.test).toMatch(/\bjest\b/);
  });

  it('npm run demo builds, then renders examples/docs-tls-cluster into a temporary copy (test/e2e/demo.test.ts runs it)', () => {
    expect(packageJson.scripts.demo).toBe('npm run build && node scripts/demo.mjs examples/docs-tls-cluster');
  });

  it('the 30-second example: its command beside its db.yaml renders the objects its table lists, and marks db.yaml local-config', () => {
    const example = section(readme(), '30-second example');
    const [issuerYaml, dbYaml, command] = fencedBlocks(example);
    expect(issuerYaml!.body.split('\n')[0]).toMatch(/^# issuer\.yaml/);
    expect(dbYaml!.body.split('\n')[0]).toBe('# db.yaml');
    const dir = mkdtempSync(join(tmpdir(), 'pxc-tls-30s-'));
    temps.push(dir);
    writeFileSync(join(dir, 'issuer.yaml'), issuerYaml!.body);
    writeFileSync(join(dir, 'db.yaml'), dbYaml!.body);
    const bin = makeBinDir();
    temps.push(bin);
    const line = command!.body.split('\n')[0]!.replace(/#.*$/, '').trim();
    expect(line).toBe('kpt fn eval --exec pxc-tls . -- images.agent=registry.example.com/platform/pxc-tls:0.1.0');
    const result = run('bash', ['-c', line], { cwd: dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    expect(result.status).toBe(0);
    // One warning, which the README announces: the three certificates share the one issuer.
    const warnings = [...new Set(result.stderr.match(/\[warning\][^\n"]*/g))];
    expect(warnings).toEqual([sharedIssuerWarning('demo', 'sample-pxc').replace(/^pxc-tls: /, '').trimEnd()]);
    expect(example).toContain('docs/security.md');

    const rendered = objectsOf(readFileSync(join(dir, 'db.pxc-tls.yaml'), 'utf8'));
    const listed = tableRows(example).flatMap(([object]) => {
      const spans = codeSpans(object!);
      const kinds = spans.filter((span) => /^[A-Z]/.test(span));
      const names = spans.filter((span) => !/^[A-Z]/.test(span)).map((name) => (name.startsWith('-') ? `sample-pxc${name}` : name));
      return kinds.flatMap((kind) => names.map((name) => `${kind}/${name}`));
    });
    expect(rendered.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(listed.sort());

    const db = load(readFileSync(join(dir, 'db.yaml'), 'utf8')) as K8sObject;
    const source = load(dbYaml!.body) as K8sObject;
    expect(db.metadata.annotations).toEqual({ 'config.kubernetes.io/local-config': 'true', 'pxc-tls.dev/local-config-added': 'true' });
    expect({ ...db, metadata: { ...db.metadata, annotations: undefined } }).toEqual({ ...source, metadata: { ...source.metadata, annotations: undefined } });
  });

  it('kpt: the README\'s command renders examples/docs-tls-cluster as its golden says', () => {
    const pkg = stagePackage(join(REPO, 'examples/docs-tls-cluster'));
    const bin = makeBinDir();
    temps.push(dirname(pkg), bin);
    const result = run('bash', ['-c', runCommands().kpt], { cwd: pkg, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    expect(result.status).toBe(0);
    run('git', ['add', '-A'], { cwd: pkg });
    expect(run('git', ['diff', '--cached', '--no-color'], { cwd: pkg }).stdout).toBe(readGolden(join(REPO, 'examples/docs-tls-cluster')).diff);
  });

  it('kustomize: the README\'s command builds examples/kustomize/transformer as its golden says', () => {
    const kustomize = ensureKustomize();
    const bin = pathWith(kustomize.path, 'kustomize');
    const fn = pathWith(BUNDLE);
    temps.push(bin, fn);
    const result = run('bash', ['-c', runCommands().kustomize], { cwd: REPO, env: { ...process.env, PATH: `${bin}:${fn}:${process.env.PATH}` } });
    expect(result.stderr).toBe(sharedIssuerWarning('demo', 'sample-pxc'));
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(readFileSync(join(REPO, 'examples/kustomize/transformer/.expected/build.yaml'), 'utf8'));
  }, 1_800_000);
});

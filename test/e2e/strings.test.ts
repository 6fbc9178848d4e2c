/**
 * Strings that trouble YAML readers, through the real tools: a database whose pod template
 * annotations hold control characters, DEL, C1 controls, NEL, U+FFFE/U+FFFF, the byte order mark,
 * the Unicode line separators, carriage returns and YAML 1.1 words. pxc-tls copies them into the
 * StatefulSet it renders; kpt (kyaml, go-yaml) must take its output — it refuses raw control
 * characters — and read back the same values, and so must kustomize, which reads YAML 1.1.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { BUNDLE, makeBinDir } from './kpt-golden';
import { ensureKustomize, K8sObject, objectsOf, pathWith, run, sharedIssuerWarning } from './tools';

const VALUES: Record<string, string> = {
  'test.example/del': 'a\x7fb',
  'test.example/c1': 'a\x80\x9fb',
  'test.example/nel': 'line\x85next',
  'test.example/noncharacters': 'a\ufffe\uffffb',
  'test.example/bom': '\ufeffbom',
  'test.example/separators': 'a\u2028b\u2029c',
  'test.example/controls': 'nul\x00bell\x07esc\x1b',
  'test.example/cr': 'one\r\ntwo\n',
  'test.example/tab': '\tindented',
  'test.example/yes': 'yes',
  'test.example/date': '2024-01-01',
  'test.example/underscores': '1_000',
  'test.example/octal': '0o17',
  'test.example/astral': 'emoji \ud83d\ude00',
};

/** The values as double-quoted YAML escapes, the way a user writes them in a file. */
const escaped = (value: string) => `"${[...value].map((c) => (c.codePointAt(0)! < 0x20 || (c.codePointAt(0)! >= 0x7f && c.codePointAt(0)! <= 0x9f) || /[\u2028\u2029\ufeff\ufffe\uffff]/.test(c) ? `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}` : c === '"' ? '\\"' : c)).join('')}"`;

const ISSUER = 'apiVersion: cert-manager.io/v1\nkind: Issuer\nmetadata:\n  name: ca\n  namespace: demo\nspec:\n  ca:\n    secretName: ca\n';
const DB = `apiVersion: kubedb.com/v1
kind: PerconaXtraDB
metadata:
  name: strings
  namespace: demo
spec:
  version: "8.4.3"
  storage:
    resources:
      requests:
        storage: 1Gi
  podTemplate:
    metadata:
      annotations:
${Object.entries(VALUES).map(([key, value]) => `        ${key}: ${escaped(value)}`).join('\n')}
  tls:
    issuerRef:
      apiGroup: cert-manager.io
      kind: Issuer
      name: ca
`;

const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function podAnnotations(objects: readonly K8sObject[]): Record<string, string> {
  const statefulSet = objects.find((o) => o.kind === 'StatefulSet') as K8sObject & { spec: { template: { metadata: { annotations: Record<string, string> } } } };
  return statefulSet.spec.template.metadata.annotations;
}

it('the database file itself reads as the values (the test\'s own premise)', () => {
  expect((load(DB) as { spec: { podTemplate: { metadata: { annotations: unknown } } } }).spec.podTemplate.metadata.annotations).toEqual(VALUES);
});

it('kpt fn render takes the output, and the rendered file reads back as the same values', () => {
  const pkg = mkdtempSync(join(tmpdir(), 'pxc-tls-strings-'));
  const bin = makeBinDir();
  temps.push(pkg, bin);
  writeFileSync(join(pkg, 'Kptfile'), 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: strings\n  annotations:\n    config.kubernetes.io/local-config: "true"\npipeline:\n  mutators:\n    - exec: pxc-tls\n      configMap:\n        images.agent: registry.example.com/platform/pxc-tls:0.1.0\n');
  writeFileSync(join(pkg, 'issuer.yaml'), ISSUER);
  writeFileSync(join(pkg, 'db.yaml'), DB);
  const render = run('kpt', ['fn', 'render', '--allow-exec'], { cwd: pkg, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  expect({ status: render.status, stderr: render.status === 0 ? '' : render.stderr }).toEqual({ status: 0, stderr: '' });
  // As kpt wrote it, and as kpt reads it again (kpt fn source re-serialises through kyaml).
  expect(podAnnotations(objectsOf(readFileSync(join(pkg, 'db.pxc-tls.yaml'), 'utf8')))).toEqual(VALUES);
  const source = run('kpt', ['fn', 'source', pkg]);
  expect(source.status).toBe(0);
  expect(podAnnotations(objectsOf(source.stdout))).toEqual(VALUES);
  // A second render changes nothing.
  const first = readFileSync(join(pkg, 'db.pxc-tls.yaml'), 'utf8');
  expect(run('kpt', ['fn', 'render', '--allow-exec'], { cwd: pkg, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } }).status).toBe(0);
  expect(readFileSync(join(pkg, 'db.pxc-tls.yaml'), 'utf8')).toBe(first);
});

/** Values kustomize cannot carry through a build even without any function: its own YAML round trip refuses or changes them. */
function refusedByKustomizeItself(kustomizePath: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'pxc-tls-strings-k0-'));
  temps.push(dir);
  writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n  - cm.yaml\n');
  return Object.entries(VALUES).flatMap(([key, value]) => {
    writeFileSync(join(dir, 'cm.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  value: ${escaped(value)}\n`);
    const result = run(kustomizePath, ['build', dir], { cwd: dir, env: {} });
    const carried = result.status === 0 && (load(result.stdout) as { data: { value: string } }).data.value === value;
    return carried ? [] : [key];
  });
}

it('kustomize (YAML 1.1) builds the output, and its output reads back as the same values', () => {
  const kustomize = ensureKustomize();
  // kustomize v5 itself, with no function, refuses DEL, C1 controls and U+FFFE/U+FFFF in any
  // resource ("yaml: control characters are not allowed"), turns NEL into a space and writes the
  // Unicode line separators raw into folded text: those stay out here.
  const refused = refusedByKustomizeItself(kustomize.path);
  expect(refused).toEqual(['test.example/del', 'test.example/c1', 'test.example/nel', 'test.example/noncharacters', 'test.example/separators']);
  const values = Object.fromEntries(Object.entries(VALUES).filter(([key]) => !refused.includes(key)));
  const dir = mkdtempSync(join(tmpdir(), 'pxc-tls-strings-k-'));
  const fn = pathWith(BUNDLE);
  temps.push(dir, fn);
  writeFileSync(join(dir, 'issuer.yaml'), ISSUER);
  writeFileSync(join(dir, 'db.yaml'), DB.split('\n').filter((line) => !refused.some((key) => line.includes(`${key}:`))).join('\n'));
  writeFileSync(join(dir, 'pxc-tls.yaml'), 'apiVersion: fn.pxc-tls.dev/v1alpha1\nkind: PxcTlsConfig\nmetadata:\n  name: pxc-tls\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: pxc-tls\nspec:\n  images:\n    agent: registry.example.com/platform/pxc-tls:0.1.0\n');
  writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n  - issuer.yaml\n  - db.yaml\ntransformers:\n  - pxc-tls.yaml\n');
  const node = process.execPath.replace(/\/node$/, '');
  const result = run(kustomize.path, ['build', '--enable-alpha-plugins', '--enable-exec', dir], { cwd: dir, env: { PATH: `${fn}:${node}` } });
  // The one warning: the database's three certificates share one issuer (KubeDB's layout; docs/security.md).
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: sharedIssuerWarning('demo', 'strings', 'Issuer ca') });
  expect(podAnnotations(objectsOf(result.stdout))).toEqual(values);
}, 1_800_000);

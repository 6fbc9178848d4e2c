/**
 * Input that is a ResourceList in shape but broken inside: where the list can be read it comes back
 * unchanged, item for item, with an error result at each broken place (resource and field path),
 * a line on stderr and exit 1; where it cannot, one line on stderr and exit 1 — never an empty
 * stdout with exit 0 (kpt would delete the package).
 */
import { load } from 'js-yaml';
import { runFunction } from './run';

const HEAD = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n';
const DB = '- apiVersion: kubedb.com/v1\n  kind: PerconaXtraDB\n  metadata:\n    name: db\n    namespace: demo\n  spec:\n    version: "8.4.3"\n    storage: {resources: {requests: {storage: 1Gi}}}\n    tls:\n      issuerRef: {kind: Issuer, name: ca}\n';
const CM = '- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: settings\n    namespace: demo\n  data:\n    enabled: "yes"\n';

interface Output {
  items: unknown[];
  results: Array<{ severity: string; message: string; resourceRef?: { kind: string; name: string }; field?: { path: string } }>;
}

describe('a readable list with broken items comes back unchanged, with located errors', () => {
  it.each([
    ['an item without kind', '- apiVersion: v1\n  metadata:\n    name: nokind\n', { name: 'nokind', path: 'kind' }],
    ['an item without apiVersion', '- kind: ConfigMap\n  metadata:\n    name: noversion\n', { name: 'noversion', path: 'apiVersion' }],
    ['an item that is a scalar', '- just a string\n', { name: '', path: undefined }],
    ['an item whose metadata is a list', '- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n  - name: x\n', { name: '', path: 'metadata' }],
    ['annotations that are a list', '- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: listy\n    annotations:\n    - a\n', { name: 'listy', path: 'metadata.annotations' }],
    ['labels that are a string', '- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: stringy\n    labels: app=x\n', { name: 'stringy', path: 'metadata.labels' }],
    ['a path annotation that is a number', '- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: numpath\n    annotations:\n      config.kubernetes.io/path: 3\n', { name: 'numpath', path: 'metadata.annotations["config.kubernetes.io/path"]' }],
    ['an index annotation that is not a number', "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: badindex\n    annotations:\n      config.kubernetes.io/index: 'first'\n", { name: 'badindex', path: 'metadata.annotations["config.kubernetes.io/index"]' }],
    ['pxc-tls\'s mark as a list', '- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: listmark\n    namespace: demo\n    annotations:\n      pxc-tls.dev/database: [db]\n', { name: 'listmark', path: 'metadata.annotations["pxc-tls.dev/database"]' }],
    ['a name that is a number', '- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: 42\n', { name: '', path: 'metadata.name' }],
    ['a database label that is a number', '- apiVersion: kubedb.com/v1\n  kind: PerconaXtraDB\n  metadata:\n    name: labelled\n    namespace: demo\n    labels:\n      tier: 1\n  spec:\n    version: "8.4.3"\n', { name: 'labelled', path: 'metadata.labels.tier' }],
    ['a duplicate key inside an item', '- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: dup\n  data:\n    a: "1"\n    a: "2"\n', { name: 'dup', path: 'data.a' }],
  ])('%s', (_name, broken, expected) => {
    const input = HEAD + DB + broken + CM;
    const run = runFunction(input);
    expect(run.exitCode).toBe(1);
    // Every item back as it came, byte for byte; nothing rendered.
    expect(run.stdout.startsWith(input)).toBe(true);
    const output = load(run.stdout, { json: true }) as Output;
    const errors = output.results.filter((r) => r.severity === 'error');
    expect(errors.map((r) => ({ name: r.resourceRef?.name, path: r.field?.path }))).toEqual([expected]);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^pxc-tls: \[error\] /);
  });

  it.each([
    ['a list', 'functionConfig:\n- mode=kubedb\n', 'functionConfig'],
    ['a string', 'functionConfig: mode=kubedb\n', 'functionConfig'],
  ])('a functionConfig that is %s', (_name, config, path) => {
    const input = HEAD + DB + CM + config;
    const run = runFunction(input);
    expect(run.exitCode).toBe(1);
    expect(run.stdout.startsWith(HEAD + DB + CM)).toBe(true);
    expect((load(run.stdout) as Output).results.map((r) => r.field?.path)).toEqual([path]);
  });

  it('a duplicate key in the functionConfig', () => {
    const input = HEAD + DB + CM + 'functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: function-input\n  data:\n    mode: kubedb\n    mode: standalone\n';
    const run = runFunction(input);
    expect(run.exitCode).toBe(1);
    expect((load(run.stdout) as Output).results).toEqual([expect.objectContaining({ resourceRef: expect.objectContaining({ kind: 'ConfigMap', name: 'function-input' }), field: { path: 'data.mode' } })]);
  });
});

describe('a list that cannot be read is one line on stderr and exit 1', () => {
  it.each([
    ['two items keys', HEAD + CM + 'items:\n' + DB],
    ['not YAML', HEAD + '- [unclosed\n'],
    ['items not a list', 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {}\n'],
  ])('%s', (_name, input) => {
    const run = runFunction(input);
    expect(run).toEqual({ stdout: '', stderr: expect.stringMatching(/^pxc-tls: [^\n]+\n$/), exitCode: 1 });
  });
});

describe('items that look meant for pxc-tls', () => {
  it.each([
    ['a misspelt kind', 'kubedb.com/v1', 'PerconaXtraDb', 'kind', 'did you mean "PerconaXtraDB"?'],
    ['a plural kind', 'kubedb.com/v1', 'PerconaXtraDBs', 'kind', 'did you mean "PerconaXtraDB"?'],
    ['a misspelt group', 'kubdb.com/v1', 'PerconaXtraDB', 'apiVersion', 'did you mean kubedb.com/v1 or kubedb.com/v1alpha2?'],
    ['a version KubeDB does not serve', 'kubedb.com/v1alpha1', 'PerconaXtraDB', 'apiVersion', 'is not a version of PerconaXtraDB that KubeDB serves'],
  ])('%s is a warning naming the item, and passes through', (_name, apiVersion, kind, path, message) => {
    const input = `${HEAD}- apiVersion: ${apiVersion}\n  kind: ${kind}\n  metadata:\n    name: typo\n    namespace: demo\n  spec:\n    requireSSL: true\n`;
    const run = runFunction(input);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.startsWith(input)).toBe(true);
    const results = (load(run.stdout) as Output).results;
    expect(results.filter((r) => r.severity === 'warning')).toEqual([expect.objectContaining({ resourceRef: expect.objectContaining({ kind, name: 'typo' }), field: { path }, message: expect.stringContaining(message) })]);
    expect(run.stderr).toContain(`[warning] ${apiVersion}/${kind}/demo/typo ${path}: `);
  });

  it.each([
    ['an empty input', 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n', 'the input has no items: nothing to render'],
    ['an input without databases', HEAD + CM, 'no PerconaXtraDB (kubedb.com/v1 or kubedb.com/v1alpha2) among the 1 input items: nothing to render'],
  ])('%s is an info result', (_name, input, message) => {
    const run = runFunction(input);
    expect(run.exitCode).toBe(0);
    expect((load(run.stdout) as Output).results).toEqual([{ severity: 'info', message }]);
  });
});

describe('mistakes in a database that used to pass silently', () => {
  it.each([
    ['requireSsl: true', '    requireSsl: true\n', 'spec.requireSsl', 'did you mean "requireSSL"?'],
    ['spec.TLS', '    TLS: {}\n', 'spec.TLS', 'did you mean "tls"?'],
    ['a podTemplate container of unknown name without image', '    podTemplate:\n      spec:\n        containers:\n        - name: perconaxtrdb\n          resources: {}\n', 'spec.podTemplate.spec.containers[0].name', 'did you mean "perconaxtradb"?'],
  ])('%s is an error naming the field', (_name, extra, path, hint) => {
    const run = runFunction(HEAD + DB + extra);
    expect(run.exitCode).toBe(1);
    const errors = (load(run.stdout) as Output).results.filter((r) => r.severity === 'error');
    expect(errors).toEqual([expect.objectContaining({ field: { path }, message: expect.stringContaining(hint) })]);
  });
});

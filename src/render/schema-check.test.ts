import { perconaXtraDB, v1alpha2, withSpec } from '../test-support/fixtures';
import { checkAgainstSchema } from './schema-check';

const check = (db: ReturnType<typeof perconaXtraDB>) => checkAgainstSchema(db, db.apiVersion.split('/')[1]!);
const paths = (db: ReturnType<typeof perconaXtraDB>) => check(db).map((p) => `${p.severity} ${p.path}`);

describe('checkAgainstSchema (KubeDB\'s PerconaXtraDB CRD)', () => {
  it('finds nothing wrong with the KubeDB docs example, in v1 and v1alpha2', () => {
    expect(check(perconaXtraDB())).toEqual([]);
    expect(check(perconaXtraDB('sample-pxc', v1alpha2))).toEqual([]);
  });

  it.each([
    ['a misspelt field', { requireSsl: true }, 'spec.requireSsl', 'unknown field "requireSsl"; did you mean "requireSSL"?'],
    ['a field in the wrong case', { TLS: { issuerRef: { kind: 'Issuer', name: 'x' } } }, 'spec.TLS', 'unknown field "TLS"; did you mean "tls"?'],
    ['a field of the other version', { terminationPolicy: 'WipeOut' }, 'spec.terminationPolicy', 'unknown field "terminationPolicy" in kubedb.com/v1: it is a field of kubedb.com/v1alpha2'],
    ['a string for a boolean', { requireSSL: 'true' }, 'spec.requireSSL', 'must be a boolean, got string "true"'],
    ['a string for an integer', { replicas: '3' }, 'spec.replicas', 'must be an integer, got string "3"'],
    ['a value outside an enumeration', { storageType: 'durable' }, 'spec.storageType', 'must be one of Durable, Ephemeral, got "durable"; did you mean "Durable"?'],
    ['a mapping for a list', { serviceTemplates: { alias: 'primary' } }, 'spec.serviceTemplates', 'must be a list, got a mapping'],
    ['a malformed quantity', { storage: { resources: { requests: { storage: '1 Gi' } } } }, 'spec.storage.resources.requests.storage', 'must be a quantity (e.g. 1Gi, 500m, 2), "1 Gi" is not one'],
    ['an unknown field deep in the pod template', { podTemplate: { spec: { containers: [{ name: 'perconaxtradb', resourcs: {} }] } } }, 'spec.podTemplate.spec.containers[0].resourcs', 'unknown field "resourcs"; did you mean "resources"?'],
    ['a missing required field', { podTemplate: { spec: { containers: [{ image: 'x' }] } } }, 'spec.podTemplate.spec.containers[0].name', 'is required'],
    ['a number for a label value', { podTemplate: { metadata: { labels: { 'app.example/tier': 1 } } } }, 'spec.podTemplate.metadata.labels["app.example/tier"]', 'must be a string, got number 1'],
  ])('refuses %s', (_name, spec, path, message) => {
    expect(check(perconaXtraDB('sample-pxc', withSpec(spec)))).toEqual([{ severity: 'error', path, message }]);
  });

  it('refuses a misspelt top-level field', () => {
    const db = { ...perconaXtraDB(), sepc: {} } as ReturnType<typeof perconaXtraDB>;
    expect(check(db)).toEqual([{ severity: 'error', path: 'sepc', message: 'unknown field "sepc"; did you mean "spec"?' }]);
  });

  it('takes null as unset, quantities as numbers or strings, any metadata and any status', () => {
    const db = perconaXtraDB('sample-pxc', withSpec({ replicas: null, storage: { resources: { requests: { storage: 1073741824 } } } }));
    Object.assign(db, { status: { phase: 'Ready', anything: [1] } });
    Object.assign(db.metadata, { annotations: { 'config.kubernetes.io/path': 'db.yaml' }, uid: 'x' });
    expect(check(db)).toEqual([]);
  });

  it('knows v1alpha2\'s own fields', () => {
    expect(paths(perconaXtraDB('sample-pxc', v1alpha2, withSpec({ coordinator: { resources: {} } })))).toEqual([]);
    expect(paths(perconaXtraDB('sample-pxc', v1alpha2, withSpec({ deletionPolicy: 'WipeOut' })))).toEqual(['error spec.deletionPolicy']);
  });

  it('refuses strings no YAML reader in kpt or kustomize can hold (unpaired surrogates)', () => {
    expect(paths(perconaXtraDB('sample-pxc', withSpec({ podTemplate: { metadata: { labels: { team: 'a\ud800b' } } } })))).toEqual(['error spec.podTemplate.metadata.labels.team']);
    expect(paths(perconaXtraDB('sample-pxc', withSpec({ podTemplate: { metadata: { labels: { team: 'emoji \ud83d\ude00' } } } })))).toEqual([]);
  });

  it('sums up past 50 problems in one last line', () => {
    const spec = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`field${i}`, i]));
    const problems = check(perconaXtraDB('sample-pxc', withSpec(spec)));
    expect(problems).toHaveLength(51);
    expect(problems[50]).toEqual({ severity: 'error', message: "and 10 more problems against KubeDB's CRD schema" });
  });
});

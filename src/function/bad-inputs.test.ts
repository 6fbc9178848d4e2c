/**
 * The catalogue of bad inputs: each gives exactly these results (severity, resource, field path),
 * the ResourceList still on stdout, the message also on stderr, and exit code 1.
 */
import { load } from 'js-yaml';
import { clusterIssuer, FUNCTION_CONFIG, inNamespace, issuer, perconaXtraDB, resourceList, v1alpha2, withAgentImage, withSpec, withTLS, withoutTLS } from '../test-support/fixtures';
import { runFunction } from './run';

interface Expected {
  severity: 'error' | 'warning';
  kind?: string;
  name?: string;
  path?: string;
}

interface Case {
  name: string;
  items: unknown[];
  config?: unknown;
  expected: Expected[];
}

const tls = (extra: Record<string, unknown> = {}) => ({ issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'px-issuer' }, ...extra });
const cert = (fields: Record<string, unknown>) => tls({ certificates: [{ alias: 'server', ...fields }] });
const error = (path: string | undefined, name = 'sample-pxc', kind = 'PerconaXtraDB'): Expected => ({ severity: 'error', kind, name, ...(path ? { path } : {}) });

const CASES: Case[] = [
  { name: 'requireSSL without tls.issuerRef', items: [perconaXtraDB('sample-pxc', withoutTLS, withSpec({ requireSSL: true }))], expected: [error('spec.tls.issuerRef')] },
  { name: 'issuer kind other than Issuer/ClusterIssuer', items: [issuer(), perconaXtraDB('sample-pxc', withTLS({ issuerRef: { kind: 'Vault', name: 'px-issuer' } }))], expected: [error('spec.tls.issuerRef.kind')] },
  { name: 'issuer apiGroup other than cert-manager.io', items: [issuer(), perconaXtraDB('sample-pxc', withTLS({ issuerRef: { apiGroup: 'example.com', kind: 'Issuer', name: 'px-issuer' } }))], expected: [error('spec.tls.issuerRef.apiGroup')] },
  { name: 'Issuer referenced across namespaces', items: [issuer('px-issuer', 'other'), perconaXtraDB()], expected: [error('spec.tls.issuerRef.name')] },
  { name: 'issuerRef with a namespace', items: [issuer(), perconaXtraDB('sample-pxc', withTLS({ issuerRef: { kind: 'Issuer', name: 'px-issuer', namespace: 'other' } }))], expected: [error('spec.tls.issuerRef.namespace')] },
  { name: 'issuerRef without name', items: [perconaXtraDB('sample-pxc', withTLS({ issuerRef: { kind: 'Issuer' } }))], expected: [error('spec.tls.issuerRef.name')] },
  { name: 'issuerRef without kind', items: [perconaXtraDB('sample-pxc', withTLS({ issuerRef: { name: 'px-issuer' } }))], expected: [error('spec.tls.issuerRef.kind')] },
  { name: 'per-certificate issuer of a bad kind', items: [issuer(), perconaXtraDB('sample-pxc', withTLS(cert({ issuerRef: { kind: 'Secret', name: 'x' } })))], expected: [error('spec.tls.certificates[0].issuerRef.kind')] },
  { name: 'unknown alias', items: [issuer(), perconaXtraDB('sample-pxc', withTLS(tls({ certificates: [{ alias: 'archiver' }] })))], expected: [error('spec.tls.certificates[0].alias')] },
  { name: 'duplicate alias', items: [issuer(), perconaXtraDB('sample-pxc', withTLS(tls({ certificates: [{ alias: 'client' }, { alias: 'client' }] })))], expected: [error('spec.tls.certificates[1].alias')] },
  { name: 'certificate without alias', items: [issuer(), perconaXtraDB('sample-pxc', withTLS(tls({ certificates: [{ dnsNames: ['x'] }] })))], expected: [error('spec.tls.certificates[0].alias')] },
  { name: 'invalid duration', items: [issuer(), perconaXtraDB('sample-pxc', withTLS(cert({ duration: '90 days' })))], expected: [error('spec.tls.certificates[0].duration')] },
  { name: 'duration below cert-manager minimum', items: [issuer(), perconaXtraDB('sample-pxc', withTLS(cert({ duration: '30m' })))], expected: [error('spec.tls.certificates[0].duration')] },
  { name: 'invalid renewBefore', items: [issuer(), perconaXtraDB('sample-pxc', withTLS(cert({ renewBefore: '1y' })))], expected: [error('spec.tls.certificates[0].renewBefore')] },
  { name: 'renewBefore not shorter than duration', items: [issuer(), perconaXtraDB('sample-pxc', withTLS(cert({ duration: '24h', renewBefore: '48h' })))], expected: [error('spec.tls.certificates[0].renewBefore')] },
  { name: 'invalid DNS name', items: [issuer(), perconaXtraDB('sample-pxc', withTLS(cert({ dnsNames: ['localhost', 'bad_name.example'] })))], expected: [error('spec.tls.certificates[0].dnsNames[1]')] },
  { name: 'invalid IP address', items: [issuer(), perconaXtraDB('sample-pxc', withTLS(cert({ ipAddresses: ['127.0.0.1', '10.0.0.300'] })))], expected: [error('spec.tls.certificates[0].ipAddresses[1]')] },
  { name: 'invalid URI', items: [issuer(), perconaXtraDB('sample-pxc', withTLS(cert({ uris: ['not a uri'] })))], expected: [error('spec.tls.certificates[0].uris[0]')] },
  { name: 'invalid email address', items: [issuer(), perconaXtraDB('sample-pxc', withTLS(cert({ emailAddresses: ['kubedb.appscode.com'] })))], expected: [error('spec.tls.certificates[0].emailAddresses[0]')] },
  { name: 'invalid private key encoding', items: [issuer(), perconaXtraDB('sample-pxc', withTLS(cert({ privateKey: { encoding: 'DER' } })))], expected: [error('spec.tls.certificates[0].privateKey.encoding')] },
  { name: 'invalid secretName', items: [issuer(), perconaXtraDB('sample-pxc', withTLS(cert({ secretName: 'Server_Cert' })))], expected: [error('spec.tls.certificates[0].secretName')] },
  { name: 'dnsNames not a list', items: [issuer(), perconaXtraDB('sample-pxc', withTLS(cert({ dnsNames: 'localhost' })))], expected: [error('spec.tls.certificates[0].dnsNames')] },
  { name: 'two certificates share a secretName', items: [issuer(), perconaXtraDB('sample-pxc', withTLS(tls({ certificates: [{ alias: 'server', secretName: 'shared' }, { alias: 'client', secretName: 'shared' }] })))], expected: [error('spec.tls.certificates[1].secretName')] },
  { name: 'a rendered object collides with an input object', items: [issuer(), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'sample-pxc', namespace: 'demo' } }, perconaXtraDB()], expected: [error('metadata.name')] },
  { name: 'two databases render the same Secret', items: [issuer(), perconaXtraDB('db-a', withTLS(cert({ secretName: 'db-b-server-cert' }))), perconaXtraDB('db-b')], expected: [error('metadata.name', 'db-b')] },
  { name: 'long names truncate into the same certificate name', items: [issuer(), perconaXtraDB('a'.repeat(52) + 'x'), perconaXtraDB('a'.repeat(52) + 'y')], expected: [error('metadata.name', 'a'.repeat(52) + 'y')] },
  { name: 'missing spec.version', items: [issuer(), perconaXtraDB('sample-pxc', withSpec({ version: undefined }))], expected: [error('spec.version')] },
  { name: 'unknown version', items: [issuer(), perconaXtraDB('sample-pxc', withSpec({ version: '9.9.9' }))], expected: [error('spec.version')] },
  { name: 'missing namespace', items: [issuer(), perconaXtraDB('sample-pxc', inNamespace(''))], expected: [error('metadata.namespace')] },
  { name: 'name that is not a DNS-1035 label', items: [issuer(), perconaXtraDB('1-sample')], expected: [error('metadata.name', '1-sample')] },
  { name: 'replicas below 3', items: [issuer(), perconaXtraDB('sample-pxc', withSpec({ replicas: 1 }))], expected: [error('spec.replicas')] },
  { name: 'Durable without storage', items: [issuer(), perconaXtraDB('sample-pxc', withSpec({ storage: undefined }))], expected: [error('spec.storage')] },
  { name: 'forbidden root password in the pod template', items: [issuer(), perconaXtraDB('sample-pxc', v1alpha2, withSpec({ podTemplate: { spec: { env: [{ name: 'MYSQL_ROOT_PASSWORD', value: 'x' }] } } }))], expected: [error('spec.podTemplate.spec.env[0].name')] },
  { name: 'reserved volume name in the pod template', items: [issuer(), perconaXtraDB('sample-pxc', withSpec({ podTemplate: { spec: { volumes: [{ name: 'tls-server-config', emptyDir: {} }] } } }))], expected: [error('spec.podTemplate.spec.volumes[0].name')] },
  { name: 'unknown serviceTemplates alias', items: [issuer(), perconaXtraDB('sample-pxc', withSpec({ serviceTemplates: [{ alias: 'replica' }] }))], expected: [error('spec.serviceTemplates[0].alias')] },
  { name: 'bad monitor agent', items: [issuer(), perconaXtraDB('sample-pxc', withSpec({ monitor: { agent: 'datadog' } }))], expected: [error('spec.monitor.agent')] },
  { name: 'unknown option in a ConfigMap config', items: [issuer(), perconaXtraDB()], config: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'function-input' }, data: { clusterDomin: 'x' } }, expected: [error('data.clusterDomin', 'function-input', 'ConfigMap')] },
  { name: 'unknown field in a typed config', items: [issuer(), perconaXtraDB()], config: { apiVersion: 'fn.pxc-tls.dev/v1alpha1', kind: 'PxcTlsConfig', metadata: { name: 'cfg' }, spec: { images: { proxy: 'x' } } }, expected: [error('spec.images.proxy', 'cfg', 'PxcTlsConfig')] },
  { name: 'bad boolean in a ConfigMap config', items: [issuer(), perconaXtraDB()], config: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'function-input' }, data: { schedulingGate: 'yes' } }, expected: [error('data.schedulingGate', 'function-input', 'ConfigMap')] },
  { name: 'bad mode', items: [issuer(), perconaXtraDB()], config: { apiVersion: 'fn.pxc-tls.dev/v1alpha1', kind: 'PxcTlsConfig', metadata: { name: 'cfg' }, spec: { mode: 'enterprise' } }, expected: [error('spec.mode', 'cfg', 'PxcTlsConfig')] },
  { name: '5.7.44 in standalone mode (end of life; no TLS reload; the init grants are 8.0\'s)', items: [issuer(), perconaXtraDB('sample-pxc', withSpec({ version: '5.7.44' }))], expected: [error('spec.version')] },
  { name: 'config of an unsupported kind', items: [issuer(), perconaXtraDB()], config: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }, expected: [error(undefined, 'web', 'Deployment')] },
];

describe('bad inputs give located error results, the list on stdout, stderr lines and exit 1', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, testCase) => {
    const input = resourceList(testCase.items, withAgentImage(testCase.config));
    const run = runFunction(input);
    expect(run.exitCode).toBe(1);
    const output = load(run.stdout) as { kind: string; items: unknown[]; results: Array<{ severity: string; resourceRef?: { kind: string; name: string }; field?: { path: string } }> };
    expect(output.kind).toBe('ResourceList');
    // Nothing is lost: every input item is still there.
    expect(output.items.length).toBeGreaterThanOrEqual(testCase.items.length);
    const errors = output.results.filter((r) => r.severity === 'error').map((r) => ({
      severity: r.severity,
      kind: r.resourceRef?.kind,
      name: r.resourceRef?.name,
      ...(r.field ? { path: r.field.path } : {}),
    }));
    expect(errors).toEqual(testCase.expected);
    for (const expected of testCase.expected) {
      expect(run.stderr).toContain(`[error]`);
      if (expected.path) expect(run.stderr).toContain(`${expected.path}:`);
    }
  });

  it('has at least 25 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
  });
});

describe('standalone mode without the agent\'s image', () => {
  it.each([
    ['no function config', undefined],
    ['a ConfigMap without images.agent', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'function-input' }, data: { clusterDomain: 'cluster.local' } }],
  ])('%s: an error on each database naming the option, nothing rendered, nothing lost', (_name, config) => {
    const items = [issuer(), perconaXtraDB()];
    const run = runFunction(resourceList(items, config));
    expect(run.exitCode).toBe(1);
    const output = load(run.stdout) as { items: Array<{ kind: string }>; results: Array<{ severity: string; message: string; resourceRef?: { kind: string } }> };
    expect(output.items.map((i) => i.kind)).toEqual(['Issuer', 'PerconaXtraDB']);
    const errors = output.results.filter((r) => r.severity === 'error');
    expect(errors).toEqual([expect.objectContaining({ resourceRef: expect.objectContaining({ kind: 'PerconaXtraDB' }), message: expect.stringContaining('set images.agent in the function config') })]);
    expect(run.stderr).toMatch(/\[error\] kubedb.com\/v1\/PerconaXtraDB\/demo\/sample-pxc.*images\.agent/);
  });

  it('kubedb mode needs no agent', () => {
    const run = runFunction(resourceList([issuer(), perconaXtraDB()], { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'function-input' }, data: { mode: 'kubedb' } }));
    expect(run.exitCode).toBe(0);
  });
});

/** The fixtures' databases take all three certificates from one issuer, which the function warns about (trust.ts). */
const SHARED_ISSUER = /the server \(Galera\) certificate comes from the same issuer/;
const withoutSharedIssuerWarning = (stderr: string) => stderr.split('\n').filter((line) => line !== '' && !SHARED_ISSUER.test(line)).join('\n');

describe('an Issuer or ClusterIssuer missing from the list is only a warning', () => {
  it.each([
    ['Issuer', perconaXtraDB(), 'spec.tls.issuerRef.name'],
    ['ClusterIssuer', perconaXtraDB('sample-pxc', withTLS({ issuerRef: { apiGroup: 'cert-manager.io', kind: 'ClusterIssuer', name: 'ca' } })), 'spec.tls.issuerRef.name'],
  ])('%s', (_kind, db, path) => {
    const run = runFunction(resourceList([db], FUNCTION_CONFIG));
    expect(run.exitCode).toBe(0);
    const output = load(run.stdout) as { results: Array<{ severity: string; message: string; field?: { path: string } }> };
    expect(output.results.filter((r) => r.severity === 'warning' && !SHARED_ISSUER.test(r.message)).map((r) => r.field?.path)).toEqual([path]);
    expect(run.stderr).toMatch(/\[warning\] .*spec\.tls\.issuerRef\.name: .* is not in the input/);
  });

  it('is no warning when the ClusterIssuer is in the list', () => {
    const db = perconaXtraDB('sample-pxc', withTLS({ issuerRef: { kind: 'ClusterIssuer', name: 'px-cluster-issuer' } }));
    const run = runFunction(resourceList([clusterIssuer(), db], FUNCTION_CONFIG));
    expect(run.exitCode).toBe(0);
    expect(withoutSharedIssuerWarning(run.stderr)).toBe('');
  });
});

describe('an alias in a database to an anchor in another item', () => {
  it('renders normally', () => {
    const input = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: cert-manager.io/v1\n  kind: Issuer\n  metadata:\n    name: px-issuer\n    namespace: demo\n  spec:\n    ca: &ca\n      name: px-ca\n- apiVersion: kubedb.com/v1\n  kind: PerconaXtraDB\n  metadata:\n    name: db\n    namespace: demo\n  spec:\n    version: "8.4.3"\n    storage: {resources: {requests: {storage: 1Gi}}}\n    configSecret: *ca\n    tls:\n      issuerRef: {kind: Issuer, name: px-issuer}\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: function-input\n  data:\n    images.agent: registry.example.com/platform/pxc-tls:0.1.0\n';
    const run = runFunction(input);
    expect(withoutSharedIssuerWarning(run.stderr)).toBe('');
    expect(run.exitCode).toBe(0);
    expect((load(run.stdout) as { items: unknown[] }).items).toHaveLength(17);
  });
});

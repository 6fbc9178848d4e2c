// The function warns, on the CA Certificate itself, when the CA behind a rendered database's issuer
// gets a new key at renewal; it renders as before and exits 0 (a warning, not an error).
import { load } from 'js-yaml';
import { KubeObject } from '../krm/types';
import { clusterIssuer, inNamespace, issuer, perconaXtraDB, resourceList, withAgentImage, withoutTLS, withTLS } from '../test-support/fixtures';
import { runFunction } from './run';

interface Output {
  items: KubeObject[];
  results: Array<{ severity: string; message: string; resourceRef?: { kind: string; name: string; namespace?: string }; field?: { path: string; currentValue?: unknown; proposedValue?: unknown }; file?: { path: string; index?: number } }>;
}

function run(items: unknown[]): Output & { stderr: string; exitCode: number } {
  const r = runFunction(resourceList(items, withAgentImage(undefined)));
  return { ...(load(r.stdout) as Output), stderr: r.stderr, exitCode: r.exitCode };
}

function caCertificate(name = 'px-ca', namespace = 'demo', spec: Record<string, unknown> = {}, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
    spec: { isCA: true, commonName: name, secretName: 'px-ca', issuerRef: { kind: 'Issuer', name: 'selfsigned' }, ...spec },
  };
}

/** The warnings on Certificates: the databases' own warnings (a shared issuer, trust.ts) are not this test's. */
const warnings = (out: Output) => out.results.filter((r) => r.severity === 'warning' && r.resourceRef?.kind === 'Certificate');

describe('the CA behind a rendered database\'s issuer, re-keyed at renewal', () => {
  test('a CA Certificate without rotationPolicy: a warning on that Certificate at spec.privateKey.rotationPolicy, in its file; rendering goes on, exit 0', () => {
    const ca = caCertificate('px-ca', 'demo', {}, { 'config.kubernetes.io/path': 'issuer.yaml', 'config.kubernetes.io/index': '1' });
    const out = run([issuer(), ca, perconaXtraDB()]);
    expect(out.exitCode).toBe(0);
    expect(out.items.some((i) => i.kind === 'StatefulSet')).toBe(true);
    expect(warnings(out)).toEqual([{
      severity: 'warning',
      message: expect.stringMatching(/^Certificate demo\/px-ca \(isCA: true\) writes Secret px-ca, the CA of Issuer demo\/px-issuer, and its spec\.privateKey\.rotationPolicy is unset .*; PerconaXtraDB demo\/sample-pxc depends on it$/),
      resourceRef: { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', name: 'px-ca', namespace: 'demo' },
      field: { path: 'spec.privateKey.rotationPolicy', proposedValue: 'Never' },
      file: { path: 'issuer.yaml', index: 1 },
    }]);
    expect(out.stderr).toContain('pxc-tls: [warning] cert-manager.io/v1/Certificate/demo/px-ca spec.privateKey.rotationPolicy: Certificate demo/px-ca (isCA: true)');
  });

  test('rotationPolicy Always: the warning shows the current value', () => {
    const [w] = warnings(run([issuer(), caCertificate('px-ca', 'demo', { privateKey: { rotationPolicy: 'Always' } }), perconaXtraDB()]));
    expect(w!.field).toEqual({ path: 'spec.privateKey.rotationPolicy', currentValue: 'Always', proposedValue: 'Never' });
  });

  test('rotationPolicy Never: no warning', () => {
    expect(warnings(run([issuer(), caCertificate('px-ca', 'demo', { privateKey: { rotationPolicy: 'Never' } }), perconaXtraDB()]))).toEqual([]);
  });

  test('one warning per CA Certificate, naming every database that depends on it', () => {
    const out = run([issuer(), caCertificate(), perconaXtraDB('orders'), perconaXtraDB('ledger')]);
    expect(warnings(out)).toHaveLength(1);
    expect(warnings(out)[0]!.message).toMatch(/; PerconaXtraDB demo\/ledger, demo\/orders depend on it$/);
  });

  test('an Issuer\'s CA Certificate in another namespace is not behind it', () => {
    expect(warnings(run([issuer(), caCertificate('px-ca', 'elsewhere'), perconaXtraDB()]))).toEqual([]);
  });

  test('a ClusterIssuer\'s CA Certificate is found in any namespace of the input', () => {
    const db = perconaXtraDB('sample-pxc', withTLS({ issuerRef: { apiGroup: 'cert-manager.io', kind: 'ClusterIssuer', name: 'px-cluster-issuer' } }));
    const out = run([clusterIssuer(), caCertificate('px-ca', 'cert-manager'), db]);
    expect(warnings(out).map((w) => w.resourceRef?.namespace)).toEqual(['cert-manager']);
    expect(warnings(out)[0]!.message).toMatch(/^Certificate cert-manager\/px-ca \(isCA: true\) writes Secret px-ca, the CA of ClusterIssuer px-cluster-issuer, and its spec\.privateKey\.rotationPolicy is unset/);
  });

  test('a per-certificate issuer counts too', () => {
    const db = perconaXtraDB('sample-pxc', withTLS({
      issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'px-issuer' },
      certificates: [{ alias: 'server', issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'galera-issuer' } }],
    }));
    const galeraIssuer = { ...issuer('galera-issuer'), spec: { ca: { secretName: 'galera-ca' } } };
    const out = run([issuer(), galeraIssuer, caCertificate('galera-ca', 'demo', { secretName: 'galera-ca' }), db]);
    expect(warnings(out).map((w) => w.resourceRef?.name)).toEqual(['galera-ca']);
  });

  test('a database without TLS renders nothing and draws no warning; nor does a CA no database uses', () => {
    expect(warnings(run([issuer(), caCertificate(), perconaXtraDB('plain', withoutTLS)]))).toEqual([]);
    expect(warnings(run([issuer('unused'), caCertificate(), perconaXtraDB('sample-pxc', inNamespace('demo'))])).filter((w) => w.resourceRef?.kind === 'Certificate')).toEqual([]);
  });
});

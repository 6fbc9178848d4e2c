import { load } from 'js-yaml';
import { runFunction } from './run';
import { kinds, Output, runItems } from './testing/run-items';
import { inNamespace, issuer, perconaXtraDB, resourceList, withoutTLS, withSpec } from '../test-support/fixtures';

const run = runItems;


describe('renderResourceList', () => {
  it('renders the docs example: certificates, placeholders, services, RBAC, StatefulSet', () => {
    const out = run([issuer(), perconaXtraDB()]);
    expect(out.exitCode).toBe(0);
    expect(kinds(out.items)).toEqual([
      'Issuer/px-issuer',
      'PerconaXtraDB/sample-pxc',
      'Secret/sample-pxc-server-cert',
      'Secret/sample-pxc-client-cert',
      'Secret/sample-pxc-metrics-exporter-cert',
      'Certificate/sample-pxc-server-cert',
      'Certificate/sample-pxc-client-cert',
      'Certificate/sample-pxc-metrics-exporter-cert',
      'Service/sample-pxc',
      'Service/sample-pxc-pods',
      'ServiceAccount/sample-pxc',
      'Role/sample-pxc',
      'RoleBinding/sample-pxc',
      'NetworkPolicy/sample-pxc-pxc-tls-members',
      'NetworkPolicy/sample-pxc-pxc-tls-mysql',
      'PodDisruptionBudget/sample-pxc',
      'StatefulSet/sample-pxc',
    ]);
    const ref = { apiVersion: 'kubedb.com/v1', kind: 'PerconaXtraDB', name: 'sample-pxc', namespace: 'demo' };
    expect(out.results).toEqual([
      { severity: 'warning', message: expect.stringMatching(/^the server \(Galera\) certificate comes from the same issuer \(Issuer px-issuer\) as the client and metrics-exporter certificates: Galera admits any certificate its CA signed/), resourceRef: ref, field: { path: 'spec.tls.issuerRef' } },
      { severity: 'info', message: 'rendered 3 Secrets, 3 Certificates, 2 Services, 1 ServiceAccount, 1 Role, 1 RoleBinding, 2 NetworkPolicies, 1 PodDisruptionBudget, 1 StatefulSet', resourceRef: ref },
    ]);
  });

  it('marks the source database local-config so kustomize drops it and kpt live apply skips it', () => {
    const db = run([issuer(), perconaXtraDB()]).items[1]!;
    expect(db.metadata.annotations).toEqual({ 'config.kubernetes.io/local-config': 'true', 'pxc-tls.dev/local-config-added': 'true' });
  });

  it('placeholder Secrets carry no key material and are never pruned by Argo CD', () => {
    const secrets = run([issuer(), perconaXtraDB()]).items.filter((i) => i.kind === 'Secret');
    for (const secret of secrets) {
      expect(secret.type).toBe('Opaque');
      expect(secret).not.toHaveProperty('data');
      expect(secret).not.toHaveProperty('stringData');
      expect(secret.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe('Prune=false');
    }
  });

  it('is idempotent: its own output gives byte-identical output', () => {
    const first = run([issuer(), perconaXtraDB(), perconaXtraDB('other', inNamespace('db2'))]);
    const second = runFunction(first.stdout.replace(/\nresults:\n[\s\S]*$/, '\n'));
    expect(second.stdout.replace(/\nresults:\n[\s\S]*$/, '\n')).toBe(first.stdout.replace(/\nresults:\n[\s\S]*$/, '\n'));
  });

  it('replaces what an earlier run generated instead of duplicating it', () => {
    const first = run([issuer(), perconaXtraDB()]);
    const again = run(first.items);
    expect(kinds(again.items)).toEqual(kinds(first.items));
  });

  it('keeps generated objects whose database is not in the input, with one warning naming them', () => {
    // kpt may send part of a package (`kpt fn eval --match-kind Secret`): absence proves nothing.
    const first = run([issuer(), perconaXtraDB()]);
    const withoutDb = first.items.filter((i) => i.kind !== 'PerconaXtraDB');
    const out = run(withoutDb);
    expect(out.exitCode).toBe(0);
    expect(kinds(out.items)).toEqual(kinds(withoutDb));
    expect(out.results.filter((r) => r.severity === 'warning')).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^kept 15 object\(s\) generated for PerconaXtraDB demo\/sample-pxc, which is not in the input/) }),
    ]);
  });

  it('removes generated objects when the database no longer has TLS', () => {
    const first = run([issuer(), perconaXtraDB()]);
    const items = first.items.map((i) => (i.kind === 'PerconaXtraDB' ? perconaXtraDB('sample-pxc', withoutTLS) : i));
    expect(kinds(run(items).items)).toEqual(['Issuer/px-issuer', 'PerconaXtraDB/sample-pxc']);
  });

  it('keeps the generated objects of a database that fails validation, so nothing is lost', () => {
    const first = run([issuer(), perconaXtraDB()]);
    const items = first.items.map((i) => (i.kind === 'PerconaXtraDB' ? perconaXtraDB('sample-pxc', withSpec({ version: '0.0.0' })) : i));
    const out = run(items);
    expect(out.exitCode).toBe(1);
    expect(out.items).toHaveLength(first.items.length);
  });

  it('passes a database without TLS through unchanged, with an info result', () => {
    const input = resourceList([perconaXtraDB('plain', withoutTLS)]);
    const result = runFunction(input);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.startsWith(input.replace(/\n$/, ''))).toBe(true);
    const out = load(result.stdout) as Output;
    expect(out.results).toEqual([expect.objectContaining({ severity: 'info', message: expect.stringContaining('passed through unchanged') })]);
  });

  it('places new objects beside their database\'s file with distinct indexes', () => {
    const db = perconaXtraDB();
    db.metadata.annotations = { 'config.kubernetes.io/path': 'dbs/sample.yaml', 'config.kubernetes.io/index': '0' };
    const out = run([issuer(), db]);
    const generated = out.items.slice(2);
    expect(new Set(generated.map((g) => g.metadata.annotations?.['config.kubernetes.io/path']))).toEqual(new Set(['dbs/sample.pxc-tls.yaml']));
    expect(generated.map((g) => g.metadata.annotations?.['config.kubernetes.io/index'])).toEqual(generated.map((_, i) => String(i)));
  });

  it('in kubedb mode renders only Certificates and placeholder Secrets and keeps the database live', () => {
    const db = perconaXtraDB();
    db.metadata.annotations = { 'config.kubernetes.io/local-config': 'true', 'pxc-tls.dev/local-config-added': 'true' };
    const out = run([issuer(), db], { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'function-input' }, data: { mode: 'kubedb' } });
    expect(kinds(out.items).slice(2).map((k) => k.split('/')[0])).toEqual(['Secret', 'Secret', 'Secret', 'Certificate', 'Certificate', 'Certificate']);
    expect(out.items[1]!.metadata.annotations ?? {}).not.toHaveProperty(['config.kubernetes.io/local-config']);
  });

  it('with sync waves, certificates and placeholders come before the workload', () => {
    const out = run([issuer(), perconaXtraDB()], { apiVersion: 'fn.pxc-tls.dev/v1alpha1', kind: 'PxcTlsConfig', metadata: { name: 'c' }, spec: { argoSyncWaves: true } });
    const wave = (kind: string) => out.items.find((i) => i.kind === kind)!.metadata.annotations?.['argocd.argoproj.io/sync-wave'];
    expect([wave('Certificate'), wave('Secret'), wave('Service'), wave('StatefulSet')]).toEqual(['-1', '-1', '0', '0']);
  });

  it('renders several databases in several namespaces, each with its own objects', () => {
    const out = run([issuer('px-issuer', 'a'), issuer('px-issuer', 'b'), perconaXtraDB('one', inNamespace('a')), perconaXtraDB('two', inNamespace('b'))]);
    expect(out.exitCode).toBe(0);
    const statefulSets = out.items.filter((i) => i.kind === 'StatefulSet').map((s) => `${s.metadata.namespace}/${s.metadata.name}`);
    expect(statefulSets).toEqual(['a/one', 'b/two']);
  });
});

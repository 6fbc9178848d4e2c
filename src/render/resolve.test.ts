import { DEFAULT_RENDER_OPTIONS } from '../model/options';
import { perconaXtraDB, withTLS } from '../test-support/fixtures';
import { mergeStringSet, resolveDatabase } from './resolve';

describe('mergeStringSet (KM stringSetMerger)', () => {
  it.each([
    ['keeps a single user entry when there is no default', ['b'], [], ['b']],
    ['keeps an empty user list when there is no default', [], [], []],
    ['takes a single default for an empty user list', [], ['a'], ['a']],
    ['sorts a multi-entry default for an empty user list', [], ['b', 'a'], ['a', 'b']],
    ['sorts and de-duplicates several user entries even without defaults', ['z', 'a', 'z'], [], ['a', 'z']],
    ['makes the sorted union of user entries and defaults', ['localhost', 'x.example'], ['sample-pxc', 'localhost', '*.a'], ['*.a', 'localhost', 'sample-pxc', 'x.example']],
    ['sorts by bytes, as Go does (upper case before lower case)', ['b'], ['B', 'a'], ['B', 'a', 'b']],
  ])('%s', (_name, user, defaults, expected) => {
    expect(mergeStringSet(user, defaults)).toEqual(expected);
  });
});

describe('resolveDatabase', () => {
  const options = { ...DEFAULT_RENDER_OPTIONS, images: {} };

  it('gives the docs example server certificate exactly as KubeDB shows it', () => {
    const server = resolveDatabase(perconaXtraDB(), options).certificates.server;
    expect(server).toEqual({
      alias: 'server',
      name: 'sample-pxc-server-cert',
      secretName: 'sample-pxc-server-cert',
      issuerRef: { name: 'px-issuer', kind: 'Issuer', group: 'cert-manager.io' },
      commonName: 'sample-pxc.demo.svc',
      subject: { organizations: ['kubedb:server'] },
      dnsNames: ['*.sample-pxc-pods.demo.svc', '*.sample-pxc-pods.demo.svc.cluster.local', '*.sample-pxc.demo.svc', 'localhost', 'sample-pxc', 'sample-pxc.demo.svc'],
      ipAddresses: ['127.0.0.1'],
      uris: [],
      emailAddresses: [],
      usages: ['digital signature', 'key encipherment', 'server auth', 'client auth'],
    });
  });

  it('fills the aliases the user did not list, with client-only usages', () => {
    const model = resolveDatabase(perconaXtraDB(), options);
    expect(model.certificates.client).toMatchObject({ name: 'sample-pxc-client-cert', commonName: 'root', usages: ['digital signature', 'key encipherment', 'client auth'] });
    expect(model.certificates['metrics-exporter'].secretName).toBe('sample-pxc-metrics-exporter-cert');
  });

  it('takes a per-certificate issuer and secret name over the defaults', () => {
    const db = perconaXtraDB(
      'sample-pxc',
      withTLS({
        issuerRef: { kind: 'Issuer', name: 'px-issuer' },
        certificates: [{ alias: 'client', secretName: 'my-client', issuerRef: { apiGroup: 'cert-manager.io', kind: 'ClusterIssuer', name: 'corp-ca' }, duration: '720h', renewBefore: '240h', privateKey: { encoding: 'PKCS8' } }],
      }),
    );
    const model = resolveDatabase(db, options);
    expect(model.certificates.client).toMatchObject({ secretName: 'my-client', name: 'sample-pxc-client-cert', issuerRef: { kind: 'ClusterIssuer', name: 'corp-ca', group: 'cert-manager.io' }, duration: '720h', renewBefore: '240h', privateKeyEncoding: 'PKCS8' });
    expect(model.certificates.server.issuerRef).toEqual({ kind: 'Issuer', name: 'px-issuer', group: 'cert-manager.io' });
  });

  it('puts the cluster domain in the pods wildcard', () => {
    const model = resolveDatabase(perconaXtraDB(), { ...options, clusterDomain: 'corp.internal' });
    expect(model.certificates.server.dnsNames).toContain('*.sample-pxc-pods.demo.svc.corp.internal');
  });

  it('leaves out a common name longer than 64 bytes', () => {
    const model = resolveDatabase(perconaXtraDB('d'.repeat(60)), options);
    expect(model.certificates.server.commonName).toBeUndefined();
  });

  it('applies image overrides over the catalog', () => {
    const model = resolveDatabase(perconaXtraDB(), { ...options, images: { exporter: 'mirror.example/mysqld-exporter:v0.18.0' } });
    expect(model.images).toMatchObject({ db: 'ghcr.io/appscode-images/percona-xtradb-cluster:8.4.3', exporter: 'mirror.example/mysqld-exporter:v0.18.0' });
  });

  it('propagates user labels except KubeDB\'s own keys', () => {
    const db = perconaXtraDB();
    (db.metadata as { labels?: Record<string, string> }).labels = { team: 'payments', 'app.kubernetes.io/name': 'x', 'kubedb.com/x': 'y' };
    expect(resolveDatabase(db, options).labels).toEqual({
      'app.kubernetes.io/component': 'database',
      'app.kubernetes.io/instance': 'sample-pxc',
      'app.kubernetes.io/managed-by': 'kubedb.com',
      'app.kubernetes.io/name': 'perconaxtradbs.kubedb.com',
      team: 'payments',
    });
  });
});

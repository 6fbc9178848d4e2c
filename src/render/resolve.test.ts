import { DEFAULT_RENDER_OPTIONS } from '../model/options';
import { withSpec, perconaXtraDB, withTLS } from '../test-support/fixtures';
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
  const options = { ...DEFAULT_RENDER_OPTIONS, images: { versions: {}, mirror: {} } };

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

  it('applies a version\'s own image override only to databases of that version', () => {
    const images = { versions: { '8.4.3': { db: 'registry.example.com/pxc:8.4.3-patched' } }, mirror: {} };
    const own = resolveDatabase(perconaXtraDB(), { ...options, images });
    expect(own.images).toMatchObject({ db: 'registry.example.com/pxc:8.4.3-patched', exporter: 'docker.io/prom/mysqld-exporter:v0.18.0' });
    expect(own.replacedImages).toEqual([{ component: 'db', from: 'ghcr.io/appscode-images/percona-xtradb-cluster:8.4.3', to: 'registry.example.com/pxc:8.4.3-patched', by: 'version 8.4.3' }]);
    const other = resolveDatabase(perconaXtraDB('sample-pxc', withSpec({ version: '8.0.40' })), { ...options, images });
    expect(other.images.db).toBe('ghcr.io/appscode-images/percona-xtradb-cluster:8.0.40');
    expect(other.replacedImages).toEqual([]);
  });

  it('rewrites the registry of every catalog image a mirror names; a version\'s own override wins', () => {
    const images = { versions: { '8.4.3': { init: 'own/init:1' } }, mirror: { 'ghcr.io': 'mirror.example/ghcr', 'docker.io/prom': 'mirror.example/prom' } };
    const model = resolveDatabase(perconaXtraDB(), { ...options, images });
    expect(model.images).toMatchObject({
      db: 'mirror.example/ghcr/appscode-images/percona-xtradb-cluster:8.4.3',
      coordinator: 'mirror.example/ghcr/kubedb/percona-xtradb-coordinator:v0.40.0-rc.0',
      init: 'own/init:1',
      exporter: 'mirror.example/prom/mysqld-exporter:v0.18.0',
    });
    expect(model.replacedImages.map((r) => `${r.component} by ${r.by}`)).toEqual(['db by mirror ghcr.io', 'coordinator by mirror ghcr.io', 'init by version 8.4.3', 'exporter by mirror docker.io/prom']);
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

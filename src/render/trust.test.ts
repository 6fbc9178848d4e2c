import { DEFAULT_RENDER_OPTIONS, RenderOptions } from '../model/options';
import { perconaXtraDB, withSpec, withTLS } from '../test-support/fixtures';
import { renderDatabase } from './render';
import { resolveDatabase } from './resolve';
import { trustWarnings } from './trust';

const SHARED = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'px-issuer' };
const MEMBERS = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'px-members' };
const MONITOR = { monitor: { agent: 'prometheus.io/operator' } };

function model(certificates: unknown[], monitored = true, mode: RenderOptions['mode'] = 'standalone') {
  const db = perconaXtraDB('orders', withTLS({ issuerRef: SHARED, certificates }), ...(monitored ? [withSpec(MONITOR)] : []));
  return resolveDatabase(db, { ...DEFAULT_RENDER_OPTIONS, mode });
}

function wiring(m: ReturnType<typeof model>) {
  const objects = renderDatabase(m) as any[];
  const sts = objects.find((o) => o.kind === 'StatefulSet');
  const containers = sts.spec.template.spec.containers;
  const db = containers.find((c: any) => c.name === 'perconaxtradb');
  const exporter = containers.find((c: any) => c.name === 'exporter');
  const cnf = objects.find((o) => o.kind === 'ConfigMap')?.data['exporter.cnf'] as string | undefined;
  // The mysqld options are run.sh's one argument (containers.ts finishDatabaseContainer).
  const options: string[] = db.args[1].split(' ');
  return {
    sslCa: options.find((a: string) => a.startsWith('--ssl-ca=')),
    sslCapath: options.find((a: string) => a.startsWith('--ssl-capath=')),
    galeraCa: /socket\.ssl_ca=([^;]+)/.exec(options.find((a: string) => a.startsWith('--wsrep-provider-options='))!)![1],
    exporterCa: cnf ? /^ssl-ca=(.*)$/m.exec(cnf)![1] : undefined,
    exporterMounts: exporter?.volumeMounts.map((m: any) => `${m.name}:${m.mountPath}`),
    // What of the server Secret the pod mounts: KubeDB's volume only, never a second one (its key must not reach the exporter).
    serverSecretVolumes: sts.spec.template.spec.volumes.filter((v: any) => v.secret?.secretName === 'orders-server-cert').map((v: any) => v.name),
  };
}

describe('one issuer for all three certificates (KubeDB\'s usual layout)', () => {
  const m = model([]);
  it('warns at spec.tls.issuerRef that the server certificate shares it with the client and exporter certificates', () => {
    expect(trustWarnings(m)).toEqual([{ severity: 'warning', path: 'spec.tls.issuerRef', message: expect.stringMatching(/^the server \(Galera\) certificate comes from the same issuer \(Issuer px-issuer\) as the client and metrics-exporter certificates: Galera admits any certificate its CA signed, so holders of those, or of any other certificate that issuer signs, are let into the cluster/) }]);
  });
  it('mysqld, Galera and the exporter all trust the agent\'s trust bundle (the server\'s CA); ssl-capath stays KubeDB\'s', () => {
    expect(wiring(m)).toEqual({
      sslCa: '--ssl-ca=/etc/mysql/certs/pxc-tls-trust/ca.crt',
      sslCapath: '--ssl-capath=/etc/mysql/certs/server',
      galeraCa: '/etc/mysql/certs/pxc-tls-trust/ca.crt',
      exporterCa: '/etc/mysql/certs/pxc-tls-trust/ca.crt',
      exporterMounts: ['tls-metrics-exporter-config:/etc/mysql/certs/metrics-exporter', 'metrics-exporter-config:/etc/mysql/config/exporter', 'pxc-tls-server-trust:/etc/mysql/certs/pxc-tls-trust'],
      serverSecretVolumes: ['tls-server-config'],
    });
  });
});

describe('a dedicated issuer for the server (Galera) certificate', () => {
  const m = model([{ alias: 'server', issuerRef: MEMBERS }]);
  it('gives no warning', () => expect(trustWarnings(m)).toEqual([]));
  it('Galera trusts only the members\' CA (the trust bundle); mysqld verifies client certificates with the client issuer\'s CA (its Secret); the exporter verifies mysqld with the trust bundle, mounted without the key', () => {
    expect(wiring(m)).toEqual({
      sslCa: '--ssl-ca=/etc/mysql/certs/client/ca.crt',
      sslCapath: '--ssl-capath=/etc/mysql/certs/client',
      galeraCa: '/etc/mysql/certs/pxc-tls-trust/ca.crt',
      exporterCa: '/etc/mysql/certs/pxc-tls-trust/ca.crt',
      exporterMounts: ['tls-metrics-exporter-config:/etc/mysql/certs/metrics-exporter', 'metrics-exporter-config:/etc/mysql/config/exporter', 'pxc-tls-server-trust:/etc/mysql/certs/pxc-tls-trust'],
      serverSecretVolumes: ['tls-server-config'],
    });
  });
});

describe('what else is warned about', () => {
  it('an exporter certificate from the server\'s issuer: shared (at the server\'s own issuerRef), and refused by mysqld, which trusts the client issuer', () => {
    const m = model([{ alias: 'server', issuerRef: MEMBERS }, { alias: 'metrics-exporter', issuerRef: MEMBERS }]);
    expect(trustWarnings(m).map((p) => [p.path, p.message])).toEqual([
      ['spec.tls.certificates[0].issuerRef', expect.stringMatching(/^the server \(Galera\) certificate comes from the same issuer \(Issuer px-members\) as the metrics-exporter certificate:/)],
      ['spec.tls.certificates[1].issuerRef', expect.stringMatching(/^the exporter's certificate comes from Issuer px-members, but mysqld trusts client/)],
    ]);
  });

  it('not monitored: the exporter\'s issuer matters only for sharing', () => {
    expect(trustWarnings(model([{ alias: 'server', issuerRef: MEMBERS }, { alias: 'metrics-exporter', issuerRef: { ...SHARED, name: 'other' } }], false))).toEqual([]);
  });

  it('in-cluster names of other workloads added to the server certificate, at their field; external names and addresses pass', () => {
    const dnsNames = ['localhost', 'orders.demo.svc.cluster.local', 'mysql.example.com', 'ledger.demo.svc', '*.demo.svc', 'web'];
    const m = model([{ alias: 'server', issuerRef: MEMBERS, dnsNames, ipAddresses: ['127.0.0.1', '10.0.0.9'] }]);
    expect(trustWarnings(m).map((p) => [p.path, p.message.split(' ')[0]])).toEqual([
      ['spec.tls.certificates[0].dnsNames', 'ledger.demo.svc'],
      ['spec.tls.certificates[0].dnsNames', '*.demo.svc'],
      ['spec.tls.certificates[0].dnsNames', 'web'],
    ]);
    expect(trustWarnings(m)[0]!.message).toMatch(/the watcher keeps the pods gated \(ForeignName\)/);
  });

  it('kubedb mode: nothing (KubeDB\'s operator wires the pods)', () => {
    expect(trustWarnings(model([], true, 'kubedb'))).toEqual([]);
  });

  it('kubedb mode renders no pod wiring at all: no StatefulSet, no exporter config, no path of the agent\'s copies', () => {
    const objects = renderDatabase(model([{ alias: 'server', issuerRef: MEMBERS }], true, 'kubedb'));
    expect(objects.map((o) => o.kind)).toEqual(['Secret', 'Secret', 'Secret', 'Certificate', 'Certificate', 'Certificate']);
    expect(JSON.stringify(objects)).not.toMatch(/pxc-tls-server|pxc-tls-trust|\/etc\/mysql\/certs/);
  });
});

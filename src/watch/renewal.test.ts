// The renewal monitor's decisions, with the probe injected (the socket is served-probe.ts, tested
// on MariaDB in test/db/served.test.ts): what each pod serves is a real certificate made with
// openssl, handed back as the probe would.
import { X509Certificate } from 'node:crypto';
import { certificateName } from '../model/names';
import { createLogger } from './log';
import { Registry, watcherMetrics } from './metrics';
import { CA_REKEYED_AT_RENEWAL, type Warning } from './record';
import { RenewalMonitor, type RenewalOptions } from './renewal';
import { renewalMetrics } from './renewal-metrics';
import { ProbeError, type ProbeResult, type ProbeTarget } from './served-probe';
import { CertFactory, certificate, secret, type Pem } from '../tls/testing/certs';
import { FakeApi, pod, statefulSet } from './testing/objects';
import type { CertificateObject, IssuerObject } from './types';

const NS = 'demo';
const MIN = 60_000;
const DAY = 86400_000;
let certs: CertFactory;
let ca: Pem;
let old: Pem;
let renewed: Pem;

beforeAll(() => {
  certs = new CertFactory();
  ca = certs.ca('px-ca');
  old = certs.leaf(ca, { dnsNames: ['localhost'], notBefore: new Date(Date.now() - 60 * DAY), notAfter: new Date(Date.now() + 30 * DAY) });
  renewed = certs.leaf(ca, { dnsNames: ['localhost'], notBefore: new Date(Date.now() - MIN), notAfter: new Date(Date.now() + 90 * DAY) });
}, 60_000);
afterAll(() => certs.cleanup());

const OPTIONS: RenewalOptions = { probe: true, port: 3306, graceMs: 15 * MIN, expiryWarningMs: 7 * DAY, timeoutMs: 1000, clusterResourceNamespace: 'cert-manager', clusterIssuers: true, issuerTtlMs: 5 * MIN, databasesAtOnce: 2 };

/** Three running pods of `db` (ungated, with an IP), their server Secret holding `stored`. */
function database(api: FakeApi, db: string, stored: Pem, opts: { issuerKind?: string } = {}): void {
  const serverName = certificateName(db, 'server');
  const cert = certificate(NS, serverName, serverName, stored.cert);
  cert.spec = { ...cert.spec, issuerRef: { name: 'px-issuer', kind: opts.issuerKind ?? 'Issuer', group: 'cert-manager.io' } };
  api.put(secret(NS, serverName, { 'tls.crt': stored.cert, 'tls.key': stored.key, 'ca.crt': ca.cert }), cert, statefulSet(NS, db));
  for (const i of [0, 1, 2]) {
    const p = pod(NS, db, i, { gates: [] });
    p.status = { phase: 'Running', podIP: `10.0.${db.length}.${i}` };
    api.put(p);
  }
}

function caCertificate(namespace: string, rotationPolicy?: string): CertificateObject {
  return { metadata: { name: 'px-ca', namespace }, spec: { secretName: 'px-ca', isCA: true, ...(rotationPolicy ? { privateKey: { rotationPolicy } } : {}) } };
}

function harness(api: FakeApi, opts: Partial<RenewalOptions> = {}) {
  const clock = { now: Date.now(), mono: 0 };
  const leader = { value: true };
  const served = new Map<string, string | ProbeError>(); // podIP → PEM or failure
  const probed: ProbeTarget[] = [];
  const issuers = new Map<string, IssuerObject | Error>();
  const issuerCalls: string[] = [];
  const changed: string[] = [];
  const lines: string[] = [];
  const registry = new Registry();
  const base = watcherMetrics({ gatedPods: () => 0, verdicts: () => new Map(), leader: () => leader.value });
  let monitor: RenewalMonitor;
  const metrics = renewalMetrics(registry, { servedPods: () => monitor.servedPods(), databaseWarnings: () => monitor.databaseWarnings(), now: () => clock.now });
  monitor = new RenewalMonitor({
    caches: api.caches(),
    issuers: {
      get: async (kind, namespace, name) => {
        const id = `${kind}/${namespace ?? ''}/${name}`;
        issuerCalls.push(id);
        const found = issuers.get(id);
        if (found instanceof Error) throw found;
        return found;
      },
    },
    probe: async (target): Promise<ProbeResult> => {
      probed.push(target);
      const what = served.get(target.host);
      if (what === undefined) throw new ProbeError('connect', 'nothing listens');
      if (what instanceof ProbeError) throw what;
      return { serverVersion: '10.11.19-MariaDB', certificate: new X509Certificate(what), ended: 'denied', handshakeMs: 3 };
    },
    createEvent: (ns, e) => api.writer().createEvent(ns, e),
    isLeader: () => leader.value,
    synced: () => true,
    warningsChanged: (key) => changed.push(key),
    metrics,
    apiErrors: base.apiErrors,
    log: createLogger({ write: (l) => lines.push(l) }),
    now: () => new Date(clock.now),
    monotonic: () => clock.mono,
    eventSuffix: () => String(clock.mono++),
    identity: 'test',
    options: { ...OPTIONS, ...opts },
  });
  const serveAll = (db: string, pem: string) => [0, 1, 2].forEach((i) => served.set(`10.0.${db.length}.${i}`, pem));
  return { monitor, clock, leader, served, serveAll, probed, issuers, issuerCalls, changed, lines, registry, metrics, api };
}

const events = (api: FakeApi) => api.events.map((e) => `${e.type} ${e.reason} ${e.involvedObject.kind}/${e.involvedObject.name}`);
const reasons = (w: Warning[] | undefined) => (w ?? []).map((x) => x.reason);

describe('served certificates', () => {
  test('pods serving their Secret\'s certificate: no warning, an expiry gauge per pod, the annotation looked at once this term', async () => {
    const api = new FakeApi();
    database(api, 'orders', renewed);
    const h = harness(api);
    h.serveAll('orders', renewed.cert);
    await h.monitor.round();
    expect(h.probed.map((t) => `${t.host}:${t.port}`)).toEqual(['10.0.6.0:3306', '10.0.6.1:3306', '10.0.6.2:3306']);
    expect(h.monitor.warningsOf(`${NS}/orders`)).toEqual([]);
    expect(h.changed).toEqual([`${NS}/orders`]); // once per leadership term, to clear what an earlier leader may have left
    const text = h.registry.text();
    expect(text).toMatch(/^pxc_tls_served_certificate_expiry_seconds\{namespace="demo",pod="orders-1"\} (\d+)$/m);
    const seconds = Number(/pod="orders-1"\} (\d+)/.exec(text)![1]);
    expect(Math.abs(seconds - 90 * 86400)).toBeLessThan(300);
    expect(text).toContain('pxc_tls_served_certificates{reason="ServedCertificateCurrent"} 3');
    expect(h.metrics.probes.get({ result: 'ok' })).toBe(3);
    expect(api.events).toEqual([]);
    await h.monitor.round();
    expect(h.changed).toEqual([`${NS}/orders`]); // nothing changed: not again
  });

  test('a renewal not loaded: pending within the grace period, then stale — a Warning Event on the pods and the StatefulSet, the warning for the annotation; loaded: current again', async () => {
    const api = new FakeApi();
    database(api, 'orders', old);
    const h = harness(api);
    h.serveAll('orders', old.cert);
    await h.monitor.round();
    // cert-manager renews: the Secret holds the new certificate; the pods still serve the old one.
    const name = certificateName('orders', 'server');
    api.put(secret(NS, name, { 'tls.crt': renewed.cert, 'tls.key': renewed.key, 'ca.crt': ca.cert }));
    await h.monitor.round();
    expect(h.monitor.servedPods().map((p) => p.finding.reason)).toEqual(['ServedCertificatePending', 'ServedCertificatePending', 'ServedCertificatePending']);
    expect(h.monitor.warningsOf(`${NS}/orders`)).toEqual([]);
    h.clock.now += 16 * MIN;
    await h.monitor.round();
    const warnings = h.monitor.warningsOf(`${NS}/orders`)!;
    expect(reasons(warnings)).toEqual(['ServedCertificateStale']);
    expect(warnings[0]!.message).toMatch(/^the certificate demo\/orders-0 serves \(valid until \S+\) is older than its Secret's: Secret demo\/orders-server-cert holds a newer one/);
    expect(warnings[0]!.message).toContain('; the certificate demo/orders-2 serves');
    expect(h.changed).toEqual([`${NS}/orders`, `${NS}/orders`]);
    expect(events(api)).toEqual(['Warning ServedCertificateStale Pod/orders-0', 'Warning ServedCertificateStale Pod/orders-1', 'Warning ServedCertificateStale Pod/orders-2', 'Warning ServedCertificateStale StatefulSet/orders']);
    expect(h.registry.text()).toContain('pxc_tls_database_warnings{reason="ServedCertificateStale"} 1');
    // The agent reloads (or the pods restart): current again, Normal events, the warning gone.
    h.serveAll('orders', renewed.cert);
    await h.monitor.round();
    expect(h.monitor.warningsOf(`${NS}/orders`)).toEqual([]);
    expect(events(api).slice(4)).toEqual(['Normal ServedCertificateCurrent Pod/orders-0', 'Normal ServedCertificateCurrent Pod/orders-1', 'Normal ServedCertificateCurrent Pod/orders-2', 'Normal ServedCertificatesCurrent StatefulSet/orders']);
    expect(h.changed).toHaveLength(3);
  });

  test('the grace period counts from when the watcher first saw the renewed certificate when that is later than its notBefore', async () => {
    const api = new FakeApi();
    const backdated = certs.leaf(ca, { dnsNames: ['localhost'], notBefore: new Date(Date.now() - 2 * DAY), notAfter: new Date(Date.now() + 80 * DAY) });
    database(api, 'orders', backdated);
    const h = harness(api);
    h.serveAll('orders', old.cert);
    await h.monitor.round();
    expect(h.monitor.servedPods()[0]!.finding.reason).toBe('ServedCertificatePending'); // not stale at once, though notBefore is two days ago
    h.clock.now += 16 * MIN;
    await h.monitor.round();
    expect(h.monitor.servedPods()[0]!.finding.reason).toBe('ServedCertificateStale');
  });

  test('a pod that does not answer: no series, counted by failure, logged once; gated, pending and IP-less pods are not probed', async () => {
    const api = new FakeApi();
    database(api, 'orders', renewed);
    api.pods.get(`${NS}/orders-1`)!.spec!.schedulingGates = [{ name: 'pxc-tls.dev/certificates-ready' }];
    api.pods.get(`${NS}/orders-2`)!.status = { phase: 'Running' };
    const h = harness(api);
    h.served.set('10.0.6.0', new ProbeError('timeout', 'no answer within 1000 ms'));
    await h.monitor.round();
    await h.monitor.round();
    expect(h.probed.map((t) => t.host)).toEqual(['10.0.6.0', '10.0.6.0']);
    expect(h.monitor.servedPods()).toEqual([]);
    expect(h.registry.text()).not.toContain('pxc_tls_served_certificate_expiry_seconds{');
    expect(h.metrics.probes.get({ result: 'timeout' })).toBe(2);
    expect(h.lines.filter((l) => l.includes('could not read the served certificate'))).toHaveLength(1);
    expect(h.monitor.warningsOf(`${NS}/orders`)).toEqual([]);
  });

  test('a follower probes nothing and shows no series; a leader that stops leading drops its series', async () => {
    const api = new FakeApi();
    database(api, 'orders', renewed);
    const h = harness(api);
    h.serveAll('orders', renewed.cert);
    h.leader.value = false;
    await h.monitor.round();
    expect(h.probed).toEqual([]);
    h.leader.value = true;
    await h.monitor.round();
    expect(h.monitor.servedPods()).toHaveLength(3);
    h.leader.value = false;
    await h.monitor.round();
    expect(h.monitor.servedPods()).toEqual([]);
    expect(h.registry.text()).not.toContain('pod="orders-0"');
  });

  test('--served-check-period 0s: no probe; the CA check still runs', async () => {
    const api = new FakeApi();
    database(api, 'orders', renewed);
    api.put(caCertificate(NS));
    const h = harness(api, { probe: false });
    h.issuers.set(`Issuer/${NS}/px-issuer`, { kind: 'Issuer', metadata: { name: 'px-issuer', namespace: NS }, spec: { ca: { secretName: 'px-ca' } } });
    await h.monitor.round();
    expect(h.probed).toEqual([]);
    expect(reasons(h.monitor.warningsOf(`${NS}/orders`))).toEqual([CA_REKEYED_AT_RENEWAL]);
  });
});

describe('the CA behind the issuer, re-keyed at renewal', () => {
  const issuer: IssuerObject = { kind: 'Issuer', metadata: { name: 'px-issuer', namespace: NS }, spec: { ca: { secretName: 'px-ca' } } };

  test('a CA Certificate without rotationPolicy: Never is a warning (Event on the StatefulSet, the annotation) that never touches a pod; fixed, it clears', async () => {
    const api = new FakeApi();
    database(api, 'orders', renewed);
    api.put(caCertificate(NS));
    const h = harness(api);
    h.serveAll('orders', renewed.cert);
    h.issuers.set(`Issuer/${NS}/px-issuer`, issuer);
    await h.monitor.round();
    const [w] = h.monitor.warningsOf(`${NS}/orders`)!;
    expect(w).toEqual({ reason: CA_REKEYED_AT_RENEWAL, message: expect.stringMatching(/^Certificate demo\/px-ca \(isCA: true\) writes Secret px-ca, the CA of Issuer demo\/px-issuer, and its spec\.privateKey\.rotationPolicy is unset/) });
    expect(events(api)).toEqual(['Warning CARekeyedAtRenewal StatefulSet/orders']);
    expect(api.calls.filter((c) => c.op === 'patchPod' || c.op === 'patchPodStatus')).toEqual([]);
    api.put(caCertificate(NS, 'Never'));
    await h.monitor.round();
    expect(h.monitor.warningsOf(`${NS}/orders`)).toEqual([]);
    expect(events(api)).toEqual(['Warning CARekeyedAtRenewal StatefulSet/orders', 'Normal CARekeyedAtRenewalResolved StatefulSet/orders']);
    expect(h.issuerCalls).toEqual([`Issuer/${NS}/px-issuer`]); // read once: cached for the TTL
  });

  test('a ClusterIssuer\'s CA Certificate is looked for in --cluster-resource-namespace; not read at all in a namespaced install', async () => {
    const api = new FakeApi();
    database(api, 'orders', renewed, { issuerKind: 'ClusterIssuer' });
    api.put(caCertificate('cert-manager', 'Always'), caCertificate(NS)); // the one in demo is not the ClusterIssuer's
    const cluster: IssuerObject = { kind: 'ClusterIssuer', metadata: { name: 'px-issuer' }, spec: { ca: { secretName: 'px-ca' } } };
    const h = harness(api, { probe: false });
    h.issuers.set('ClusterIssuer//px-issuer', cluster);
    await h.monitor.round();
    expect(h.monitor.warningsOf(`${NS}/orders`)![0]!.message).toMatch(/^Certificate cert-manager\/px-ca \(isCA: true\) writes Secret px-ca, the CA of ClusterIssuer px-issuer, and its spec\.privateKey\.rotationPolicy is Always:/);
    const namespaced = harness(api, { probe: false, clusterIssuers: false });
    namespaced.issuers.set('ClusterIssuer//px-issuer', cluster);
    await namespaced.monitor.round();
    expect(namespaced.issuerCalls).toEqual([]);
    expect(namespaced.monitor.warningsOf(`${NS}/orders`)).toEqual([]);
  });

  test('no RBAC for issuers (403): no warning, logged once; another error keeps the last result', async () => {
    const api = new FakeApi();
    database(api, 'orders', renewed);
    api.put(caCertificate(NS));
    const h = harness(api, { probe: false, issuerTtlMs: 0 });
    h.issuers.set(`Issuer/${NS}/px-issuer`, issuer);
    await h.monitor.round();
    expect(reasons(h.monitor.warningsOf(`${NS}/orders`))).toEqual([CA_REKEYED_AT_RENEWAL]);
    h.issuers.set(`Issuer/${NS}/px-issuer`, Object.assign(new Error('HTTP 500'), { statusCode: 500 }));
    await h.monitor.round();
    expect(reasons(h.monitor.warningsOf(`${NS}/orders`))).toEqual([CA_REKEYED_AT_RENEWAL]);
    h.issuers.set(`Issuer/${NS}/px-issuer`, Object.assign(new Error('HTTP 403'), { statusCode: 403 }));
    await h.monitor.round();
    await h.monitor.round();
    expect(h.monitor.warningsOf(`${NS}/orders`)).toEqual([]);
    expect(h.lines.filter((l) => l.includes('may not read the issuer'))).toHaveLength(1);
  });

  test('the CA warning comes first, then the served one', async () => {
    const api = new FakeApi();
    database(api, 'orders', renewed);
    api.put(caCertificate(NS));
    const h = harness(api);
    h.issuers.set(`Issuer/${NS}/px-issuer`, issuer);
    const expired = certs.leaf(ca, { dnsNames: ['localhost'], notBefore: new Date(Date.now() - 2 * DAY), notAfter: new Date(Date.now() - MIN) });
    h.serveAll('orders', expired.cert);
    await h.monitor.round();
    expect(reasons(h.monitor.warningsOf(`${NS}/orders`))).toEqual([CA_REKEYED_AT_RENEWAL, 'ServedCertificateExpired']);
  });
});

test('pods of a database that is gone leave no state behind', async () => {
  const api = new FakeApi();
  database(api, 'orders', renewed);
  const h = harness(api);
  h.serveAll('orders', renewed.cert);
  await h.monitor.round();
  for (const i of [0, 1, 2]) api.pods.delete(`${NS}/orders-${i}`);
  await h.monitor.round();
  expect(h.monitor.servedPods()).toEqual([]);
  expect(h.monitor.warningsOf(`${NS}/orders`)).toEqual([]);
});


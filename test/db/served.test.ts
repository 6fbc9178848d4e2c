// Issue 12.5 on real listeners: the watcher's served-certificate probe (src/watch/served-probe.ts)
// and its renewal monitor (src/watch/renewal.ts) against MariaDB 10.11 servers (standing in for
// PXC, see README.md) running the rendered TLS wiring with issued certificates. The monitor reads
// its pods and Secrets from an in-memory cache (src/watch/testing/objects.ts) — the API server is
// not the part under test here; test/watch/served.test.ts runs the same with the real one.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { createLogger } from '../../src/watch/log';
import { Registry, watcherMetrics } from '../../src/watch/metrics';
import { packet, PacketReader, sslRequest, CAPABILITY } from '../../src/mysql/packets';
import { RenewalMonitor } from '../../src/watch/renewal';
import { renewalMetrics } from '../../src/watch/renewal-metrics';
import { probeServedCertificate, ProbeError } from '../../src/watch/served-probe';
import { FakeApi, pod as podObject, statefulSet } from '../../src/watch/testing/objects';
import { fingerprint, setupSuite, type Pod, type Suite } from './fixture';
import { startNode, type Node } from './mariadb';
import type { SecretData } from './issuer';

jest.setTimeout(180_000);

const DB = 'pxc-served';
const NS = 'demo';
let suite: Suite;
let node: Node;
let plainNode: Node;
let pod: Pod;
let issuedFp: string;

beforeAll(async () => {
  suite = await setupSuite('served', [{ name: DB, requireSSL: true }]);
  pod = suite.db(DB).pod(`${DB}-0`);
  // The rendered wiring; site options for this test only: a low max_connect_errors (the default is
  // 100) and performance_schema for its host_cache table; loopback addresses to probe from.
  node = await startNode(suite.install, {
    name: DB, scratch: suite.scratch, options: [...pod.mysqld.options, '--max-connect-errors=3', '--performance-schema=ON'],
    extraBindAddresses: ['127.0.0.31', '127.0.0.32', '127.0.0.33'],
  });
  // A server without TLS (no ssl-* options at all): what a pod misconfigured that way serves.
  plainNode = await startNode(suite.install, { name: `${DB}-plain`, scratch: suite.scratch, options: ['--skip-ssl'] });
  issuedFp = await fingerprint(readFileSync(pod.certFiles('server').cert));
}, 20 * 60_000);

afterAll(async () => {
  await Promise.all([node?.stop(), plainNode?.stop()]);
  suite?.cleanup();
});

const probe = (localAddress?: string, host = '127.0.0.1', port = node.port) =>
  probeServedCertificate({ host, port, timeoutMs: 5000, ...(localAddress ? { localAddress } : {}) });
const colons = (fp: string) => fp.toUpperCase();

test('a server with no account for the client\'s host refuses before its greeting: the probe says so (MariaDB 1130)', async () => {
  // Nothing but root@localhost exists yet: MariaDB answers a TCP client from 127.0.0.31 with an error instead of a greeting.
  const error = await probe('127.0.0.31', '127.0.0.31').then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ProbeError);
  expect(error).toMatchObject({ kind: 'refused', code: 1130 });
  // KubeDB's pods have root@'%' and the users of the init scripts; here an application user.
  await node.admin("CREATE USER 'app'@'%' IDENTIFIED BY 'test-only-password'");
});

test('the probe reads the certificate the server presents — the issued one — and ends with a refused login', async () => {
  const result = await probe();
  expect(result.serverVersion).toMatch(/MariaDB/);
  expect(result.certificate!.fingerprint256).toBe(colons(issuedFp));
  expect(result.ended).toBe('denied');
  expect(result.handshakeMs).toBeLessThan(5000);
});

test('a server without TLS is seen as such', async () => {
  const result = await probe(undefined, '127.0.0.1', plainNode.port);
  expect(result.certificate).toBeUndefined();
  expect(result.ended).toBe('denied');
});

/** What a naive probe does: greeting, SSLRequest, TLS handshake, close (openssl s_client -starttls mysql does the same). */
async function bareHandshake(localAddress: string): Promise<'tls' | string> {
  const socket = netConnect({ host: '127.0.0.1', port: node.port, localAddress });
  const reader = new PacketReader();
  const first = await new Promise<{ seq: number; payload: Buffer }>((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      reader.push(d);
      const p = reader.next();
      if (p) resolve(p);
    });
    socket.on('error', reject);
  });
  socket.removeAllListeners('data');
  if (first.payload[0] === 0xff) {
    socket.destroy();
    return first.payload.toString('utf8', 3);
  }
  socket.write(packet(1, sslRequest(CAPABILITY.PROTOCOL_41 | CAPABILITY.SECURE_CONNECTION)));
  const tls = tlsConnect({ socket, rejectUnauthorized: false });
  await new Promise((resolve, reject) => tls.once('secureConnect', resolve).once('error', reject));
  tls.destroy();
  return 'tls';
}

test('why the probe logs in: bare TLS handshakes get the host blocked after max_connect_errors; the probe\'s refused logins never do', async () => {
  await node.admin('FLUSH HOSTS');
  for (let i = 0; i < 6; i++) expect((await probe('127.0.0.32')).ended).toBe('denied');
  const hostCache = async (ip: string) => (await node.admin(`SELECT SUM_CONNECT_ERRORS, COUNT_HANDSHAKE_ERRORS FROM performance_schema.host_cache WHERE IP = '${ip}'`)).trim();
  expect(await hostCache('127.0.0.32')).toBe('0\t0');
  for (let i = 0; i < 3; i++) expect(await bareHandshake('127.0.0.33')).toBe('tls');
  expect(await hostCache('127.0.0.33')).toBe('3\t3');
  expect(await bareHandshake('127.0.0.33')).toMatch(/is blocked because of many connection errors/);
  // A blocked host is refused before the greeting: the probe reports it (the server's text, code 1129).
  await expect(probe('127.0.0.33')).rejects.toMatchObject({ kind: 'refused', code: 1129 });
  await node.admin('FLUSH HOSTS');
});

describe('the renewal monitor on a real server: what is served against what the Secret holds', () => {
  const GRACE_MS = 3000;
  let api: FakeApi;
  let monitor: RenewalMonitor;
  let registry: Registry;
  const changed: string[] = [];
  const secretName = () => suite.db(DB).certificate('server').spec.secretName as string;

  const putSecret = (data: SecretData) => {
    const b64 = (b: Buffer | undefined) => (b ?? Buffer.alloc(0)).toString('base64');
    api.put({ metadata: { name: secretName(), namespace: NS, annotations: { 'cert-manager.io/certificate-name': secretName() } }, type: 'Opaque', data: { 'tls.crt': b64(data['tls.crt']), 'tls.key': b64(data['tls.key']), 'ca.crt': b64(data['ca.crt']) } });
  };
  const reasons = () => monitor.servedPods().map((p) => p.reason);

  beforeAll(() => {
    api = new FakeApi();
    putSecret(suite.db(DB).secrets.get(secretName())!);
    api.put(statefulSet(NS, DB));
    // One pod of the database, running, its IP the server's address.
    const p = podObject(NS, DB, 0, { gates: [], aliases: ['server', 'client'] });
    p.status = { phase: 'Running', podIP: '127.0.0.1' };
    api.put(p);
    registry = new Registry();
    const base = watcherMetrics({ gatedPods: () => 0, verdicts: () => new Map(), leader: () => true });
    const metrics = renewalMetrics(registry, { servedPods: () => monitor.servedPods(), databaseWarnings: () => monitor.databaseWarnings(), now: () => Date.now() });
    let n = 0;
    monitor = new RenewalMonitor({
      caches: api.caches(), issuers: { get: async () => undefined }, probe: probeServedCertificate,
      createEvent: (ns, e) => api.writer().createEvent(ns, e), isLeader: () => true, synced: () => true,
      warningsChanged: (key) => changed.push(key), metrics, apiErrors: base.apiErrors, log: createLogger({ write: () => {} }),
      now: () => new Date(), monotonic: () => Date.now(), eventSuffix: () => String(n++), identity: 'db-test',
      options: { probe: true, port: node.port, graceMs: GRACE_MS, expiryWarningMs: 24 * 3600_000, timeoutMs: 5000, clusterResourceNamespace: 'cert-manager', clusterIssuers: false, issuerTtlMs: 60_000, databasesAtOnce: 1 },
    });
  });

  test('serving the Secret\'s certificate: current, and the expiry gauge is that certificate\'s', async () => {
    await monitor.round();
    expect(reasons()).toEqual(['ServedCertificateCurrent']);
    const notAfter = new Date(new X509Certificate(readFileSync(pod.certFiles('server').cert)).validTo).getTime();
    const seconds = Number(new RegExp(`pxc_tls_served_certificate_expiry_seconds\\{namespace="${NS}",pod="${DB}-0"\\} (-?\\d+)`).exec(registry.text())![1]);
    expect(Math.abs(seconds - (notAfter - Date.now()) / 1000)).toBeLessThan(10);
  });

  test('renewed in place but not reloaded: pending, then stale past the grace period (Warning Events, the warning); FLUSH SSL: current, same server process', async () => {
    const pid = node.serverPid();
    const renewed = await suite.issuer.renew(suite.db(DB).certificate('server'));
    const renewedFp = colons(await fingerprint(renewed['tls.crt']!));
    expect(renewedFp).not.toBe(colons(issuedFp));
    pod.replaceCert('server', renewed); // the kubelet's swap of the mounted files
    putSecret(renewed); // the watcher's informer sees the renewed Secret
    await monitor.round();
    expect(reasons()).toEqual(['ServedCertificatePending']);
    expect((await probe()).certificate!.fingerprint256).toBe(colons(issuedFp)); // files replaced, nothing reloaded
    await new Promise((r) => setTimeout(r, GRACE_MS + 500));
    await monitor.round();
    expect(reasons()).toEqual(['ServedCertificateStale']);
    expect(monitor.warningsOf(`${NS}/${DB}`)!.map((w) => w.reason)).toEqual(['ServedCertificateStale']);
    expect(api.events.map((e) => `${e.type} ${e.reason} ${e.involvedObject.kind}`)).toEqual(['Warning ServedCertificateStale Pod', 'Warning ServedCertificateStale StatefulSet']);
    expect(registry.text()).toContain('pxc_tls_served_certificates{reason="ServedCertificateStale"} 1');

    await node.admin('FLUSH SSL');
    await monitor.round();
    expect(reasons()).toEqual(['ServedCertificateCurrent']);
    expect(monitor.servedPods()[0]!.finding.fingerprint).toBe(renewedFp);
    expect(monitor.warningsOf(`${NS}/${DB}`)).toEqual([]);
    expect(api.events.slice(2).map((e) => `${e.type} ${e.reason} ${e.involvedObject.kind}`)).toEqual(['Normal ServedCertificateCurrent Pod', 'Normal ServedCertificatesCurrent StatefulSet']);
    expect(node.serverPid()).toBe(pid);
  });

  test('a pod that does not answer leaves no stale expiry behind; when it answers again, it is read again', async () => {
    const p = api.pods.get(`${NS}/${DB}-0`)!;
    p.status = { phase: 'Running', podIP: '127.0.0.99' }; // nothing listens there
    await monitor.round();
    expect(monitor.servedPods()).toEqual([]);
    expect(registry.text()).not.toContain(`pod="${DB}-0"`);
    expect(registry.text()).toContain('pxc_tls_served_probes_total{result="connect"} 1');
    p.status = { phase: 'Running', podIP: '127.0.0.1' };
    await monitor.round();
    expect(reasons()).toEqual(['ServedCertificateCurrent']);
  });
});

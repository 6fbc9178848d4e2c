// Issue 12.1 on real parts: the AGENT's reloader (src/agent/tls-reload.ts — the object the agent's
// tick calls, with its real renewal check, reload plan, MySQL client and metrics; ticking every 1 s
// as in production) renews the certificate of a 3-member MariaDB 10.11 + Galera 26.4 cluster
// (standing in for PXC, README.md) without a restart. The test never issues a reload statement
// itself. The certificate volumes are laid out and swapped the kubelet's way (test/pod/volumes.ts:
// a new timestamped directory, `..data_tmp` renamed over `..data`). Throughout: a client opening
// verifying TLS connections (chain + the name 127.0.0.1) to every member, counting failures;
// wsrep_cluster_size sampled on every member. Not run here: the agent as a whole process (its
// Kubernetes side and run.sh's contract are test/pod's), PXC, ALTER INSTANCE RELOAD TLS.
//
// Certificates: the suite forces the local openssl CA (PXC_TLS_DB_ISSUER=local-ca): the expired
// renewal has to be signed by the members' own CA with dates in the past, which cert-manager
// never issues; the good renewals are the rendered Certificate spec signed again.
process.env.PXC_TLS_DB_ISSUER = 'local-ca';

import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { agentMetrics } from '../../src/agent/metrics';
import { readMaterialFiles } from '../../src/agent/material';
import { ServedCopies } from '../../src/agent/served-copies';
import { GALERA_PROTOCOL, type CaChangeOrder } from '../../src/model/galera';
import { SERVED_TLS_MOUNT, TRUST_MOUNT } from '../../src/model/project';
import { decideCaChange } from '../../src/watch/ca-change-decider';
import { MysqlConnection } from '../../src/agent/mysql';
import { fingerprintOf, TlsReloader } from '../../src/agent/tls-reload';
import { createLogger } from '../../src/observe/log';
import { CertFactory, type Pem } from '../../src/tls/testing/certs';
import { probeServedCertificate } from '../../src/watch/served-probe';
import { atomicWrite, type Payload } from '../pod/volumes';
import { sleep, startNode, waitUntil, type Node } from './mariadb';
import { NAMESPACE, servedCertificate, setupSuite, type Pod, type Suite } from './fixture';
import type { SecretData } from './issuer';

jest.setTimeout(180_000);

const DB = 'pxc-agent-reload';
const MONITOR = { user: 'monitor', password: 'test-only-monitor-pw' };
const APP = { user: 'app', password: 'test-only-app-pw' };
const TICK_MS = 1000;

let suite: Suite;
const nodes: Node[] = [];
const pods: Pod[] = [];
const reloaders: TlsReloader[] = [];
const logLines: string[] = [];
let metrics: ReturnType<typeof agentMetrics>;
let ticker: NodeJS.Timeout | undefined;
let stopped = false;
/** The client load runs until the test ends it (before members are restarted on purpose). */
let loadOn = true;
let certs: CertFactory;
let caPem: Pem;

/** The certificate volume of a pod's DB container (the agent mounts the same volume). */
const volumeDir = (i: number) => pods[i]!.certFiles('server').dir;

function payloadOf(data: SecretData): Payload {
  return new Map(['tls.crt', 'tls.key', 'ca.crt'].map((k) => [k, { data: Buffer.from(data[k]!), mode: 0o644 }]));
}

/** The kubelet's swap: all three files change at one rename of `..data`. */
const kubeletSwap = (i: number, data: SecretData) => atomicWrite(volumeDir(i), payloadOf(data));

const fp = (pem: Buffer | string) => fingerprintOf(Buffer.from(pem));
const servedSql = async (i: number) => {
  const r = await probeServedCertificate({ host: '127.0.0.1', port: nodes[i]!.port, timeoutMs: 3000 });
  return r.certificate?.fingerprint256;
};
/** The Galera port wants a client certificate: a member's whose files are good (`clientPod`). */
const servedGalera = async (i: number, clientPod = i) => {
  const f = pods[clientPod]!.certFiles('server');
  const colons = await servedCertificate(nodes[i]!.gcommPort!, 'galera', { cert: f.cert, key: f.key });
  return colons.toUpperCase();
};

/**
 * Does member i's Galera admit a peer presenting these files? A TLS handshake on its gcomm port:
 * a server that does not trust the client's CA ends it with an alert (during the handshake in TLS
 * 1.2, right after it in 1.3); an admitted peer is left waiting for gcomm's first message.
 */
async function galeraAdmits(i: number, client: { cert: string; key: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: nodes[i]!.gcommPort!, cert: readFileSync(client.cert), key: readFileSync(client.key), rejectUnauthorized: false });
    let settled = false;
    const settle = (admitted: boolean) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(admitted);
    };
    socket.on('error', () => settle(false));
    socket.on('close', () => settle(false));
    socket.on('secureConnect', () => setTimeout(() => settle(true), 1500));
    setTimeout(() => settle(false), 10_000);
  });
}

// ---- the leader's CA-change decider ------------------------------------------------------------
// THE LEADER'S DECISION, not a stand-in for it: src/watch/ca-change-decider.ts, the pure function the
// watcher's leader runs, fed every tick with the facts these agents report. The watcher process and
// the ConfigMap between them are src/watch/galera.test.ts's and formation's. `leaderOn` off: a
// leader that has not decided yet (to look at the trust stage before it moves on).
let caOrder: CaChangeOrder | undefined;
let leaderOn = true;
const caOrders: string[] = [];
/** Every tick: a member serving a leaf of a CA some member's running server does not trust. */
const untrustedServing: string[] = [];
function leaderTick(): void {
  const facts = reloaders.map((r) => r.facts());
  for (const [i, f] of facts.entries()) {
    for (const [j, g] of facts.entries()) {
      if (f?.servedCa && g?.trusted && !g.trusted.includes(f.servedCa)) untrustedServing.push(`${DB}-${i} serves a leaf of ${f.servedCa}, ${DB}-${j} trusts ${g.trusted.join(', ')}`);
    }
  }
  if (!leaderOn) return;
  const members = facts.map((tlsReload, ordinal) => ({
    name: `${DB}-${ordinal}`, ordinal, pod: true,
    ...(tlsReload ? { facts: { protocol: GALERA_PROTOCOL, member: `${DB}-${ordinal}`, round: 'r', stage: 'running' as const, dataDir: 'initialised' as const, safeToBootstrap: false, mysqldExits: 0, tlsReload } } : {}),
  }));
  caOrder = decideCaChange({ replicas: 3, members }).order;
  const text = caOrder ? `${caOrder.stage} ${caOrder.ca}` : 'none';
  if (caOrders.at(-1) !== text) caOrders.push(text);
}

// ---- the client load and the cluster-size sampler ----------------------------------------------
const load = { ok: 0, failed: 0, errors: [] as string[], minClusterSize: Infinity, samples: 0, running: false };
/** The CA file the client verifies with: the issuer's CA; both CAs through a CA change (docs/rotation.md). */
let clientTrust: Buffer;
async function clientLoop(): Promise<void> {
  load.running = true;
  for (let n = 0; !stopped && loadOn; n++) {
    const node = nodes[n % nodes.length]!;
    try {
      const c = await MysqlConnection.connect({ host: '127.0.0.1', port: node.port, ...APP, ca: clientTrust, timeoutMs: 5000 });
      try {
        await c.query('SELECT 1');
      } finally {
        c.close();
      }
      load.ok++;
    } catch (error) {
      load.failed++;
      if (load.errors.length < 5) load.errors.push(`${node.name}: ${(error as Error).message}`);
    }
    if (n % 10 === 0) {
      for (const s of nodes) {
        const size = Number(await s.status('wsrep_cluster_size'));
        load.minClusterSize = Math.min(load.minClusterSize, size);
        load.samples++;
      }
    }
    await sleep(20);
  }
  load.running = false;
}

beforeAll(async () => {
  suite = await setupSuite('agent-reload', [{ name: DB, requireSSL: true }]);
  certs = new CertFactory();
  caPem = { cert: suite.issuer.caCert().toString(), key: readFileSync(join(suite.scratch.dir, 'issuer-main', 'ca', 'ca.key'), 'utf8') };
  metrics = agentMetrics({ facts: () => undefined, ready: () => true });
  const log = createLogger({ write: (l) => logLines.push(l) });
  for (let i = 0; i < 3; i++) {
    // The agent is under test: no stand-in lays out the copies mysqld and Galera load (the served
    // leaf, the trust bundle); the agent writes them from the verified Secret (src/model/project.ts).
    const pod = suite.db(DB).pod(`${DB}-${i}`, { agent: 'under test' });
    pods.push(pod);
    // The volume as the kubelet writes it (..data and symlinks), before mysqld reads it.
    const dir = pod.certFiles('server').dir;
    const data = Object.fromEntries(['tls.crt', 'tls.key', 'ca.crt'].map((k) => [k, readFileSync(join(dir, k))]));
    for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
    await atomicWrite(dir, payloadOf(data));
    const reloader = new TlsReloader({
      mounted: () => readMaterialFiles(dir),
      // The rendered emptyDirs, as this pod's mounts lay them out (the paths mysqld's options name).
      copies: new ServedCopies(pod.dbMounts.map(SERVED_TLS_MOUNT), pod.dbMounts.map(TRUST_MOUNT), join(dir, 'tls.key')),
      caChange: () => caOrder,
      connect: (ca) => MysqlConnection.connect({ host: '127.0.0.1', port: nodes[i]!.port, ...MONITOR, ca, timeoutMs: 5000 }),
      database: { name: DB, namespace: NAMESPACE, clusterDomain: 'cluster.local' },
      ordinal: i,
      log: log.with({ member: `${DB}-${i}` }),
      metrics: { reloads: metrics.tlsReloads, refused: metrics.tlsRefused },
    });
    reloaders.push(reloader);
    // The agent's start: the first copy, checked, before run.sh may start mysqld.
    if (!reloader.prepare()) throw new Error(`${DB}-${i}: the agent did not copy the issued certificate`);
    nodes.push(await startNode(suite.install, {
      name: `${DB}-${i}`, scratch: suite.scratch, options: pod.mysqld.options,
      galera: { clusterName: DB, bootstrap: i === 0, peers: nodes.map((n) => n.gcommPort!), providerOptions: pod.mysqld.providerOptions },
      readyTimeoutMs: 180_000,
    }));
    if (i === 0) {
      // The monitor user as KubeDB's init entrypoint.sh creates it (MariaDB lacks SERVICE_CONNECTION_ADMIN, the one grant left out).
      await nodes[0]!.admin(`CREATE USER '${MONITOR.user}'@'localhost' IDENTIFIED BY '${MONITOR.password}' WITH MAX_USER_CONNECTIONS 100;
        GRANT SELECT, PROCESS, SUPER, REPLICATION CLIENT, RELOAD ON *.* TO '${MONITOR.user}'@'localhost';
        CREATE USER '${APP.user}'@'%' IDENTIFIED BY '${APP.password}' REQUIRE SSL;`);
    }
  }
  // The agents' ticks: each member's reloader every TICK_MS, as the agent's loop calls it; then the
  // leader's CA-change decider on what they report (see the CA change test).
  const tick = async () => {
    await Promise.all(reloaders.map((r) => r.check().catch(() => undefined)));
    leaderTick();
    if (!stopped) ticker = setTimeout(() => void tick(), TICK_MS);
  };
  await tick();
  clientTrust = suite.issuer.caCert();
  void clientLoop();
}, 20 * 60_000);

afterAll(async () => {
  stopped = true;
  clearTimeout(ticker);
  while (load.running) await sleep(50);
  for (const n of [...nodes].reverse()) await n.stop();
  certs?.cleanup();
  suite?.cleanup();
});

const caFp = () => fp(suite.issuer.caCert());
const originalFp = () => fp(readFileSync(pods[0]!.certFiles('server').cert));

test('before any swap every member serves the issued certificate and the agents report it served', async () => {
  const issued = originalFp();
  for (let i = 0; i < 3; i++) {
    expect(await servedSql(i)).toBe(issued);
    expect(reloaders[i]!.facts()).toEqual({ served: issued, servedCa: caFp(), trusted: [caFp()] });
  }
});

test('renewals swapped in the kubelet\'s way are served on the SQL port and the Galera channel with no restart, no failed client connection, no member lost', async () => {
  const pids = nodes.map((n) => n.serverPid());
  const latencies: number[] = [];
  for (let round = 0; round < 3; round++) {
    const renewed = await suite.issuer.renew(suite.db(DB).certificate('server'));
    const next = fp(renewed['tls.crt']!);
    await Promise.all([0, 1, 2].map(async (i) => {
      await sleep(i * 150); // the kubelets swap at their own moments
      const t0 = performance.now();
      await kubeletSwap(i, renewed);
      await waitUntil(`${DB}-${i} serves the renewal on its SQL port`, async () => ((await servedSql(i)) === next ? true : undefined), 30_000, 50);
      latencies.push(performance.now() - t0);
    }));
    for (let i = 0; i < 3; i++) {
      expect(await servedGalera(i)).toBe(next);
      await waitUntil(`${DB}-${i}'s agent reports the renewal served`, async () => (reloaders[i]!.facts()?.served === next ? true : undefined), 5000, 50);
      expect(reloaders[i]!.facts()).toEqual({ served: next, servedCa: caFp(), trusted: [caFp()] });
    }
  }
  expect(nodes.map((n) => n.serverPid())).toEqual(pids);
  expect(nodes.some((n) => n.exited())).toBe(false);
  await sleep(500);
  suite.log(`client load during the swaps: ${load.ok} verifying TLS connections ok, ${load.failed} failed ${load.errors.join(' | ')}; wsrep_cluster_size min ${load.minClusterSize} over ${load.samples} samples`);
  expect(load.errors).toEqual([]);
  expect(load.failed).toBe(0);
  expect(load.ok).toBeGreaterThan(10);
  expect(load.minClusterSize).toBe(3);
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  suite.log(`swap -> new certificate served on the SQL port (agent tick ${TICK_MS} ms), ${sorted.length} swaps: median ${pct(50).toFixed(0)} ms, p99 ${pct(99).toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms`);
  expect(metrics.tlsReloads.get({ result: 'reloaded' })).toBe(9);
});

describe('bad renewals are refused: the old certificate stays served on both channels, and they are reported', () => {
  const renderedNames = () => ({ dnsNames: suite.db(DB).certificate('server').spec.dnsNames as string[], ipAddresses: suite.db(DB).certificate('server').spec.ipAddresses as string[] });
  const DAY = 86400_000;
  const cases: Array<[string, string, () => Promise<SecretData>]> = [
    // Another CA with its own ca.crt is a CA change (the last test), not a bad renewal.
    ['a leaf of another CA beside the members\' ca.crt', 'UntrustedIssuer', async () => ({ ...(await suite.otherIssuer.renew(suite.db(DB).certificate('server'))), 'ca.crt': Buffer.from(caPem.cert) })],
    ['a key that is not the certificate\'s', 'KeyMismatch', async () => {
      const a = await suite.issuer.renew(suite.db(DB).certificate('server'));
      const b = await suite.issuer.renew(suite.db(DB).certificate('server'));
      return { ...a, 'tls.key': b['tls.key']! };
    }],
    ['a certificate without the members\' names', 'SANMissing', async () => {
      const leaf = certs.leaf(caPem, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
      return { 'tls.crt': Buffer.from(leaf.cert), 'tls.key': Buffer.from(leaf.key), 'ca.crt': Buffer.from(caPem.cert) };
    }],
    ['an expired certificate of the members\' CA', 'Expired', async () => {
      const leaf = certs.leaf(caPem, { ...renderedNames(), notBefore: new Date(Date.now() - 2 * DAY), notAfter: new Date(Date.now() - DAY) });
      return { 'tls.crt': Buffer.from(leaf.cert), 'tls.key': Buffer.from(leaf.key), 'ca.crt': Buffer.from(caPem.cert) };
    }],
  ];
  test.each(cases)('%s → %s', async (_name, reason, make) => {
    const good = reloaders[0]!.facts()!.served;
    const goodFiles = Object.fromEntries(['tls.crt', 'tls.key', 'ca.crt'].map((k) => [k, readFileSync(join(volumeDir(0), k))]));
    const bad = await make();
    const before = metrics.tlsRefused.get({ reason });
    const pid = nodes[0]!.serverPid();
    await kubeletSwap(0, bad);
    await waitUntil(`${DB}-0's agent reports the refusal`, async () => (reloaders[0]!.facts()?.refused ? true : undefined), 15_000, 100);
    expect(reloaders[0]!.facts()).toMatchObject({ served: good, refused: { fingerprint: fp(bad['tls.crt']!), reason } });
    await sleep(2 * TICK_MS); // more ticks: still not loaded, reported once
    expect(await servedSql(0)).toBe(good);
    expect(await servedGalera(0, 1)).toBe(good);
    expect(metrics.tlsRefused.get({ reason })).toBe(before + 1);
    expect(metrics.registry.text()).toContain(`pxc_tls_agent_tls_renewals_refused_total{reason="${reason}"}`);
    expect(nodes[0]!.serverPid()).toBe(pid);
    // The good files back: the report clears.
    await kubeletSwap(0, goodFiles);
    await waitUntil('the refusal clears', async () => (reloaders[0]!.facts()?.refused ? undefined : true), 15_000, 100);
  });

  test('no client connection failed and no member was lost through the bad renewals; the logs carry no material and no password', () => {
    expect(load.failed).toBe(0);
    expect(load.minClusterSize).toBe(3);
    const text = logLines.join('');
    expect(text).toMatch(/renewed server certificate refused/);
    expect(text).not.toMatch(/BEGIN|PRIVATE KEY|MII/);
    expect(text).not.toContain(MONITOR.password);
  });
});

test('a CA change end to end under load, in stages: the new CA trusted everywhere before any member presents its leaf, then the new leaves — 0 failed connections, no partition, no restart; then the old CA dropped, by one restart per member (Galera drops a CA only at a restart)', async () => {
  const pids = nodes.map((n) => n.serverPid());
  const oldCa = caFp();
  const oldLeaf = reloaders[0]!.facts()!.served;
  // The old leaf as a Galera client would present it (to see it refused once the old CA is dropped).
  const oldFiles = { cert: join(suite.scratch.dir, 'old-leaf.crt'), key: join(suite.scratch.dir, 'old-leaf.key') };
  writeFileSync(oldFiles.cert, readFileSync(pods[0]!.certFiles('server').cert));
  writeFileSync(oldFiles.key, readFileSync(pods[0]!.certFiles('server').key), { mode: 0o600 });
  // cert-manager re-issues the one shared server Secret under a re-keyed CA (another key, its own ca.crt).
  const changed = await suite.otherIssuer.renew(suite.db(DB).certificate('server'));
  const newCa = fp(changed['ca.crt']!);
  const newLeaf = fp(changed['tls.crt']!);
  expect(newCa).not.toBe(oldCa);
  // Before: a peer presenting the new leaf is refused by every member (the probe can tell).
  const newFiles = { cert: join(suite.scratch.dir, 'new-leaf.crt'), key: join(suite.scratch.dir, 'new-leaf.key') };
  writeFileSync(newFiles.cert, changed['tls.crt']!);
  writeFileSync(newFiles.key, changed['tls.key']!, { mode: 0o600 });
  for (let i = 0; i < 3; i++) expect(await galeraAdmits(i, newFiles)).toBe(false);
  // Clients trust both CAs through the change (docs/rotation.md "At a CA change").
  clientTrust = Buffer.concat([suite.issuer.caCert(), Buffer.from('\n'), changed['ca.crt']!]);
  await sleep(200);
  const failedBefore = load.failed;

  // 1. trust — the leader has not decided yet: each member trusts the new CA at its own swap, keeps its old leaf.
  leaderOn = false;
  await Promise.all([0, 1, 2].map(async (i) => {
    await sleep(i * 700); // the kubelets swap at their own moments
    await kubeletSwap(i, changed);
  }));
  for (let i = 0; i < 3; i++) {
    await waitUntil(`${DB}-${i} trusts the new CA, its new leaf held back`, async () => {
      const f = reloaders[i]!.facts();
      return f?.waitingCa === newCa && f.trusted?.includes(newCa) ? true : undefined;
    }, 15_000, 100);
    expect(reloaders[i]!.facts()).toEqual({ served: oldLeaf, servedCa: oldCa, trusted: [oldCa, newCa], waitingCa: newCa });
    expect(await servedSql(i)).toBe(oldLeaf);
  }
  // The running servers really trust it: Galera admits a member presenting its new leaf (a new
  // handshake; the members' own connections were opened before), and still the old one.
  for (let i = 0; i < 3; i++) {
    expect(await galeraAdmits(i, pods[(i + 1) % 3]!.certFiles('server'))).toBe(true);
    expect(await galeraAdmits(i, oldFiles)).toBe(true);
    expect(await servedGalera(i, (i + 1) % 3)).toBe(oldLeaf);
  }

  // 2. present, 3. retire — the leader decides on what the members report.
  leaderOn = true;
  for (let i = 0; i < 3; i++) {
    await waitUntil(`${DB}-${i} serves the new leaf, its bundle narrowed to the new CA`, async () => {
      const f = reloaders[i]!.facts();
      return f?.served === newLeaf && f.pending === `trust:${newCa}` ? true : undefined;
    }, 30_000, 100);
    // FLUSH SSL ran (the SQL port dropped the old CA); Galera keeps every CA it has loaded until a
    // restart, which the member asks the leader for.
    expect(reloaders[i]!.facts()).toEqual({
      served: newLeaf, servedCa: newCa, trusted: [oldCa, newCa], pending: `trust:${newCa}`, needsRestart: true, reason: expect.stringMatching(/^galera: .*drops none/),
    });
    expect(await servedSql(i)).toBe(newLeaf);
    expect(await servedGalera(i, (i + 1) % 3)).toBe(newLeaf);
    // Measured, the reason for the restart: the old leaf is still admitted by Galera after the reload.
    expect(await galeraAdmits(i, oldFiles)).toBe(true);
  }
  expect(caOrders.slice(-2)).toEqual([`present ${newCa}`, `retire ${newCa}`]);
  await sleep(500);
  suite.log(`CA change: stages ${caOrders.join(' → ')}; client load ${load.ok} ok, ${load.failed - failedBefore} failed; wsrep_cluster_size min ${load.minClusterSize}`);
  expect(untrustedServing).toEqual([]);
  expect(load.errors).toEqual([]);
  expect(load.failed - failedBefore).toBe(0);
  expect(load.minClusterSize).toBe(3);
  expect(nodes.map((n) => n.serverPid())).toEqual(pids);

  // The restarts that drop the old CA from Galera, one member at a time, each Synced before the
  // next. THE TEST STANDS IN for the leader's restart order and the kubelet executing it (the
  // one-at-a-time decision and its marker are formation.test.ts's): stop mysqld, start it again
  // on the same ports and the same copies, tell the agent's reloader, as the agent does when its
  // member's mysqld exits.
  loadOn = false; // the client load ends: connections to a stopped member fail by design here
  while (load.running) await sleep(50);
  for (const i of [2, 1, 0]) {
    const old = nodes[i]!;
    await old.stop();
    nodes[i] = await startNode(suite.install, {
      name: `${DB}-${i}`, scratch: suite.scratch, options: pods[i]!.mysqld.options, port: old.port, gcommPort: old.gcommPort!, readyTimeoutMs: 180_000,
      galera: { clusterName: DB, bootstrap: false, peers: nodes.filter((_, j) => j !== i).map((n) => n.gcommPort!), providerOptions: pods[i]!.mysqld.providerOptions },
    });
    reloaders[i]!.restarted();
    await waitUntil(`${DB}-${i} trusts only the new CA after its restart`, async () => (reloaders[i]!.facts()?.trusted?.length === 1 && !reloaders[i]!.facts()?.pending ? true : undefined), 15_000, 100);
    expect(reloaders[i]!.facts()).toEqual({ served: newLeaf, servedCa: newCa, trusted: [newCa] });
  }
  await waitUntil('the CA change over: no order', async () => (caOrders.at(-1) === 'none' ? true : undefined), 10_000, 100);
  for (let i = 0; i < 3; i++) {
    expect(await galeraAdmits(i, oldFiles)).toBe(false);
    expect(await galeraAdmits(i, newFiles)).toBe(true);
    expect(Number(await nodes[i]!.status('wsrep_cluster_size'))).toBe(3);
  }
});

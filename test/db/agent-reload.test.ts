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

import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { agentMetrics } from '../../src/agent/metrics';
import { ServerMaterial } from '../../src/agent/material';
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

// ---- the client load and the cluster-size sampler ----------------------------------------------
const load = { ok: 0, failed: 0, errors: [] as string[], minClusterSize: Infinity, samples: 0, running: false };
async function clientLoop(ca: Buffer): Promise<void> {
  load.running = true;
  for (let n = 0; !stopped; n++) {
    const node = nodes[n % nodes.length]!;
    try {
      const c = await MysqlConnection.connect({ host: '127.0.0.1', port: node.port, ...APP, ca, timeoutMs: 5000 });
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
  certs = new CertFactory();
  caPem = { cert: suite.issuer.caCert().toString(), key: readFileSync(join(suite.scratch.dir, 'issuer-main', 'ca', 'ca.key'), 'utf8') };

  metrics = agentMetrics({ facts: () => undefined, ready: () => true });
  const log = createLogger({ write: (l) => logLines.push(l) });
  for (let i = 0; i < 3; i++) {
    const material = new ServerMaterial(volumeDir(i));
    reloaders.push(new TlsReloader({
      files: () => material.files(),
      connect: (ca) => MysqlConnection.connect({ host: '127.0.0.1', port: nodes[i]!.port, ...MONITOR, ca, timeoutMs: 5000 }),
      database: { name: DB, namespace: NAMESPACE, clusterDomain: 'cluster.local' },
      ordinal: i,
      log: log.with({ member: `${DB}-${i}` }),
      metrics: { reloads: metrics.tlsReloads, refused: metrics.tlsRefused },
    }));
  }
  // The agents' ticks: each member's reloader every TICK_MS, as the agent's loop calls it.
  const tick = async () => {
    await Promise.all(reloaders.map((r) => r.check().catch(() => undefined)));
    if (!stopped) ticker = setTimeout(() => void tick(), TICK_MS);
  };
  await tick();
  void clientLoop(suite.issuer.caCert());
}, 20 * 60_000);

afterAll(async () => {
  stopped = true;
  clearTimeout(ticker);
  while (load.running) await sleep(50);
  for (const n of [...nodes].reverse()) await n.stop();
  certs?.cleanup();
  suite?.cleanup();
});

const originalFp = () => fp(readFileSync(pods[0]!.certFiles('server').cert));

test('before any swap every member serves the issued certificate and the agents report it served', async () => {
  const issued = originalFp();
  for (let i = 0; i < 3; i++) {
    expect(await servedSql(i)).toBe(issued);
    expect(reloaders[i]!.facts()).toEqual({ served: issued });
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
      expect(reloaders[i]!.facts()).toEqual({ served: next });
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
    ['another CA (self-consistent: its own ca.crt)', 'UntrustedIssuer', async () => suite.otherIssuer.renew(suite.db(DB).certificate('server'))],
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

/**
 * Serving a renewed server certificate (issue 12, last Proof bullet): pxc-tls's way (the in-pod
 * agent's TlsReloader reloads the swapped files, no restart) against the anchors' way (the Percona
 * operator and mariadb-operator hash the Secret into the pod template and roll every pod: a rolling
 * restart). Same cluster, same client load. Figures only, no assertion; never run by jest or CI.
 * `npm run bench:rotation` (= build, then `node bench/run.mjs rotation`, which bundles this file).
 *
 * Stand-ins: MariaDB 10.11 + Galera 26.4 for PXC (test/db/README.md); a local openssl CA for
 * cert-manager (test/db/issuer.ts, the rendered Certificate spec signed again); the kubelet's
 * volume swap is test/pod/volumes.ts's atomicWrite; the rolling restart is done by this file (one
 * member at a time, highest ordinal first, as the StatefulSet controller rolls); a Service and the
 * kubelet's readiness probe are modelled (below). No Kubernetes, no pod re-creation, no image pull.
 *
 * Method
 *  - 3 members, rendered by the built function (requireSSL), started by test/db's fixture.
 *  - Client load, open loop: every member gets verifying TLS connections (chain + the name
 *    127.0.0.1; connect, SELECT 1, close; 5 s timeout) at a fixed rate, counted per second by start:
 *      (a) direct: round-robin over every member's own address (what a per-member probe sees);
 *      (b) service: round-robin over the members Ready at the moment of the pick, as a Service sends.
 *    Readiness is the kubelet's: the rendered agent container's readinessProbe (its period and
 *    failureThreshold, read from the rendered StatefulSet) applying the agent's own rule
 *    (src/agent/readiness.ts) to the member's wsrep status. A member being rolled leaves (b) at the
 *    moment it is deleted (the endpoint controller drops a terminating pod; kube-proxy's lag is not
 *    modelled: optimistic for the anchors) and comes back only when the probe next sees it Ready.
 *  - Reload: the agent's real TlsReloader per member ticking every second (as
 *    test/db/agent-reload.test.ts; nothing here issues a reload statement). Per renewal: each
 *    member's volume swapped 150 ms after the previous; per member, swap → the new fingerprint
 *    served on its SQL port (the watcher's probe every 50 ms); per renewal, first swap → served on
 *    every member.
 *  - Rolling restart (reloaders stopped: the anchors have none): the renewal swapped into every
 *    volume at once, then per member 2, 1, 0: SIGTERM (clean stop), start again on the same ports
 *    with the renewed files, wait until it is Synced, the probe sees it Ready and the cluster size is
 *    3 (the StatefulSet controller waits for Ready), then the next. Each member's served
 *    certificate is read every 250 ms meanwhile.
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { agentMetrics } from '../src/agent/metrics';
import { readMaterialFiles } from '../src/agent/material';
import { ServedCopies } from '../src/agent/served-copies';
import { SERVED_TLS_MOUNT, TRUST_MOUNT } from '../src/model/project';
import { MysqlConnection } from '../src/agent/mysql';
import { notReadyBecause } from '../src/agent/readiness';
import { fingerprintOf, TlsReloader } from '../src/agent/tls-reload';
import { AGENT_CONTAINER } from '../src/model/project';
import { createLogger } from '../src/observe/log';
import { probeServedCertificate } from '../src/watch/served-probe';
import { atomicWrite, type Payload } from '../test/pod/volumes';
import { sleep, sql, startNode, waitUntil, type Node } from '../test/db/mariadb';
import { NAMESPACE, setupSuite, type Pod, type Suite } from '../test/db/fixture';
import type { SecretData } from '../test/db/issuer';

const DB = 'pxc-bench-rotation';
const MONITOR = { user: 'monitor', password: 'bench-only-monitor-pw' };
const APP = { user: 'app', password: 'bench-only-app-pw' };
const TICK_MS = 1000;
const log = (line: string) => process.stderr.write(`[rotation bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface Member {
  name: string;
  pod: Pod;
  node: Node;
  socket: string;
  /** Deleted and not yet started again (out of the Service at once). */
  deleted: boolean;
  ready: boolean;
  probeFailures: number;
}

const payloadOf = (data: SecretData): Payload => new Map(['tls.crt', 'tls.key', 'ca.crt'].map((k) => [k, { data: Buffer.from(data[k]!), mode: 0o644 }]));
const fp = (pem: Buffer) => fingerprintOf(pem);
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};
const ms = (x: number) => Math.round(x);

/** Open-loop verifying client: `rate` connections a second, each counted in the second it started. */
class Load {
  readonly seconds = new Map<number, { ok: number; failed: number }>();
  readonly errors: string[] = [];
  private timer?: NodeJS.Timeout;
  private inFlight = 0;
  private n = 0;
  constructor(readonly name: string, private readonly origin: number, private readonly pick: (n: number) => Member | undefined, private readonly ca: Buffer) {}
  start(rate: number): void {
    this.timer = setInterval(() => void this.attempt(), 1000 / rate);
  }
  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.inFlight > 0) await sleep(50);
  }
  private async attempt(): Promise<void> {
    const second = Math.floor((performance.now() - this.origin) / 1000);
    const bucket = this.seconds.get(second) ?? { ok: 0, failed: 0 };
    this.seconds.set(second, bucket);
    const m = this.pick(this.n++);
    this.inFlight++;
    try {
      if (!m) throw new Error('no Ready member');
      const c = await MysqlConnection.connect({ host: '127.0.0.1', port: m.node.port, ...APP, ca: this.ca, timeoutMs: 5000 });
      try {
        await c.query('SELECT 1');
      } finally {
        c.close();
      }
      bucket.ok++;
    } catch (error) {
      bucket.failed++;
      if (this.errors.length < 8) this.errors.push(`${m?.name ?? '-'}: ${(error as Error).message}`);
    } finally {
      this.inFlight--;
    }
  }
  /** Totals over the seconds [from, to) and the seconds with a failure. */
  window(from: number, to: number): { ok: number; failed: number; failedSeconds: number; worstSecond: number } {
    const r = { ok: 0, failed: 0, failedSeconds: 0, worstSecond: 0 };
    for (const [s, b] of this.seconds) {
      if (s < from || s >= to) continue;
      r.ok += b.ok;
      r.failed += b.failed;
      if (b.failed) r.failedSeconds++;
      r.worstSecond = Math.max(r.worstSecond, b.failed);
    }
    return r;
  }
}

export async function rotationBench(): Promise<object> {
  process.env.PXC_TLS_DB_ISSUER ??= 'local-ca';
  const renewals = Number(process.env.PXC_TLS_BENCH_ROTATION_RENEWALS ?? 5);
  const rolls = Number(process.env.PXC_TLS_BENCH_ROTATION_ROLLS ?? 2);
  const rate = Number(process.env.PXC_TLS_BENCH_ROTATION_RATE ?? 10);
  const suite: Suite = await setupSuite('rotation-bench', [{ name: DB, requireSSL: true }]);
  const members: Member[] = [];
  let stopped = false;
  try {
    // The readiness probe as rendered.
    const agent = (suite.db(DB).objects.statefulSet.spec.template.spec.containers as any[]).find((c) => c.name === AGENT_CONTAINER);
    const probe = { periodMs: agent.readinessProbe.periodSeconds * 1000, failureThreshold: agent.readinessProbe.failureThreshold as number, timeoutMs: agent.readinessProbe.timeoutSeconds * 1000 };
    const galera = (i: number, bootstrap: boolean) => ({
      clusterName: DB, bootstrap, peers: members.filter((_, j) => j !== i).map((m) => m.node.gcommPort!), providerOptions: members[i]?.pod.mysqld.providerOptions ?? [],
    });
    const metrics = agentMetrics({ facts: () => undefined, ready: () => true });
    const logger = createLogger({ write: () => undefined });
    const reloaders: TlsReloader[] = [];
    const copies: ServedCopies[] = [];
    for (let i = 0; i < 3; i++) {
      // The agent is what writes the copies mysqld and Galera load (no stand-in).
      const pod = suite.db(DB).pod(`${DB}-${i}`, { agent: 'under test' });
      const dir = pod.certFiles('server').dir;
      const data = Object.fromEntries(['tls.crt', 'tls.key', 'ca.crt'].map((k) => [k, readFileSync(join(dir, k))]));
      for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
      await atomicWrite(dir, payloadOf(data)); // the volume as the kubelet lays it out
      copies.push(new ServedCopies(pod.dbMounts.map(SERVED_TLS_MOUNT), pod.dbMounts.map(TRUST_MOUNT), join(dir, 'tls.key')));
      const reloader = new TlsReloader({
        mounted: () => readMaterialFiles(dir),
        copies: copies[i]!,
        connect: (c) => MysqlConnection.connect({ host: '127.0.0.1', port: members[i]!.node.port, ...MONITOR, ca: c, timeoutMs: 5000 }),
        database: { name: DB, namespace: NAMESPACE, clusterDomain: 'cluster.local' },
        ordinal: i,
        log: logger.with({ member: `${DB}-${i}` }),
        metrics: { reloads: metrics.tlsReloads, refused: metrics.tlsRefused },
      });
      reloaders.push(reloader);
      if (!reloader.prepare()) throw new Error(`${DB}-${i}: the agent did not copy the issued certificate`); // the agent's start
      const node = await startNode(suite.install, {
        name: `${DB}-${i}`, scratch: suite.scratch, options: pod.mysqld.options, readyTimeoutMs: 180_000,
        galera: { clusterName: DB, bootstrap: i === 0, peers: members.map((m) => m.node.gcommPort!), providerOptions: pod.mysqld.providerOptions },
      });
      members.push({ name: node.name, pod, node, socket: node.socket, deleted: false, ready: true, probeFailures: 0 });
      if (i === 0) {
        await node.admin(`CREATE USER '${MONITOR.user}'@'localhost' IDENTIFIED BY '${MONITOR.password}' WITH MAX_USER_CONNECTIONS 100;
          GRANT SELECT, PROCESS, SUPER, REPLICATION CLIENT, RELOAD ON *.* TO '${MONITOR.user}'@'localhost';
          CREATE USER '${APP.user}'@'%' IDENTIFIED BY '${APP.password}' REQUIRE SSL;`);
      }
    }
    log(`3 members Synced; load ${rate}/s per client; readiness probe every ${probe.periodMs} ms, failureThreshold ${probe.failureThreshold}`);

    const status = async (m: Member, names: string[]): Promise<Record<string, string> | undefined> => {
      const q = `SHOW GLOBAL STATUS WHERE Variable_name IN (${names.map((n) => `'${n}'`).join(',')})`;
      const r = await sql(suite.install, q, { args: [`--socket=${m.socket}`], user: 'root', timeoutMs: probe.timeoutMs }).catch(() => undefined);
      if (!r || r.code !== 0) return undefined;
      return Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split('\t') as [string, string]));
    };
    // The kubelet's readiness probe per member: the agent's rule on the member's wsrep status.
    const probeOnce = async (m: Member) => {
      if (m.deleted) return;
      const s = await status(m, ['wsrep_cluster_status', 'wsrep_local_state_comment', 'wsrep_cluster_size']);
      const wsrep = s && { clusterStatus: s.wsrep_cluster_status ?? '', localState: s.wsrep_local_state_comment ?? '', clusterSize: Number(s.wsrep_cluster_size), clusterStateUuid: '' };
      if (m.deleted) return;
      if (notReadyBecause(wsrep, 'running') === undefined) {
        m.ready = true;
        m.probeFailures = 0;
      } else if (++m.probeFailures >= probe.failureThreshold) m.ready = false;
    };
    const probeTimers = members.map((m, i) => setTimeout(function again() {
      void probeOnce(m).finally(() => { if (!stopped) probeTimers[i] = setTimeout(again, probe.periodMs); });
    }, (i * probe.periodMs) / 3));
    const sizes: [number, number][] = []; // [second, wsrep_cluster_size]
    const sizeSampler = setInterval(() => {
      for (const m of members) {
        if (m.deleted) continue;
        void status(m, ['wsrep_cluster_size']).then((s) => { if (s?.wsrep_cluster_size) sizes.push([Math.floor(now()), Number(s.wsrep_cluster_size)]); });
      }
    }, 1000);

    const origin = performance.now();
    const now = () => (performance.now() - origin) / 1000;
    const ca = suite.issuer.caCert();
    const direct = new Load('direct', origin, (n) => members[n % 3], ca);
    const service = new Load('service', origin, (n) => {
      const ready = members.filter((m) => m.ready && !m.deleted);
      return ready.length ? ready[n % ready.length] : undefined;
    }, ca);
    direct.start(rate);
    service.start(rate);
    const served = async (m: Member) => {
      try {
        return (await probeServedCertificate({ host: '127.0.0.1', port: m.node.port, timeoutMs: 3000 })).certificate?.fingerprint256;
      } catch {
        return undefined;
      }
    };
    const swap = (m: Member, data: SecretData) => atomicWrite(m.pod.certFiles('server').dir, payloadOf(data));
    const certificate = suite.db(DB).certificate('server');
    const phases: Record<string, { from: number; to: number }> = {};
    await sleep(5000);
    phases.steady = { from: 0, to: Math.floor(now()) };

    // ---- pxc-tls: the agent reloads ---------------------------------------------------------------
    let ticking = true;
    let ticker: NodeJS.Timeout | undefined;
    let tickDone: Promise<unknown> = Promise.resolve();
    const tick = () => {
      tickDone = Promise.all(reloaders.map((r) => r.check().catch(() => undefined))).then(() => { if (ticking) ticker = setTimeout(tick, TICK_MS); });
    };
    tick();
    await tickDone;
    const pids = members.map((m) => m.node.serverPid());
    const reloadFrom = Math.floor(now());
    const perMember: number[] = [];
    const everyMember: number[] = [];
    for (let round = 0; round < renewals; round++) {
      const renewed = await suite.issuer.renew(certificate);
      const next = fp(renewed['tls.crt']!);
      const t0 = performance.now();
      await Promise.all(members.map(async (m, i) => {
        await sleep(i * 150); // the kubelets swap at their own moments
        const t = performance.now();
        await swap(m, renewed);
        await waitUntil(`${m.name} serves the renewal`, async () => ((await served(m)) === next ? true : undefined), 30_000, 50);
        perMember.push(performance.now() - t);
      }));
      everyMember.push(performance.now() - t0);
      await sleep(2000);
    }
    ticking = false;
    clearTimeout(ticker);
    await tickDone;
    phases.reload = { from: reloadFrom, to: Math.ceil(now()) };
    const restartsDuringReload = members.filter((m, i) => m.node.serverPid() !== pids[i]).length;
    log(`reload: ${perMember.length} swaps, median ${ms(quantile(perMember, 0.5))} ms, p99 ${ms(quantile(perMember, 0.99))} ms; every member: median ${ms(quantile(everyMember, 0.5))} ms; restarts ${restartsDuringReload}; reloads ${metrics.tlsReloads.get({ result: 'reloaded' })}`);
    await sleep(5000);

    // ---- the anchors: a rolling restart per renewal -----------------------------------------------
    const rollResults: object[] = [];
    for (let roll = 0; roll < rolls; roll++) {
      const renewed = await suite.issuer.renew(certificate);
      const next = fp(renewed['tls.crt']!);
      const from = Math.floor(now());
      const t0 = performance.now();
      await Promise.all(members.map((m) => swap(m, renewed)));
      // The anchors' mysqld reads the Secret's files at its restart; here mysqld reads the copies,
      // so they get the renewal as it is (unchecked, as the anchors load it), for the restart to read.
      for (const c of copies) c.write({ leaf: { cert: renewed['tls.crt']!, key: renewed['tls.key']! }, trust: renewed['ca.crt']! });
      const servedAt = members.map(() => NaN);
      let watching = true;
      const watchers = members.map(async (m, i) => {
        while (watching && Number.isNaN(servedAt[i])) {
          if ((await served(m)) === next) servedAt[i] = performance.now() - t0;
          else await sleep(250);
        }
      });
      const memberTimes: object[] = [];
      for (const i of [2, 1, 0]) {
        const m = members[i]!;
        const tDelete = performance.now();
        m.deleted = true;
        m.ready = false;
        m.probeFailures = 0;
        await m.node.stop();
        const tStopped = performance.now();
        m.deleted = false;
        m.node = await startNode(suite.install, {
          name: m.name, scratch: suite.scratch, options: m.pod.mysqld.options, port: m.node.port, gcommPort: m.node.gcommPort!,
          galera: galera(i, false), readyTimeoutMs: 300_000,
        });
        const tSynced = performance.now();
        await waitUntil(`${m.name} Ready and the cluster size 3`, async () => {
          if (!m.ready) return undefined;
          const sizes = await Promise.all(members.map((x) => status(x, ['wsrep_cluster_size'])));
          return sizes.every((s) => s?.wsrep_cluster_size === '3') ? true : undefined;
        }, 120_000, 100);
        const tReady = performance.now();
        memberTimes.push({ member: m.name, stopMs: ms(tStopped - tDelete), downMs: ms(tSynced - tDelete), outOfServiceMs: ms(tReady - tDelete) });
        log(`roll ${roll + 1}: ${m.name} stop ${ms(tStopped - tDelete)} ms, down (SIGTERM → Synced) ${ms(tSynced - tDelete)} ms, out of the Service ${ms(tReady - tDelete)} ms`);
      }
      const totalMs = performance.now() - t0;
      await sleep(500);
      watching = false;
      await Promise.all(watchers);
      phases[`roll${roll + 1}`] = { from, to: Math.ceil(now()) };
      rollResults.push({ totalMs: ms(totalMs), everyMemberServedMs: ms(Math.max(...servedAt)), members: memberTimes });
      log(`roll ${roll + 1}: ${ms(totalMs)} ms; the renewal served on every member after ${ms(Math.max(...servedAt))} ms`);
      await sleep(5000);
    }
    stopped = true;
    probeTimers.forEach((t) => clearTimeout(t));
    clearInterval(sizeSampler);
    await Promise.all([direct.stop(), service.stop()]);
    const load = Object.fromEntries(Object.entries(phases).map(([name, w]) => [name, {
      seconds: w.to - w.from, direct: direct.window(w.from, w.to), service: service.window(w.from, w.to),
      minClusterSize: Math.min(...sizes.filter(([t]) => t >= w.from && t < w.to).map(([, n]) => n)),
    }]));
    const perSecond = [...direct.seconds.keys()].sort((a, b) => a - b).map((s) => [s, direct.seconds.get(s)!.ok, direct.seconds.get(s)!.failed, service.seconds.get(s)?.ok ?? 0, service.seconds.get(s)?.failed ?? 0]);
    const result = {
      stand_ins: 'MariaDB 10.11 + Galera 26.4 for PXC; local openssl CA for cert-manager; rolling restart and Service modelled',
      mariadb: suite.install.packageVersion,
      galera: suite.install.galeraPackageVersion,
      loadPerClientPerSecond: rate,
      readinessProbe: probe,
      reload: {
        swaps: perMember.length,
        perMemberMs: { median: ms(quantile(perMember, 0.5)), p99: ms(quantile(perMember, 0.99)), max: ms(Math.max(...perMember)) },
        everyMemberMs: { renewals: everyMember.length, median: ms(quantile(everyMember, 0.5)), p99: ms(quantile(everyMember, 0.99)) },
        mysqldRestarts: restartsDuringReload,
        reloads: metrics.tlsReloads.get({ result: 'reloaded' }),
      },
      rolls: rollResults,
      load,
      errorsSeen: { direct: direct.errors, service: service.errors },
      perSecond: { columns: ['second', 'direct ok', 'direct failed', 'service ok', 'service failed'], rows: perSecond },
    };
    printSummary(result);
    return result;
  } finally {
    stopped = true;
    // The servers' processes are unref'd: without a handle, Node would leave this await unsettled.
    const keepAlive = setInterval(() => undefined, 1000);
    for (const m of [...members].reverse()) await m.node.stop();
    clearInterval(keepAlive);
    suite.cleanup();
  }
}

function printSummary(r: any): void {
  console.log(`\ncertificate renewal: reload by the agent vs a rolling restart (MariaDB ${r.mariadb} + Galera ${r.galera} stand in for PXC; ${r.loadPerClientPerSecond} verifying connections/s per client)`);
  console.log(`  reload   swap → served, per member (${r.reload.swaps} swaps): median ${r.reload.perMemberMs.median} ms, p99 ${r.reload.perMemberMs.p99} ms; on every member (${r.reload.everyMemberMs.renewals} renewals): median ${r.reload.everyMemberMs.median} ms, p99 ${r.reload.everyMemberMs.p99} ms; mysqld restarts ${r.reload.mysqldRestarts}`);
  for (const [i, roll] of r.rolls.entries()) {
    console.log(`  roll ${i + 1}   whole ${roll.totalMs} ms, served on every member after ${roll.everyMemberServedMs} ms; per member ${roll.members.map((m: any) => `${m.member.slice(-1)}: down ${m.downMs} ms, out of Service ${m.outOfServiceMs} ms`).join('; ')}`);
  }
  console.log('  phase        seconds   direct ok/failed (worst second)   service ok/failed (worst second)   min wsrep_cluster_size');
  for (const [name, w] of Object.entries<any>(r.load)) {
    console.log(`  ${name.padEnd(12)} ${String(w.seconds).padStart(7)}   ${`${w.direct.ok}/${w.direct.failed} (${w.direct.worstSecond})`.padEnd(32)}  ${`${w.service.ok}/${w.service.failed} (${w.service.worstSecond})`.padEnd(33)}  ${w.minClusterSize}`);
  }
}

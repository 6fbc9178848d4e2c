/**
 * Benchmark of `pxc-tls watch` on the real control plane (issue 7). Figures only — no assertion.
 * Bundled by bench/run.mjs into .cache/bench-watcher.cjs; `node bench/run.mjs watcher`.
 *
 * Method
 *  - One control plane (test/cluster/control-plane.ts: kube-apiserver + etcd + cert-manager
 *    controller), the apiserver writing an audit log: level Metadata for every request, stage
 *    RequestReceived omitted (so a request is one ResponseComplete event, a watch one
 *    ResponseStarted event when it opens and one ResponseComplete when it ends).
 *  - Per size N (default 1, 100, 1000 databases, 3 pods each — the default replicas):
 *    a fresh namespace; the fixture's CA issuer chain (SelfSigned → CA → Issuer px-issuer);
 *    N monitored PerconaXtraDBs rendered by the real function in one call (monitored, so each
 *    pod mounts all three certificate Secrets: server, client, metrics-exporter); everything but
 *    the Certificates applied (placeholder Secrets first, as rendered); the gated pods created from
 *    each StatefulSet's template (fixture `createPods`); the watcher started (fixture
 *    `startWatcher`, the built `node dist/pxc-tls.cjs watch`, with the NODE_OPTIONS of
 *    examples/watcher's Deployment) under examples/watcher's RBAC and
 *    admission policy (all of it but the Deployment and PodDisruptionBudget) with a ServiceAccount token, leader election with the production defaults (15 s / 10 s /
 *    2 s, resync 5 m); once it leads, has listed, and has written its first verdict on every pod,
 *    the Certificates are applied and cert-manager issues.
 *    The Certificates are held back until then so that every Secret is filled while the pods
 *    exist and the watcher runs: the latency is the watcher's reaction, not the pod creation.
 *  - Latency per pod: from the moment the last of its database's three Secrets was first seen
 *    holding tls.crt, tls.key and ca.crt, to the moment the pod was first seen without the gate.
 *    Both observed by this process's own list+watch streams (Secrets with the watcher's label
 *    selector, Pods, and Certificates for the Ready decomposition), on one monotonic clock.
 *    Median and p99 (nearest rank) over all pods. The watcher needs more than filled Secrets: the
 *    Certificate writing each Secret must be Ready=True for the certificate it holds, which
 *    cert-manager sets shortly after writing the Secret; so the same figure is also given from
 *    the later of "last Secret filled" and "last Certificate Ready" — the earliest moment the
 *    watcher may act. The watcher's own histogram pxc_tls_ungate_latency_seconds (from /metrics)
 *    starts when the watcher first saw the pod gated, so it includes issuance: shown for
 *    comparison only.
 *  - At rest (every pod ungated, then a few seconds for the last events and condition writes):
 *    a window of `restSeconds` (310 s: long enough to hold exactly one watchdog resync, every
 *    --resync-period of 5 m, so every size shows what it costs). Over it: the watcher's requests from the audit log (its user is the
 *    ServiceAccount), by verb and resource, watches counted apart (open for the whole window, or
 *    opened in it); the watcher's VmRSS and VmHWM from /proc/<pid>/status (the fixture spawns
 *    node directly on dist/pxc-tls.cjs, which loads dist/watch.cjs in the same process, so
 *    the child's pid is the watcher) and its CPU time from /proc/<pid>/stat.
 *  - cert-manager runs with --kube-api-qps=500 --kube-api-burst=1000: under its defaults (QPS 20,
 *    burst 50: its log shows "Waited for …s due to client-side throttling") it issued about one
 *    Certificate a second here, 3,000 in ~45 min, and at 1,000 databases left a few percent of
 *    them at Issuing=True without ever making their next private key. Should that happen again —
 *    no Secret filled for 2 minutes — the bench annotates the Certificates still unissued (a
 *    metadata change; cert-manager then issues them) and records it (`nudged`). Issuance time
 *    includes that wait; the latency, measured from each Secret's fill, does not.
 *  - Key algorithm: cert-manager's default (the function renders no privateKey: RSA 2048), or
 *    ECDSA P-256 with PXC_TLS_BENCH_KEY=ECDSA — a bench-only edit of the rendered Certificates
 *    that does not touch the watcher's path (it verifies either).
 *  - Knobs (environment): PXC_TLS_BENCH_WATCHER_SIZES=1,100,1000; PXC_TLS_BENCH_KEY=RSA|ECDSA;
 *    PXC_TLS_BENCH_REST_SECONDS=310 (≥ 60);
 *    PXC_TLS_BENCH_REST_SECONDS_LARGEST=310 (the largest size: at least this);
 *    PXC_TLS_BENCH_CPU_PROF=<dir> runs the watcher with `node --cpu-prof` into <dir>;
 *    PXC_TLS_BENCH_HEAP_SNAPSHOT=<dir> takes a heap snapshot of the watcher into <dir> at the end of
 *    the rest window (after RSS is read); PXC_TLS_BENCH_KEEP_LOGS=<dir> keeps the control plane's
 *    process logs (cert-manager's shows its client-side throttling) and the watchers' output.
 * No key material is printed: Secret data is only tested for the presence of its keys.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, createReadStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parse } from 'yaml';
import { startControlPlane, type ControlPlane } from '../test/cluster/control-plane';
import { apply, createNamespace, kubectlOk, waitFor } from '../test/cluster/kube';
import {
  caIssuer, createPods, GATE, CONDITION, httpGet, metricValue, perconaXtraDB, render, REPO_ROOT, sleep, startWatcher, toApply, toYaml,
  writeKubeconfig, type WatcherProcess,
} from '../test/watch/fixture';

const ALIAS_LABEL = 'pxc-tls.dev/certificate-alias';
const INSTANCE_LABEL = 'app.kubernetes.io/instance';
const SA = 'pxc-tls-watch';
const NUDGE_AFTER_MS = 120_000;

export interface WatcherBenchOptions {
  sizes: number[];
  keyAlgorithm: 'RSA' | 'ECDSA';
  restSeconds: number;
  restSecondsLargest: number;
  cpuProfileDir?: string;
  heapSnapshotDir?: string;
  keepLogsDir?: string;
  log: (line: string) => void;
}

function optionsFromEnv(): WatcherBenchOptions {
  const env = process.env;
  const key = (env.PXC_TLS_BENCH_KEY ?? 'RSA').toUpperCase();
  if (key !== 'RSA' && key !== 'ECDSA') throw new Error(`PXC_TLS_BENCH_KEY: RSA or ECDSA, not ${key}`);
  return {
    sizes: (env.PXC_TLS_BENCH_WATCHER_SIZES ?? '1,100,1000').split(',').map((s) => Number(s.trim())).filter((n) => n > 0),
    keyAlgorithm: key,
    restSeconds: Number(env.PXC_TLS_BENCH_REST_SECONDS ?? 310),
    restSecondsLargest: Number(env.PXC_TLS_BENCH_REST_SECONDS_LARGEST ?? 310),
    ...(env.PXC_TLS_BENCH_CPU_PROF ? { cpuProfileDir: env.PXC_TLS_BENCH_CPU_PROF } : {}),
    ...(env.PXC_TLS_BENCH_HEAP_SNAPSHOT ? { heapSnapshotDir: env.PXC_TLS_BENCH_HEAP_SNAPSHOT } : {}),
    ...(env.PXC_TLS_BENCH_KEEP_LOGS ? { keepLogsDir: env.PXC_TLS_BENCH_KEEP_LOGS } : {}),
    log: (line) => process.stderr.write(`[watcher bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`),
  };
}

// ---- small helpers ------------------------------------------------------------------------------

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
}

export function summary(values: number[]): { n: number; median: number; p99: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, median: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), min: sorted[0] ?? NaN, max: sorted[sorted.length - 1] ?? NaN };
}

export async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;
const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10;

/** VmRSS = RssAnon (the process's own memory) + RssFile (pages of the node executable and
 * libraries, shared with every node process on the host) + RssShmem. */
export function procStatus(pid: number): { rssKiB: number; hwmKiB: number; anonKiB: number; fileKiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM'), anonKiB: field('RssAnon'), fileKiB: field('RssFile') };
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds of a process so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

// ---- the bench's own observer: list + watch over HTTPS with the rig's admin credentials ---------

export interface Admin {
  server: string;
  tls: Pick<RequestOptions, 'ca' | 'cert' | 'key'>;
}

export function adminFromKubeconfig(path: string): Admin {
  const kc = parse(readFileSync(path, 'utf8'));
  const cluster = kc.clusters[0].cluster;
  const user = kc.users[0].user;
  return {
    server: cluster.server,
    tls: { ca: readFileSync(cluster['certificate-authority']), cert: readFileSync(user['client-certificate']), key: readFileSync(user['client-key']) },
  };
}

function getJsonHttps(admin: Admin, path: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(admin.server + path), { ...admin.tls, headers: { Accept: 'application/json' } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`GET ${path.split('?')[0]}: HTTP ${res.statusCode}`)); // no body: could be Secret data
        resolve(JSON.parse(Buffer.concat(parts).toString('utf8')));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export interface Observer {
  /** Resolves once the list is in and the watch is open. */
  ready: Promise<void>;
  stop(): void;
}

/** Lists `path`, hands every item to `onObject`, then watches from the list's resourceVersion,
 * reconnecting from the last one seen. `at` is performance.now() when the event was read. */
export function observe(admin: Admin, path: string, selector: string | undefined, onObject: (obj: any, at: number) => void): Observer {
  let stopped = false;
  let current: ReturnType<typeof request> | undefined;
  const q = (extra: Record<string, string>) => {
    const params = new URLSearchParams(extra);
    if (selector) params.set('labelSelector', selector);
    return `${path}?${params}`;
  };
  let resolveReady!: () => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => { resolveReady = res; rejectReady = rej; });
  const watchFrom = (rv: string, first: boolean) => {
    if (stopped) return;
    const req = request(new URL(admin.server + q({ watch: '1', resourceVersion: rv, allowWatchBookmarks: 'true', timeoutSeconds: '3600' })), { ...admin.tls }, (res) => {
      if (res.statusCode !== 200) {
        const e = new Error(`watch ${path}: HTTP ${res.statusCode}`);
        if (first) rejectReady(e);
        else process.stderr.write(`[watcher bench] ${e.message}; retrying\n`);
        res.resume();
        if (!first) setTimeout(() => watchFrom(rv, false), 1000);
        return;
      }
      if (first) resolveReady();
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = performance.now();
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line.trim()) continue;
          const ev = JSON.parse(line) as { type: string; object: any };
          if (ev.type === 'ERROR') {
            process.stderr.write(`[watcher bench] watch ${path}: ERROR event code ${ev.object?.code}\n`);
            continue;
          }
          rv = ev.object?.metadata?.resourceVersion ?? rv;
          if (ev.type !== 'BOOKMARK' && ev.type !== 'DELETED') onObject(ev.object, at);
        }
      });
      res.on('end', () => { if (!stopped) watchFrom(rv, false); });
      res.on('error', () => { if (!stopped) setTimeout(() => watchFrom(rv, false), 1000); });
    });
    req.on('error', (e) => {
      if (first) rejectReady(e);
      else if (!stopped) setTimeout(() => watchFrom(rv, false), 1000);
    });
    req.end();
    current = req;
  };
  getJsonHttps(admin, q({})).then((list) => {
    const at = performance.now();
    for (const item of list.items ?? []) onObject(item, at);
    watchFrom(list.metadata.resourceVersion, true);
  }, rejectReady);
  return { ready, stop: () => { stopped = true; current?.destroy(); } };
}

// ---- the audit log --------------------------------------------------------------------------------

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
`;

interface AuditCounts {
  windowS: number;
  /** Non-watch requests received in the window, by "verb resource[/subresource]". */
  requests: Record<string, number>;
  /** Watches open for the whole window, by resource. */
  watchesOpenThroughout: Record<string, number>;
  /** Watches (re)opened in the window, by resource. */
  watchesOpened: Record<string, number>;
  userAgents: string[];
  perSecond: { lease: number; other: number; watchOpened: number };
}

async function auditCounts(dir: string, baseName: string, username: string, fromMs: number, toMs: number): Promise<AuditCounts> {
  const requests: Record<string, number> = {};
  const watchStart = new Map<string, { resource: string; at: number }>();
  const watchEnd = new Map<string, number>();
  const agents = new Set<string>();
  const files = readdirSync(dir).filter((f) => f.startsWith(baseName.replace(/\.log$/, ''))).map((f) => join(dir, f));
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.includes(username)) continue;
      const ev = JSON.parse(line);
      if (ev.user?.username !== username) continue;
      const resource = `${ev.objectRef?.resource ?? ev.requestURI}${ev.objectRef?.subresource ? '/' + ev.objectRef.subresource : ''}`;
      const received = Date.parse(ev.requestReceivedTimestamp);
      if (ev.verb === 'watch') {
        if (ev.stage === 'ResponseStarted') watchStart.set(ev.auditID, { resource, at: received });
        else if (ev.stage === 'ResponseComplete') watchEnd.set(ev.auditID, Date.parse(ev.stageTimestamp));
        continue;
      }
      if (ev.stage !== 'ResponseComplete' && ev.stage !== 'Panic') continue;
      if (received < fromMs || received > toMs) continue;
      agents.add(ev.userAgent ?? '');
      const key = `${ev.verb} ${resource}`;
      requests[key] = (requests[key] ?? 0) + 1;
    }
  }
  const watchesOpenThroughout: Record<string, number> = {};
  const watchesOpened: Record<string, number> = {};
  for (const [id, { resource, at }] of watchStart) {
    const end = watchEnd.get(id) ?? Infinity;
    if (at <= fromMs && end >= toMs) watchesOpenThroughout[resource] = (watchesOpenThroughout[resource] ?? 0) + 1;
    if (at > fromMs && at <= toMs) watchesOpened[resource] = (watchesOpened[resource] ?? 0) + 1;
  }
  const windowS = (toMs - fromMs) / 1000;
  const sum = (filter: (k: string) => boolean) => Object.entries(requests).filter(([k]) => filter(k)).reduce((a, [, v]) => a + v, 0);
  const lease = sum((k) => k.endsWith(' leases'));
  return {
    windowS,
    requests,
    watchesOpenThroughout,
    watchesOpened,
    userAgents: [...agents],
    perSecond: {
      lease: lease / windowS,
      other: sum((k) => !k.endsWith(' leases')) / windowS,
      watchOpened: Object.values(watchesOpened).reduce((a, b) => a + b, 0) / windowS,
    },
  };
}

// ---- the watcher's histogram --------------------------------------------------------------------

function histogram(text: string, name: string): { count: number; meanS: number; buckets: Array<{ le: string; count: number }>; p50LeS: string; p99LeS: string } {
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm'))].map((m) => ({ le: m[1]!, count: Number(m[2]) }));
  const count = metricValue(text, `${name}_count`) ?? 0;
  const sum = metricValue(text, `${name}_sum`) ?? 0;
  const le = (p: number) => buckets.find((b) => b.count >= p * count)?.le ?? '?';
  return { count, meanS: count ? sum / count : NaN, buckets, p50LeS: le(0.5), p99LeS: le(0.99) };
}

// ---- one size -------------------------------------------------------------------------------------

interface SizeContext {
  cp: ControlPlane;
  admin: Admin;
  work: string;
  auditDir: string;
  auditName: string;
  opts: WatcherBenchOptions;
  restSeconds: number;
}

async function watcherKubeconfig(ctx: SizeContext, ns: string): Promise<string> {
  // The example as installed, but for the Deployment and its PodDisruptionBudget (the watcher runs
  // here as a process): ServiceAccount, Roles, RoleBindings, and the cluster-scoped admission
  // policy that fences its StatefulSet patches (it matches the ServiceAccount in any namespace).
  const rbac = (await kubectlOk(['kustomize', join(REPO_ROOT, 'examples', 'watcher')])).split(/^---$/m)
    .filter((doc) => /^kind: (ServiceAccount|Role|RoleBinding|ValidatingAdmissionPolicy|ValidatingAdmissionPolicyBinding)$/m.test(doc)).join('---\n');
  await kubectlOk(['apply', '-n', ns, '-f', '-'], { input: rbac });
  const token = (await kubectlOk(['create', 'token', SA, '-n', ns, '--duration=6h'])).trim();
  const path = join(ctx.work, `${ns}.kubeconfig`);
  writeKubeconfig(path, ctx.cp.server, token, ctx.cp.caPath);
  return path;
}

/** The fixture's watcher; with profiling asked for, node runs it with --cpu-prof and/or
 * --heapsnapshot-signal. Node 20 refuses --cpu-prof in NODE_OPTIONS, and the fixture spawns
 * process.execPath: so, for that one spawn, process.execPath is a script that execs node with the
 * flags (exec: same pid, so /proc/<pid> is still the watcher). */
function startProfiledWatcher(ctx: SizeContext, opts: Parameters<typeof startWatcher>[0]): WatcherProcess {
  const flags = [
    ...(ctx.opts.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.opts.cpuProfileDir}`] : []),
    ...(ctx.opts.heapSnapshotDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${ctx.opts.heapSnapshotDir}`] : []),
  ];
  if (!flags.length) return startWatcher(opts);
  const node = process.execPath;
  const wrapper = join(ctx.work, 'node-profiled');
  writeFileSync(wrapper, `#!/bin/sh\nexec '${node}' ${flags.map((f) => `'${f}'`).join(' ')} "$@"\n`, { mode: 0o755 });
  process.execPath = wrapper;
  try {
    return startWatcher(opts); // spawns now
  } finally {
    process.execPath = node;
  }
}

async function runSize(ctx: SizeContext, n: number): Promise<Record<string, unknown>> {
  const { log } = ctx.opts;
  const loadBefore = loadavg();
  const ns = await createNamespace(`bench-watch-${n}`);
  log(`N=${n}: namespace ${ns}, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  await caIssuer(ns);
  await waitFor('issuer/px-issuer', 'condition=Ready', { namespace: ns, timeoutMs: 120_000 });

  const names = Array.from({ length: n }, (_, i) => `db-${String(i).padStart(4, '0')}`);
  let t = performance.now();
  const rendered = toApply(await render(names.map((name) => {
    const db = perconaXtraDB(name, ns) as { spec: Record<string, unknown> };
    return { ...db, spec: { ...db.spec, monitor: { agent: 'prometheus.io/builtin' } } };
  })));
  const renderMs = performance.now() - t;
  const certificates = rendered.filter((o) => o.kind === 'Certificate');
  if (ctx.opts.keyAlgorithm === 'ECDSA') {
    for (const c of certificates) c.spec.privateKey = { ...(c.spec.privateKey ?? {}), algorithm: 'ECDSA', size: 256 };
  }
  const rest = rendered.filter((o) => o.kind !== 'Certificate');
  // Which Secrets each database's pods mount, read from the rendered StatefulSets.
  const secretsOf = new Map<string, string[]>();
  const certsOf = new Map<string, string[]>();
  for (const o of rendered) {
    if (o.kind === 'StatefulSet') {
      secretsOf.set(o.metadata.name, (o.spec.template.spec.volumes ?? []).filter((v: any) => /^tls-.*-config$/.test(v.name)).map((v: any) => v.secret.secretName));
    }
  }
  for (const c of certificates) {
    const db = c.metadata.labels?.[INSTANCE_LABEL] as string;
    certsOf.set(db, [...(certsOf.get(db) ?? []), c.metadata.name]);
  }
  if ([...secretsOf.values()].some((s) => s.length !== 3)) throw new Error('expected every pod to mount three certificate Secrets');

  t = performance.now();
  await pool(chunks(rest, 600), 3, (chunk) => apply(toYaml(chunk)));
  const applyS = (performance.now() - t) / 1000;
  t = performance.now();
  await pool(names, 4, (name) => createPods(ns, name, 3));
  const podsS = (performance.now() - t) / 1000;
  log(`N=${n}: rendered ${rendered.length} objects in ${renderMs.toFixed(0)} ms, applied (without Certificates) in ${applyS.toFixed(1)} s, ${3 * n} pods created in ${podsS.toFixed(1)} s`);

  const kubeconfig = await watcherKubeconfig(ctx, ns);
  const w = startProfiledWatcher(ctx, { name: `bench-${n}`, kubeconfig, namespaces: [ns], leaseNamespace: ns });
  try {
    const pid = w.child.pid!;
    const port = await w.port();
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (cmdline[0] !== process.execPath || !cmdline.includes('watch')) throw new Error(`pid ${pid} is not the watcher: ${cmdline.join(' ')}`);
    await w.waitLog('became leader', 120_000);
    for (const end = Date.now() + 300_000; (await httpGet(port, '/readyz')).status !== 200;) {
      if (Date.now() > end) throw new Error('watcher not ready within 300 s');
      await sleep(200);
    }

    // The bench's own observation, one clock.
    const filledAt = new Map<string, number>();
    const readyAt = new Map<string, number>();
    const ungatedAt = new Map<string, number>();
    const verdictSeen = new Set<string>();
    const observers = [
      observe(ctx.admin, `/api/v1/namespaces/${ns}/secrets`, ALIAS_LABEL, (s, at) => {
        const data = s.data ?? {};
        if (!filledAt.has(s.metadata.name) && ['tls.crt', 'tls.key', 'ca.crt'].every((k) => typeof data[k] === 'string' && data[k].length > 0)) filledAt.set(s.metadata.name, at);
      }),
      observe(ctx.admin, `/apis/cert-manager.io/v1/namespaces/${ns}/certificates`, undefined, (c, at) => {
        if (!readyAt.has(c.metadata.name) && (c.status?.conditions ?? []).some((x: any) => x.type === 'Ready' && x.status === 'True')) readyAt.set(c.metadata.name, at);
      }),
      observe(ctx.admin, `/api/v1/namespaces/${ns}/pods`, undefined, (p, at) => {
        if ((p.status?.conditions ?? []).some((x: any) => x.type === CONDITION)) verdictSeen.add(p.metadata.name);
        if (!ungatedAt.has(p.metadata.name) && !(p.spec?.schedulingGates ?? []).some((g: any) => g.name === GATE)) ungatedAt.set(p.metadata.name, at);
      }),
    ];
    try {
      await Promise.all(observers.map((o) => o.ready));
      if (filledAt.size || ungatedAt.size) throw new Error('Secrets filled or pods ungated before the Certificates were applied');
      // The watcher's first verdict ("kept gated") on every pod, then quiet.
      for (const end = Date.now() + 600_000; verdictSeen.size < 3 * n;) {
        if (Date.now() > end) throw new Error(`only ${verdictSeen.size} of ${3 * n} pods got a first verdict`);
        await sleep(500);
      }
      await sleep(3000);

      const cpuBefore = cpuSeconds(pid);
      const loadAtApply = loadavg();
      const applyAt = performance.now();
      log(`N=${n}: watcher leads and has judged every pod; applying ${certificates.length} Certificates (${ctx.opts.keyAlgorithm})`);
      await pool(chunks(certificates, 600), 3, (chunk) => apply(toYaml(chunk)));
      let lastProgress = performance.now();
      let lastFilled = { count: 0, at: performance.now() };
      const nudged: Array<{ afterS: number; certificates: number }> = [];
      for (;;) {
        if (ungatedAt.size >= 3 * n) break;
        if (w.exited()) throw new Error(`the watcher exited:\n${w.output().slice(-2000)}`);
        if (filledAt.size !== lastFilled.count) lastFilled = { count: filledAt.size, at: performance.now() };
        else if (filledAt.size < 3 * n && performance.now() - lastFilled.at > NUDGE_AFTER_MS) {
          // cert-manager v1.11, throttled, leaves some Certificates at Issuing=True without ever making
          // their next private key (seen at 1,000 databases): a metadata change makes its controllers
          // look at them again. Only issuance waits for this; the latency starts at the Secret's fill.
          const stuck = certificates.filter((c) => !filledAt.has(c.spec.secretName)).map((c) => c.metadata.name);
          log(`N=${n}: no Secret filled for ${NUDGE_AFTER_MS / 1000} s; annotating the ${stuck.length} Certificates still unissued`);
          for (const part of chunks(stuck, 200)) {
            await kubectlOk(['annotate', 'certificate', '-n', ns, ...part, `bench.pxc-tls.dev/nudge=${nudged.length + 1}`, '--overwrite']);
          }
          nudged.push({ afterS: seconds(performance.now() - applyAt), certificates: stuck.length });
          lastFilled = { count: filledAt.size, at: performance.now() };
        }
        if (performance.now() - lastProgress > 30_000) {
          lastProgress = performance.now();
          log(`N=${n}: ${seconds(lastProgress - applyAt)} s: ${filledAt.size}/${3 * n} Secrets filled, ${readyAt.size} Certificates Ready, ${ungatedAt.size}/${3 * n} pods ungated; load ${loadavg()[0]!.toFixed(2)}`);
        }
        if (performance.now() - applyAt > 4 * 3600_000) throw new Error('not all pods ungated within 4 h');
        await sleep(200);
      }
      const allUngatedAt = performance.now();
      const loadAtUngated = loadavg();
      const cpuIssuance = cpuSeconds(pid) - cpuBefore;

      // Latencies per pod.
      const fromFilled: number[] = [];
      const fromReady: number[] = [];
      const readyLag: number[] = [];
      for (const db of names) {
        const lastFilled = Math.max(...secretsOf.get(db)!.map((s) => filledAt.get(s) ?? NaN));
        const lastReady = Math.max(...certsOf.get(db)!.map((c) => readyAt.get(c) ?? NaN));
        readyLag.push(lastReady - lastFilled);
        for (let i = 0; i < 3; i++) {
          const ungated = ungatedAt.get(`${db}-${i}`)!;
          fromFilled.push(ungated - lastFilled);
          fromReady.push(ungated - Math.max(lastFilled, lastReady));
        }
      }
      const filledTimes = [...filledAt.values()];
      const issuanceS = (Math.max(...filledTimes) - applyAt) / 1000;

      // The watcher's own histogram, once it has counted every pod.
      let metrics = '';
      for (const end = Date.now() + 30_000; ;) {
        metrics = await w.metrics();
        if ((metricValue(metrics, 'pxc_tls_ungate_latency_seconds_count') ?? 0) >= 3 * n || Date.now() > end) break;
        await sleep(250);
      }
      const hist = histogram(metrics, 'pxc_tls_ungate_latency_seconds');

      // At rest.
      await sleep(5000);
      const memStart = procStatus(pid);
      const cpuRestStart = cpuSeconds(pid);
      const restFrom = Date.now();
      log(`N=${n}: all ${3 * n} pods ungated ${seconds(allUngatedAt - applyAt)} s after the Certificates were applied; at rest for ${ctx.restSeconds} s`);
      await sleep(ctx.restSeconds * 1000);
      const restTo = Date.now();
      const memEnd = procStatus(pid);
      const cpuRest = cpuSeconds(pid) - cpuRestStart;
      const metricsAtRest = await w.metrics();
      await sleep(2000); // the audit backend writes as requests complete; a moment for the file
      const audit = await auditCounts(ctx.auditDir, ctx.auditName, `system:serviceaccount:${ns}:${SA}`, restFrom, restTo);
      if (ctx.opts.heapSnapshotDir) await heapSnapshot(pid, ctx.opts.heapSnapshotDir, log);

      const s = (v: number[]) => {
        const r = summary(v);
        return { n: r.n, medianMs: Math.round(r.median), p99Ms: Math.round(r.p99), minMs: Math.round(r.min), maxMs: Math.round(r.max) };
      };
      return {
        databases: n,
        pods: 3 * n,
        namespace: ns,
        keyAlgorithm: ctx.opts.keyAlgorithm,
        load: { atStart: loadBefore, atCertificatesApplied: loadAtApply, atAllUngated: loadAtUngated, atEnd: loadavg() },
        setup: { renderMs: Math.round(renderMs), applyS: seconds(applyS * 1000), podsCreateS: seconds(podsS * 1000) },
        issuance: {
          certificates: certificates.length,
          lastSecretFilledS: Math.round(issuanceS * 10) / 10,
          allUngatedS: seconds(allUngatedAt - applyAt),
          certificatesPerS: Math.round((certificates.length / issuanceS) * 10) / 10,
          nudged,
        },
        latency: {
          fromLastSecretFilled: s(fromFilled),
          fromLastSecretFilledAndCertificateReady: s(fromReady),
          certificateReadyAfterLastSecretFilled: s(readyLag),
        },
        watcherHistogram: hist,
        watcher: {
          pid,
          cpuSecondsIssuance: Math.round(cpuIssuance * 100) / 100,
          cpuSecondsAtRest: Math.round(cpuRest * 100) / 100,
          rssMiB: { restStart: mib(memStart.rssKiB), restEnd: mib(memEnd.rssKiB), hwm: mib(memEnd.hwmKiB), anonEnd: mib(memEnd.anonKiB), fileEnd: mib(memEnd.fileKiB) },
          /** The watcher's own process.memoryUsage() at the end of the rest window (its /metrics). */
          memoryMiB: Object.fromEntries(['nodejs_heap_size_used_bytes', 'nodejs_heap_size_total_bytes', 'nodejs_external_memory_bytes']
            .map((name) => [name.replace(/^nodejs_|_bytes$/g, ''), mib((metricValue(metricsAtRest, name) ?? NaN) / 1024)])),
          /** Reconciles that evaluated a verdict (each parses and verifies the database's Secrets). */
          verdictsTotal: [...metricsAtRest.matchAll(/^pxc_tls_verdicts_total\{[^}]*\} (\S+)$/gm)].reduce((a, m) => a + Number(m[1]), 0),
          watchRestarts: [...metricsAtRest.matchAll(/^pxc_tls_watch_restarts_total\{([^}]*)\} (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`),
          apiErrors: [...metricsAtRest.matchAll(/^pxc_tls_api_errors_total\{([^}]*)\} (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`),
        },
        atRest: audit,
      };
    } finally {
      observers.forEach((o) => o.stop());
    }
  } finally {
    await w.stop('SIGTERM');
    if (ctx.opts.keepLogsDir) writeFileSync(join(ctx.opts.keepLogsDir, `watcher-${n}.log`), w.output());
  }
}

/** SIGUSR2 (--heapsnapshot-signal) and wait until the new .heapsnapshot file stops growing. */
async function heapSnapshot(pid: number, dir: string, log: (l: string) => void): Promise<void> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  let last = -1;
  for (const end = Date.now() + 300_000; Date.now() < end;) {
    await sleep(2000);
    const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!file) continue;
    const size = statSync(join(dir, file)).size;
    if (size > 0 && size === last) return log(`heap snapshot ${join(dir, file)} (${mib(size / 1024)} MiB)`);
    last = size;
  }
  log('no heap snapshot within 300 s');
}

// ---- the table ----------------------------------------------------------------------------------

function printTable(result: any): void {
  const m = result.machine;
  const out: string[] = [];
  out.push(`\nwatcher on the real control plane (kube-apiserver ${result.controlPlane.kubeApiserver}, etcd ${result.controlPlane.etcd}, cert-manager ${result.controlPlane.certManager}), ${result.keyAlgorithm} keys, 3 pods per database`);
  out.push(`  machine: ${m.cores} cores (${m.cpu}), node ${m.node}`);
  out.push('  ungate latency: last of the 3 Secrets filled → pod ungated (bench watches, one clock); [from the later of last Secret filled and last Certificate Ready]');
  out.push('  databases   pods   issued in s   median ms   p99 ms   max ms   [median  p99] ms   load 1m   watcher hist. n / mean s / p99 ≤ s');
  for (const r of result.sizes) {
    const a = r.latency.fromLastSecretFilled;
    const b = r.latency.fromLastSecretFilledAndCertificateReady;
    out.push(`  ${String(r.databases).padStart(9)}   ${String(r.pods).padStart(4)}   ${String(r.issuance.lastSecretFilledS).padStart(11)}   ${String(a.medianMs).padStart(9)}   ${String(a.p99Ms).padStart(6)}   ${String(a.maxMs).padStart(6)}   [${String(b.medianMs).padStart(6)} ${String(b.p99Ms).padStart(5)}]      ${r.load.atAllUngated[0].toFixed(2).padStart(5)}   ${r.watcherHistogram.count} / ${r.watcherHistogram.meanS.toFixed(2)} / ${r.watcherHistogram.p99LeS}`);
  }
  out.push('  at rest: databases   window s   RSS MiB (end) = anon + file   VmHWM MiB   heap used / total, external MiB   CPU s   lease req/s   other req/s   watches open / opened   requests in the window');
  for (const r of result.sizes) {
    const a = r.atRest;
    const open = Object.values(a.watchesOpenThroughout as Record<string, number>).reduce((x, y) => x + y, 0);
    const opened = Object.values(a.watchesOpened as Record<string, number>).reduce((x, y) => x + y, 0);
    const reqs = Object.entries(a.requests as Record<string, number>).map(([k, v]) => `${k} ${v}`).join(', ');
    const mem = r.watcher.memoryMiB;
    out.push(`  ${String(r.databases).padStart(18)}   ${String(Math.round(a.windowS)).padStart(8)}   ${`${r.watcher.rssMiB.restEnd} = ${r.watcher.rssMiB.anonEnd} + ${r.watcher.rssMiB.fileEnd}`.padStart(27)}   ${String(r.watcher.rssMiB.hwm).padStart(9)}   ${`${mem.heap_size_used} / ${mem.heap_size_total}, ${mem.external_memory}`.padStart(31)}   ${r.watcher.cpuSecondsAtRest.toFixed(2).padStart(5)}   ${a.perSecond.lease.toFixed(2).padStart(11)}   ${a.perSecond.other.toFixed(3).padStart(11)}   ${String(open).padStart(12)} / ${opened}   ${reqs}`);
  }
  for (const r of result.sizes) {
    if (r.issuance.nudged.length) out.push(`  N=${r.databases}: cert-manager left Certificates unissued; the bench annotated them: ${r.issuance.nudged.map((x: any) => `${x.certificates} after ${x.afterS} s`).join(', ')}`);
  }
  out.push(`  targets: ${result.targets}`);
  console.log(out.join('\n'));
}

// ---- entry --------------------------------------------------------------------------------------

export async function watcherBench(overrides: Partial<WatcherBenchOptions> = {}): Promise<object> {
  const opts = { ...optionsFromEnv(), ...overrides };
  const work = mkdtempSync(join(tmpdir(), 'pxc-tls-bench-watch-'));
  const auditDir = join(work, 'audit');
  const auditName = 'audit.log';
  mkdirSync(auditDir);
  for (const d of [opts.cpuProfileDir, opts.heapSnapshotDir, opts.keepLogsDir]) if (d) mkdirSync(d, { recursive: true });
  writeFileSync(join(work, 'audit-policy.yaml'), AUDIT_POLICY);
  const savedEnv = { ...process.env };
  let cp: ControlPlane | undefined;
  try {
    cp = await startControlPlane({
      // The bench makes the pods itself (fixture createPods by hand): no StatefulSet controller to
      // race it, and the figures stay comparable with earlier runs. bench/watcher-controller.ts
      // measures with the controller's pods.
      controllers: false,
      log: (l) => opts.log(`control plane: ${l}`),
      extraApiServerArgs: [
        `--audit-policy-file=${join(work, 'audit-policy.yaml')}`,
        `--audit-log-path=${join(auditDir, auditName)}`,
        '--audit-log-maxsize=4096', // MB: no rotation during a run
        // The rig's /24 holds 254 Service IPs; 1,000 databases render 2,000 ClusterIP Services
        // (`<db>`, `<db>-stats`). Given again, the flag's last value wins.
        '--service-cluster-ip-range=10.0.0.0/16',
      ],
      // cert-manager's own client throttle (QPS 20, burst 50) made 3,000 Certificates take ~45 min;
      // the figures here are the watcher's, so let cert-manager go as fast as the machine allows.
      extraCertManagerArgs: ['--kube-api-qps=500', '--kube-api-burst=1000'],
    });
    // What test/cluster/global-setup.ts exports, for kube.ts and the fixture.
    Object.assign(process.env, {
      PXC_TLS_KUBECONFIG: cp.kubeconfigPath, KUBECONFIG: cp.kubeconfigPath, PXC_TLS_KUBE_SERVER: cp.server, PXC_TLS_KUBE_CA: cp.caPath,
      PXC_TLS_CERT_MANAGER_NAMESPACE: cp.clusterResourceNamespace,
    });
    const ctx: Omit<SizeContext, 'restSeconds'> = { cp, admin: adminFromKubeconfig(cp.kubeconfigPath), work, auditDir, auditName, opts };
    const largest = Math.max(...opts.sizes);
    const sizes = [];
    for (const n of opts.sizes) {
      sizes.push(await runSize({ ...ctx, restSeconds: n === largest ? Math.max(opts.restSeconds, opts.restSecondsLargest) : opts.restSeconds }, n));
    }
    const result = {
      machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadavgAtEnd: loadavg() },
      controlPlane: { kubeApiserver: cp.tools['kube-apiserver'].version, etcd: cp.tools.etcd.version, certManager: cp.tools['cert-manager'].version },
      keyAlgorithm: opts.keyAlgorithm,
      targets: 'ungate latency p99 ≤ 250 ms; RSS ≤ 80 MiB at 1,000 databases; no requests at rest beyond watches and the Lease',
      sizes,
    };
    printTable(result);
    return result;
  } finally {
    if (cp && opts.keepLogsDir) for (const f of readdirSync(cp.dir).filter((f) => f.endsWith('.log'))) copyFileSync(join(cp.dir, f), join(opts.keepLogsDir, f));
    await cp?.stop();
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
    rmSync(work, { recursive: true, force: true });
  }
}

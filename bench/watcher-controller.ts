/**
 * The watcher's ungate latency with pods made by the real StatefulSet controller (issue 16), beside
 * bench/watcher.ts's figures (pods made by the bench, latency from the last Secret filled).
 * Figures only — no assertion. `node bench/run.mjs watcher-controller` (bundled like watcher.ts).
 *
 * Method
 *  - One control plane with its controllers (test/cluster/control-plane.ts: kube-apiserver, etcd,
 *    cert-manager, kube-controller-manager, kube-scheduler, kwok), cert-manager, the controller
 *    manager and the scheduler with client QPS 500 / burst 1000 (their defaults, 20 and 50, would
 *    measure their own throttling), and a kwok pool of 10 nodes.
 *  - Per size N (PXC_TLS_BENCH_WATCHER_SIZES, default 1,100,1000): a fresh namespace; the
 *    fixture's CA issuer chain; N monitored PerconaXtraDBs (3 pods each, every pod mounting three
 *    certificate Secrets) rendered by the real function with the pool's placement; everything but
 *    the StatefulSets applied (Certificates last) and every Certificate Ready; the watcher started (built bundle, the
 *    Deployment's NODE_OPTIONS, examples/watcher's RBAC and admission policies with a
 *    ServiceAccount token), leading and ready; then the StatefulSets applied (in chunks of 200).
 *  - Per pod, seen by this process's own list+watch of the namespace's pods on one clock:
 *    created (first seen, carrying the gate) → gate removed: the watcher's reaction to a new pod
 *    whose certificates are already good (as after a restart, a deletion or a scale-up); and, for
 *    the whole flow, gate removed → Ready (the scheduler and kwok). Median and p99 (nearest rank).
 *    The watcher's own histogram pxc_tls_ungate_latency_seconds (first seen gated → removed) is
 *    given beside it. Also: StatefulSets applied → last pod created (the controller's pace).
 */
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startControlPlane, type ControlPlane } from '../test/cluster/control-plane';
import { createNamespace, kubectlOk, waitFor } from '../test/cluster/kube';
import { addKwokPool, poolPlacement } from '../test/cluster/nodes';
import { caIssuer, GATE, httpGet, metricValue, perconaXtraDB, render, sleep, startWatcher, toApply, toYaml } from '../test/watch/fixture';
import { awaitPodPolicies, exampleDocs, NAMESPACED_RBAC_KINDS, tokenKubeconfig } from '../test/watch/identity';
import { adminFromKubeconfig, chunks, observe, pool, summary, type Admin } from './watcher';

const log = (line: string) => process.stderr.write(`[watcher-controller bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const round = (x: number) => Math.round(x);
/** Server-side apply of a chunk, with room for a loaded machine (kube.ts's apply gives kubectl 2 min). */
const applyChunk = (objects: object[]) => kubectlOk(['apply', '--server-side', '--field-manager=pxc-tls-bench', '-f', '-'], { input: toYaml(objects), timeoutMs: 900_000 });

async function runSize(admin: Admin, work: string, placement: object, n: number): Promise<Record<string, unknown>> {
  const ns = await createNamespace(`bench-ctl-${n}`);
  log(`N=${n}: namespace ${ns}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await caIssuer(ns);
  await waitFor('issuer/px-issuer', 'condition=Ready', { namespace: ns, timeoutMs: 120_000 });
  const names = Array.from({ length: n }, (_, i) => `db-${String(i).padStart(4, '0')}`);
  const rendered = toApply(await render(names.map((name) => {
    const db = perconaXtraDB(name, ns) as { spec: Record<string, unknown> };
    return { ...db, spec: { ...db.spec, monitor: { agent: 'prometheus.io/builtin' }, podTemplate: { spec: placement } } };
  })));
  const statefulSets = rendered.filter((o) => o.kind === 'StatefulSet');
  let t = performance.now();
  // The placeholder Secrets (and the rest) before any Certificate: a placeholder applied after
  // cert-manager created its Secret conflicts over .type (test/cluster/README.md, "Order matters").
  await pool(chunks(rendered.filter((o) => o.kind !== 'StatefulSet' && o.kind !== 'Certificate'), 200), 2, (chunk) => applyChunk(chunk));
  await pool(chunks(rendered.filter((o) => o.kind === 'Certificate'), 200), 2, (chunk) => applyChunk(chunk));
  const certificates = rendered.filter((o) => o.kind === 'Certificate').length;
  for (const end = Date.now() + 3_600_000; ;) {
    const statuses = await kubectlOk(['get', 'certificates', '-n', ns, '-o', 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
    const readyCount = statuses.split('\n').filter((x) => x === 'True').length;
    if (readyCount >= certificates) break;
    if (Date.now() > end) throw new Error(`only ${readyCount} of ${certificates} Certificates Ready within an hour`);
    await sleep(2000);
  }
  const issuedS = (performance.now() - t) / 1000;
  log(`N=${n}: ${certificates} Certificates Ready ${issuedS.toFixed(1)} s after the apply`);

  await kubectlOk(['apply', '--server-side', '--field-manager=pxc-tls-bench', '-n', ns, '-f', '-'], { input: (await exampleDocs('.', NAMESPACED_RBAC_KINDS)).join('---\n') });
  const kubeconfig = await tokenKubeconfig(work, ns, 'pxc-tls-watch');
  await awaitPodPolicies(kubeconfig, ns);
  const w = startWatcher({ name: `bench-ctl-${n}`, kubeconfig, namespaces: [ns], leaseNamespace: ns });
  try {
    await w.waitLog('became leader', 120_000);
    const port = await w.port();
    for (const end = Date.now() + 300_000; (await httpGet(port, '/readyz')).status !== 200;) {
      if (Date.now() > end) throw new Error('watcher not ready within 300 s');
      await sleep(200);
    }
    const seenGated = new Map<string, number>();
    const ungated = new Map<string, number>();
    const ready = new Map<string, number>();
    const observer = observe(admin, `/api/v1/namespaces/${ns}/pods`, undefined, (p, at) => {
      const uid = p.metadata.uid as string;
      const gated = (p.spec?.schedulingGates ?? []).some((g: { name: string }) => g.name === GATE);
      if (!seenGated.has(uid) && gated) seenGated.set(uid, at);
      if (seenGated.has(uid) && !gated && !ungated.has(uid)) ungated.set(uid, at);
      if (!ready.has(uid) && (p.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True')) ready.set(uid, at);
    });
    try {
      await observer.ready;
      t = performance.now();
      await pool(chunks(statefulSets, 200), 2, (chunk) => applyChunk(chunk));
      for (const end = Date.now() + 3_600_000; ready.size < 3 * n;) {
        if (Date.now() > end) throw new Error(`only ${ungated.size} of ${3 * n} pods ungated, ${ready.size} Ready within an hour`);
        await sleep(500);
      }
      const lastCreatedS = (Math.max(...seenGated.values()) - t) / 1000;
      const allReadyS = (Math.max(...ready.values()) - t) / 1000;
      const uids = [...seenGated.keys()];
      const createdToUngated = summary(uids.map((u) => ungated.get(u)! - seenGated.get(u)!));
      const ungatedToReady = summary(uids.map((u) => ready.get(u)! - ungated.get(u)!));
      await sleep(2000);
      const metrics = await w.metrics();
      const count = metricValue(metrics, 'pxc_tls_ungate_latency_seconds_count') ?? 0;
      const sum = metricValue(metrics, 'pxc_tls_ungate_latency_seconds_sum') ?? 0;
      const result = {
        databases: n,
        pods: 3 * n,
        certificatesIssuedS: round(issuedS),
        statefulSetsAppliedToLastPodCreatedS: Math.round(lastCreatedS * 10) / 10,
        statefulSetsAppliedToAllReadyS: Math.round(allReadyS * 10) / 10,
        createdToUngatedMs: { median: round(createdToUngated.median), p99: round(createdToUngated.p99), max: round(createdToUngated.max) },
        ungatedToReadyMs: { median: round(ungatedToReady.median), p99: round(ungatedToReady.p99), max: round(ungatedToReady.max) },
        watcherHistogram: { count, meanS: Math.round((sum / Math.max(1, count)) * 1000) / 1000 },
        watcherRssMiB: Math.round((w.rssKiB() / 1024) * 10) / 10,
        loadAtEnd: loadavg(),
      };
      log(`N=${n}: ${JSON.stringify(result)}`);
      return result;
    } finally {
      observer.stop();
    }
  } finally {
    await w.stop('SIGTERM');
  }
}

export async function watcherControllerBench(): Promise<object> {
  const sizes = (process.env.PXC_TLS_BENCH_WATCHER_SIZES ?? '1,100,1000').split(',').map((s) => Number(s.trim())).filter((x) => x > 0);
  const work = mkdtempSync(join(tmpdir(), 'pxc-tls-bench-ctl-'));
  const savedEnv = { ...process.env };
  let cp: ControlPlane | undefined;
  try {
    cp = await startControlPlane({
      log: (l) => log(`control plane: ${l}`),
      // 1,000 databases render 2,000 ClusterIP Services: the rig's /24 holds 254.
      extraApiServerArgs: ['--service-cluster-ip-range=10.0.0.0/16'],
      extraCertManagerArgs: ['--kube-api-qps=500', '--kube-api-burst=1000'],
      extraControllerManagerArgs: ['--kube-api-qps=500', '--kube-api-burst=1000'],
      extraSchedulerArgs: ['--kube-api-qps=500', '--kube-api-burst=1000'],
    });
    Object.assign(process.env, {
      PXC_TLS_KUBECONFIG: cp.kubeconfigPath, KUBECONFIG: cp.kubeconfigPath, PXC_TLS_KUBE_SERVER: cp.server, PXC_TLS_KUBE_CA: cp.caPath,
      PXC_TLS_CERT_MANAGER_NAMESPACE: cp.clusterResourceNamespace, PXC_TLS_CONTROLLERS: '1',
    });
    const nodes = await addKwokPool('bench', ['a', 'b'], 5);
    const admin = adminFromKubeconfig(cp.kubeconfigPath);
    const results = [];
    for (const n of sizes) results.push(await runSize(admin, work, poolPlacement(nodes), n));
    const result = {
      machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version },
      controlPlane: Object.fromEntries(Object.entries(cp.tools).map(([k, v]) => [k, v!.version])),
      sizes: results,
    };
    const out = ['\nwatcher with pods made by the StatefulSet controller (3 per database; certificates issued before the StatefulSets are applied)',
      '  databases   pods   applied → last pod created s   created → ungated median / p99 / max ms   ungated → Ready (scheduler + kwok) median / p99 ms   applied → all Ready s   watcher hist. n / mean s   RSS MiB'];
    for (const r of results as any[]) {
      out.push(`  ${String(r.databases).padStart(9)}   ${String(r.pods).padStart(4)}   ${String(r.statefulSetsAppliedToLastPodCreatedS).padStart(28)}   ${`${r.createdToUngatedMs.median} / ${r.createdToUngatedMs.p99} / ${r.createdToUngatedMs.max}`.padStart(38)}   ${`${r.ungatedToReadyMs.median} / ${r.ungatedToReadyMs.p99}`.padStart(50)}   ${String(r.statefulSetsAppliedToAllReadyS).padStart(20)}   ${`${r.watcherHistogram.count} / ${r.watcherHistogram.meanS}`.padStart(22)}   ${r.watcherRssMiB}`);
    }
    console.log(out.join('\n'));
    return result;
  } finally {
    await cp?.stop();
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
    rmSync(work, { recursive: true, force: true });
  }
}

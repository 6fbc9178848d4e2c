// The real kube-apiserver restarted mid-flow: the watcher recovers (its watches fail, it relists
// with backoff) and ungates what appeared around the restart; the StatefulSet controller, the
// scheduler and kwok recover too, so those pods run, and pods that ran before keep running.
//
// A private control plane (test/cluster/control-plane.ts, ~9 s warm, controllers included), so
// restarting its API server disturbs no other test; the rig's restartApiServer() stops it (SIGTERM,
// SIGKILL after 10 s: a graceful stop drains watches for a minute) and starts it with the same flags.
import { startControlPlane, type ControlPlane } from '../cluster/control-plane';
import { apply, createNamespace, getJson, waitFor } from '../cluster/kube';
import { addKwokPool, poolPlacement, type Pool } from '../cluster/nodes';
import { caIssuer, createPods, eventually, metricValue, perconaXtraDB, render, REPO_ROOT, sleep, startWatcher, toApply, toYaml, type WatcherProcess } from './fixture';

jest.setTimeout(300_000);

let cp: ControlPlane | undefined;
let watcher: WatcherProcess | undefined;
const previous = { kubeconfig: process.env.PXC_TLS_KUBECONFIG, controllers: process.env.PXC_TLS_CONTROLLERS };

beforeAll(async () => {
  cp = await startControlPlane({ repoRoot: REPO_ROOT, log: () => undefined });
  // The kube.ts helpers and the fixture talk to the private control plane in this file.
  process.env.PXC_TLS_KUBECONFIG = cp.kubeconfigPath;
  process.env.PXC_TLS_CONTROLLERS = cp.controllers ? '1' : '';
});

afterAll(async () => {
  await watcher?.stop('SIGKILL');
  await cp?.stop();
  process.env.PXC_TLS_KUBECONFIG = previous.kubeconfig;
  process.env.PXC_TLS_CONTROLLERS = previous.controllers;
});

/** A database whose pods go to this control plane's kwok pool (so they run once ungated). */
async function database(name: string, ns: string, pool: Pool): Promise<string[]> {
  const db = perconaXtraDB(name, ns) as { spec: Record<string, unknown> };
  await apply(toYaml(toApply(await render([{ ...db, spec: { ...db.spec, podTemplate: { spec: poolPlacement(pool) } } }]))));
  return createPods(ns, name, 3);
}

/** Every pod ungated, bound to a node and Ready (kwok, as the kubelet); their UIDs. */
async function runningPods(ns: string, pods: string[]): Promise<string[]> {
  return Promise.all(pods.map((name) => eventually(`${name} ungated and Running/Ready`, async () => {
    const p = await getJson(['get', 'pod', name, '-n', ns]);
    const ready = (p.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
    return (p.spec.schedulingGates ?? []).length === 0 && p.spec.nodeName && ready ? p.metadata.uid as string : undefined;
  }, 180_000, 500)));
}

test('kube-apiserver restarted mid-flow: the controllers, the scheduler, kwok and the watcher recover; a database applied just before runs, one running before keeps running', async () => {
  const ns = await createNamespace('watch-restart');
  const pool = await addKwokPool(ns, ['a'], 3);
  await caIssuer(ns);
  await waitFor('issuer/px-issuer', 'condition=Ready', { namespace: ns, timeoutMs: 120_000 });
  watcher = startWatcher({ name: 'restart-watcher', kubeconfig: cp!.kubeconfigPath, namespaces: [ns], leaseNamespace: ns });
  await watcher.waitLog('became leader');
  const before = await runningPods(ns, await database('before', ns, pool));

  // Mid-flow: the StatefulSet applied, its pods being made, its certificates being issued.
  const pods = ['after-0', 'after-1', 'after-2'];
  const db = perconaXtraDB('after', ns) as { spec: Record<string, unknown> };
  await apply(toYaml(toApply(await render([{ ...db, spec: { ...db.spec, podTemplate: { spec: poolPlacement(pool) } } }]))));
  const t0 = Date.now();
  const downMs = await cp!.restartApiServer();
  await watcher.waitLog('informer failed; restarting', 60_000);
  await runningPods(ns, pods);
  const doneMs = Date.now() - t0;
  // The database that ran before still runs: same pods, nothing evicted or made again.
  expect(await runningPods(ns, ['before-0', 'before-1', 'before-2'])).toEqual(before);
  await sleep(500);
  const metrics = await watcher.metrics();
  const counts = ['pods', 'secrets', 'certificates'].map((resource) => metricValue(metrics, 'pxc_tls_watch_restarts_total', { cause: 'error', resource }) ?? 0);
  console.log(`kube-apiserver restarted mid-flow: informer restarts (pods, secrets, certificates) = ${counts.join(', ')}; `
    + `API stopped and ready again after ${(downMs / 1000).toFixed(1)} s; the database applied just before all Running/Ready ${(doneMs / 1000).toFixed(1)} s after the restart began`);
  expect(Math.min(...counts)).toBeGreaterThan(0);
});

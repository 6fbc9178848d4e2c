// The real kube-apiserver restarted mid-run: the watcher recovers (its watches fail, it relists
// with backoff) and ungates what appeared while the API server was down.
//
// A private control plane (test/cluster/control-plane.ts, ~9 s warm, controllers included), so
// restarting its API server disturbs no other test; the rig's restartApiServer() stops it (SIGTERM,
// SIGKILL after 10 s: a graceful stop drains watches for a minute) and starts it with the same flags.
// test/watch/living.test.ts restarts it in the middle of a database's whole flow (scheduler, kwok).
import { startControlPlane, type ControlPlane } from '../cluster/control-plane';
import { apply, createNamespace, waitFor } from '../cluster/kube';
import { caIssuer, createPods, eventually, metricValue, perconaXtraDB, podGates, render, REPO_ROOT, sleep, startWatcher, toApply, toYaml, type WatcherProcess } from './fixture';

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

async function database(name: string, ns: string): Promise<string[]> {
  await apply(toYaml(toApply(await render([perconaXtraDB(name, ns)]))));
  return createPods(ns, name, 3);
}

const ungated = (ns: string, pods: string[]) => Promise.all(pods.map((pod) =>
  eventually(`${pod} ungated`, async () => ((await podGates(ns, pod)).length === 0 ? true : undefined), 150_000, 500)));

test('kube-apiserver restarted mid-run: the watcher recovers and ungates a database created once it is back', async () => {
  const ns = await createNamespace('watch-restart');
  await caIssuer(ns);
  await waitFor('issuer/px-issuer', 'condition=Ready', { namespace: ns, timeoutMs: 120_000 });
  watcher = startWatcher({ name: 'restart-watcher', kubeconfig: cp!.kubeconfigPath, namespaces: [ns], leaseNamespace: ns });
  await watcher.waitLog('became leader');
  await ungated(ns, await database('before', ns));

  const t0 = Date.now();
  const stoppedMs = await cp!.restartApiServer();
  await watcher.waitLog('informer failed; restarting', 60_000);
  // Once the API server answers again: a database created now is ungated by the recovered watcher.
  await eventually('the API server to answer again', async () => ((await createNamespace('watch-restart-probe')) ? true : undefined), 120_000, 1000);
  const backMs = Date.now() - t0;
  await ungated(ns, await database('after', ns));
  const doneMs = Date.now() - t0;
  await sleep(500);
  const metrics = await watcher.metrics();
  const counts = ['pods', 'secrets', 'certificates'].map((resource) => metricValue(metrics, 'pxc_tls_watch_restarts_total', { cause: 'error', resource }) ?? 0);
  console.log(`kube-apiserver restarted: informer restarts (pods, secrets, certificates) = ${counts.join(', ')}; `
    + `API down and back (ready) after ${(stoppedMs / 1000).toFixed(1)} s, answering the test after ${(backMs / 1000).toFixed(1)} s, new database ungated after ${(doneMs / 1000).toFixed(1)} s`);
  expect(Math.min(...counts)).toBeGreaterThan(0);
});

// The API server goes away mid-run and comes back: the watcher's informers restart with backoff,
// it steps down while it cannot renew its Lease, leads again afterwards, and ungates what appeared
// meanwhile. The outage is made by a TCP proxy between the watcher and the real kube-apiserver
// (every connection cut, new ones refused) — long enough for the leader to lose its Lease;
// restart.test.ts restarts the kube-apiserver process itself.
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apply, createNamespace, kubeconfigPath, waitFor } from '../cluster/kube';
import { caIssuer, createPods, eventually, metricValue, perconaXtraDB, podGates, render, startWatcher, toApply, toYaml, type WatcherProcess } from './fixture';
import { startProxy, type Outage } from './proxy';

jest.setTimeout(300_000);

let proxy: Outage | undefined;
let watcher: WatcherProcess | undefined;
const tmp = mkdtempSync(join(tmpdir(), 'pxc-tls-watch-outage-'));
afterAll(async () => {
  await watcher?.stop('SIGKILL');
  await proxy?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function database(name: string, ns: string): Promise<string[]> {
  await apply(toYaml(toApply(await render([perconaXtraDB(name, ns)]))));
  return createPods(ns, name, 3);
}

const ungated = (ns: string, pods: string[], timeoutMs = 120_000) => Promise.all(pods.map((pod) =>
  eventually(`${pod} ungated`, async () => ((await podGates(ns, pod)).length === 0 ? true : undefined), timeoutMs)));

test('the API server goes away for 12 s: the watcher recovers and ungates what appeared meanwhile', async () => {
  const ns = await createNamespace('watch-outage');
  await caIssuer(ns);
  await waitFor('issuer/px-issuer', 'condition=Ready', { namespace: ns, timeoutMs: 120_000 });
  const server = new URL(process.env.PXC_TLS_KUBE_SERVER!);
  proxy = await startProxy({ host: server.hostname, port: Number(server.port) });
  const kubeconfig = join(tmp, 'proxied.kubeconfig');
  writeFileSync(kubeconfig, readFileSync(kubeconfigPath(), 'utf8').replace(server.origin, `https://127.0.0.1:${proxy.port}`), { mode: 0o600 });
  watcher = startWatcher({ name: 'outage-watcher', kubeconfig, namespaces: [ns], leaseNamespace: ns });
  await watcher.waitLog('became leader');
  await ungated(ns, await database('before', ns));

  const cut = proxy.cut(12_000);
  await watcher.waitLog('informer failed; restarting', 30_000);
  const during = await database('during', ns); // created while the watcher cannot see the API server
  await cut;

  await ungated(ns, during);
  const msgs = watcher.lines.map((l) => l.msg);
  expect(msgs).toContain('stopped leading'); // it could not renew within the 10 s deadline
  expect(msgs.lastIndexOf('became leader')).toBeGreaterThan(msgs.indexOf('stopped leading'));
  const metrics = await watcher.metrics();
  const restarts = ['pods', 'secrets', 'certificates'].map((resource) => metricValue(metrics, 'pxc_tls_watch_restarts_total', { cause: 'error', resource }) ?? 0);
  console.log(`after a 12 s API server outage: informer restarts (pods, secrets, certificates) = ${restarts.join(', ')}`);
  expect(Math.min(...restarts)).toBeGreaterThan(0);
  // Back to normal: a later database is ungated too.
  await ungated(ns, await database('after', ns));
});

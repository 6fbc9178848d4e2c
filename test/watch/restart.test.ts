// The real kube-apiserver restarted mid-run: the watcher recovers (its watches fail, it relists
// with backoff) and ungates what appeared while the API server was down.
//
// A private control plane (test/cluster/control-plane.ts, ~5 s warm), so restarting its API
// server disturbs no other test. The rig has no restart hook yet: this test stops the private
// kube-apiserver process (found by its --cert-dir under the private control plane's directory) and
// starts it again with the same command line, then stops that process itself at the end. If the
// rig grows `restartApiServer()`, that is used instead.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../cluster/control-plane';
import { apply, createNamespace, waitFor } from '../cluster/kube';
import { caIssuer, createPods, eventually, metricValue, perconaXtraDB, podGates, render, REPO_ROOT, sleep, startWatcher, toApply, toYaml, type WatcherProcess } from './fixture';

jest.setTimeout(300_000);

type Restartable = ControlPlane & { restartApiServer?: () => Promise<void> };
let cp: Restartable | undefined;
let watcher: WatcherProcess | undefined;
let restarted: ChildProcess | undefined;
const previousKubeconfig = process.env.PXC_TLS_KUBECONFIG;

beforeAll(async () => {
  cp = await startControlPlane({ repoRoot: REPO_ROOT, log: () => undefined });
  // The kube.ts helpers and the fixture talk to the private control plane in this file.
  process.env.PXC_TLS_KUBECONFIG = cp.kubeconfigPath;
});

afterAll(async () => {
  await watcher?.stop('SIGKILL');
  if (restarted && restarted.exitCode === null) {
    restarted.kill('SIGTERM');
    await new Promise((r) => { restarted!.once('exit', r); setTimeout(r, 15_000); });
    if (restarted.exitCode === null) restarted.kill('SIGKILL');
  }
  await cp?.stop();
  process.env.PXC_TLS_KUBECONFIG = previousKubeconfig;
});

/** The private control plane's kube-apiserver: pid and command line, from /proc. */
function apiServerProcess(dir: string): { pid: number; argv: string[] } {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue;
    }
    if (argv[0]?.endsWith('/kube-apiserver') && argv.includes(`--cert-dir=${join(dir, 'apiserver-certs')}`)) return { pid: Number(entry), argv };
  }
  throw new Error(`no kube-apiserver process of the control plane in ${dir}`);
}

async function restartApiServer(plane: Restartable): Promise<void> {
  if (plane.restartApiServer) return plane.restartApiServer();
  const { pid, argv } = apiServerProcess(plane.dir);
  // SIGTERM, and SIGKILL after 10 s: a graceful kube-apiserver shutdown waits a minute for the
  // long-running requests (watches) to drain; the watcher must cope with either.
  const gone = () => { try { process.kill(pid, 0); return false; } catch { return true; } };
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && !gone(); i++) await sleep(100);
  if (!gone()) process.kill(pid, 'SIGKILL');
  await eventually('the kube-apiserver to exit', async () => (gone() ? true : undefined), 30_000);
  const log = openSync(join(plane.dir, 'kube-apiserver-restarted.log'), 'a');
  restarted = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', log, log] });
  closeSync(log);
}

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
  await restartApiServer(cp!);
  const stoppedMs = Date.now() - t0;
  await watcher.waitLog('informer failed; restarting', 60_000);
  // Once the API server answers again: a database created now is ungated by the recovered watcher.
  await eventually('the API server to answer again', async () => ((await createNamespace('watch-restart-probe')) ? true : undefined), 120_000, 1000);
  const backMs = Date.now() - t0;
  await ungated(ns, await database('after', ns));
  const doneMs = Date.now() - t0;
  await sleep(500);
  const metrics = await watcher.metrics();
  const counts = ['pods', 'secrets', 'certificates'].map((resource) => metricValue(metrics, 'pxc_tls_watch_restarts_total', { cause: 'error', resource }) ?? 0);
  console.log(`kube-apiserver restarted${cp!.restartApiServer ? ' (rig hook)' : ' (same command line, by this test)'}: informer restarts (pods, secrets, certificates) = ${counts.join(', ')}; `
    + `old process gone after ${(stoppedMs / 1000).toFixed(1)} s, API answering after ${(backMs / 1000).toFixed(1)} s, new database ungated after ${(doneMs / 1000).toFixed(1)} s`);
  expect(Math.min(...counts)).toBeGreaterThan(0);
});

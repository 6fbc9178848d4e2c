// Issue 11's proof, end to end: a database rendered by the built function, applied to the real
// control plane, its certificates issued by the real cert-manager, its pods ungated by the built
// watcher (which also decides the bootstraps) and run by the sandbox kubelet (test/pod) with
// KubeDB's init scripts unchanged (../shared), MariaDB + Galera standing in for PXC behind the
// thin mysqld/mysql wrappers of test/pod/standin, and the built agent in each pod.
import { startSandboxKubelet, type SandboxKubelet } from '../pod/kubelet';
import { bindPod, isReady, waitPod } from '../pod/workloads';
import { apply, createNamespace, getJson, kubectlOk } from '../cluster/kube';
import { caIssuer, createPods, eventually, perconaXtraDB, podGates, render, startWatcher, toApply, toYaml, type WatcherProcess } from '../watch/fixture';

jest.setTimeout(30 * 60_000);

const DB = 'galera';
const REPLICAS = 3;
let kubelet: SandboxKubelet;
let ns: string;
let watcher: WatcherProcess;
const members = Array.from({ length: REPLICAS }, (_, i) => `${DB}-${i}`);
const t0 = Date.now();
const log = (line: string) => process.stderr.write(`[formation +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}\n`);

async function decision(): Promise<Record<string, string> | undefined> {
  const cm = await getJson(['get', 'configmap', `${DB}-pxc-tls-galera`, '-n', ns, '--ignore-not-found']).catch(() => undefined);
  return cm?.data;
}

/** SQL as root in a member's database container, over its socket (the admin's view, not the agent's). */
async function sql(member: string, query: string): Promise<string> {
  return kubelet.pod(ns, member).execOk('perconaxtradb', ['sh', '-c', `MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mysql -uroot -N -B -e "${query.replace(/"/g, '\\"')}"`]);
}

async function status(member: string, variable: string): Promise<string> {
  return (await sql(member, `SHOW GLOBAL STATUS LIKE '${variable}'`)).trim().split('\t')[1] ?? '';
}

beforeAll(async () => {
  kubelet = await startSandboxKubelet({ backoffBaseMs: 1000, log: (l) => log(`kubelet: ${l}`) });
  ns = await createNamespace('formation');
  await caIssuer(ns);
  watcher = startWatcher({ name: 'watch-0', namespaces: [ns], leaseNamespace: ns, extraArgs: ['--log-level', 'info'] });
  await apply(toYaml(toApply(await render([perconaXtraDB(DB, ns, REPLICAS)]))));
  await createPods(ns, DB, REPLICAS);
  await eventually('the watcher to ungate every pod', async () => ((await Promise.all(members.map((m) => podGates(ns, m)))).every((g) => g.length === 0) ? true : undefined), 180_000, 500);
  log('pods ungated; binding them to the sandbox node');
  for (const m of members) await bindPod(kubelet.api, ns, m, kubelet.nodeName);
}, 20 * 60_000);

afterAll(async () => {
  await watcher?.stop();
  await kubelet?.stop();
});

test('first start of 3: ordinal 0 bootstraps by rule, the others join, every member Synced and Ready', async () => {
  for (const m of members) {
    await waitPod(kubelet.api, ns, m, (p) => (isReady(p) ? p : undefined), 15 * 60_000, 'Ready').catch(async (error) => {
      for (const x of members) {
        const h = kubelet.pod(ns, x);
        log(`--- ${x} perconaxtradb:\n${h.logs('perconaxtradb').slice(-4000)}`);
        log(`--- ${x} pxc-tls-agent:\n${h.logs('pxc-tls-agent').slice(-3000)}`);
      }
      log(`--- decision: ${JSON.stringify(await decision())}`);
      throw error;
    });
    log(`${m} Ready`);
  }
  for (const m of members) {
    expect(await status(m, 'wsrep_cluster_size')).toBe(String(REPLICAS));
    expect(await status(m, 'wsrep_local_state_comment')).toBe('Synced');
  }
  const d = await decision();
  expect(d?.phase).toBe('running');
  const doc = JSON.parse(d!.decision!);
  expect(doc.previousBootstrap).toMatchObject({ member: `${DB}-0`, script: 'bootstrap-new-cluster.sh' });
  // What each member's database container ran, as on-start.sh prints it: only ordinal 0 bootstrapped.
  expect(kubelet.pod(ns, `${DB}-0`).logs('perconaxtradb')).toContain('--wsrep-new-cluster');
  for (const m of members.slice(1)) expect(kubelet.pod(ns, m).logs('perconaxtradb')).toContain('export CLUSTER_JOIN=true');
  await kubectlOk(['get', 'pods', '-n', ns, '-o', 'wide']).then((t) => log(t));
});

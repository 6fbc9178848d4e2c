// Issue 11's proof, end to end: a database rendered by the built function, applied to the real
// control plane, its certificates issued by the real cert-manager, its pods made by the real
// StatefulSet controller (kube-controller-manager in the rig), ungated by the built watcher (which
// also decides the bootstraps) and run by the sandbox kubelet (test/pod) with KubeDB's init scripts
// unchanged (../shared), MariaDB + Galera standing in for PXC behind the thin mysqld/mysql wrappers
// of test/pod/standin, and the built agent in each pod. Stand-ins, named: the sandbox kubelet for a
// kubelet, MariaDB for PXC. The database's podTemplate selects the sandbox node (kwok nodes share
// the rig), where kube-scheduler binds the pods; the test binds a pod itself only if the scheduler
// has not. On a control plane without controllers (PXC_TLS_CONTROLLERS unset) the test makes the
// pods, binds them and plays the StatefulSet controller's RollingUpdate itself.
import { startSandboxKubelet, type SandboxKubelet } from '../pod/kubelet';
import { bindPod, createPod, deletePod, isReady, podFromStatefulSet, waitPod } from '../pod/workloads';
import { X509Certificate } from 'node:crypto';
import { apply, createNamespace, getJson, kubectlOk, secretData } from '../cluster/kube';
import { caIssuer, controllersRun, createPods, eventually, perconaXtraDB, podGates, render, sleep, startWatcher, toApply, toYaml, type WatcherProcess } from '../watch/fixture';

jest.setTimeout(30 * 60_000);

const DB = 'galera';
/** The label the sandbox kubelet's Node carries (test/pod/README.md). */
const SANDBOX_NODE_LABEL = 'pxc-tls.dev/sandbox-node';
const REPLICAS = 3;
let kubelet: SandboxKubelet;
let ns: string;
const watchers: WatcherProcess[] = [];
const members = Array.from({ length: REPLICAS }, (_, i) => `${DB}-${i}`);
const t0 = Date.now();
const log = (line: string) => process.stderr.write(`[formation +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}\n`);
const figures: Record<string, number> = {};

const ordinalOf = (member: string) => Number(member.slice(member.lastIndexOf('-') + 1));

async function decision(): Promise<Record<string, string> | undefined> {
  const cm = await getJson(['get', 'configmap', `${DB}-pxc-tls-galera`, '-n', ns, '--ignore-not-found', '-o', 'json']).catch(() => undefined);
  return cm?.data;
}

/** SQL as root in a member's database container, over its socket (the admin's view, not the agent's). */
async function sql(member: string, query: string): Promise<string> {
  return kubelet.pod(ns, member).execOk('perconaxtradb', ['sh', '-c', `MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mysql -uroot -N -B -e "${query.replace(/"/g, '\\"')}"`], { timeoutMs: 30_000 });
}

async function status(member: string, variable: string): Promise<string> {
  return (await sql(member, `SHOW GLOBAL STATUS LIKE '${variable}'`)).trim().split('\t')[1] ?? '';
}

/**
 * The member's component in one statement: read apart, a member leaving the group between the two
 * reads answers "Primary", then the size of the one-member non-Primary view it leaves into.
 */
async function component(member: string): Promise<{ status: string; size: number }> {
  const rows = (await sql(member, "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_status', 'wsrep_cluster_size')")).trim().split('\n');
  const value = (name: string) => rows.map((r) => r.split('\t')).find(([k]) => k === name)?.[1] ?? '';
  return { status: value('wsrep_cluster_status'), size: Number(value('wsrep_cluster_size')) };
}

/** SIGKILL of mysqld inside the database container (run.sh's loop stays: the container lives on). */
async function killMysqld(member: string): Promise<void> {
  await kubelet.pod(ns, member).execOk('perconaxtradb', ['sh', '-c', 'for d in /proc/[0-9]*; do case "$(cat "$d/comm" 2>/dev/null)" in mysqld|mariadbd) kill -KILL "${d#/proc/}";; esac; done']);
}

/** The pod on the sandbox node: bound by kube-scheduler (the podTemplate's nodeSelector), or by the
 * test where no scheduler runs or it has not yet. */
async function placed(member: string): Promise<void> {
  const nodeOf = async () => (await getJson(['get', 'pod', member, '-n', ns, '-o', 'json'])).spec.nodeName as string | undefined;
  if (controllersRun()) {
    const node = await eventually(`kube-scheduler to bind ${member}`, async () => (await nodeOf()) ?? undefined, 15_000, 250).catch(() => undefined);
    if (node) return void expect(node).toBe(kubelet.nodeName);
  }
  try {
    await bindPod(kubelet.api, ns, member, kubelet.nodeName);
  } catch (error) {
    if ((await nodeOf()) !== kubelet.nodeName) throw error; // bound meanwhile by the scheduler: fine if here
  }
}

async function memberFacts(member: string): Promise<Record<string, any> | undefined> {
  const pod = await getJson(['get', 'pod', member, '-n', ns, '-o', 'json']);
  const text = pod.metadata.annotations?.['pxc-tls.dev/member-facts'];
  return text ? JSON.parse(text) : undefined;
}

async function allReady(timeoutMs: number, what: string): Promise<void> {
  try {
    for (const m of members) await waitPod(kubelet.api, ns, m, (p) => (isReady(p) ? p : undefined), timeoutMs, 'Ready');
  } catch (error) {
    for (const x of members) {
      const h = kubelet.pod(ns, x);
      log(`--- ${x} perconaxtradb:\n${h.logs('perconaxtradb').slice(-3000)}`);
      log(`--- ${x} pxc-tls-agent:\n${h.logs('pxc-tls-agent').slice(-3000)}`);
    }
    log(`--- decision (${what}): ${JSON.stringify(await decision())}`);
    throw error;
  }
}

/** What each member's database container ran since `marks` (log lengths): on-start.sh prints each script it runs. */
function scriptsSince(marks: Map<string, number>): Map<string, { bootstraps: number; joins: number }> {
  const out = new Map<string, { bootstraps: number; joins: number }>();
  for (const m of members) {
    const text = kubelet.pod(ns, m).logs('perconaxtradb').slice(marks.get(m) ?? 0);
    out.set(m, { bootstraps: (text.match(/\/scripts\/entrypoint\.sh mysqld --wsrep-new-cluster/g) ?? []).length, joins: (text.match(/export CLUSTER_JOIN=true/g) ?? []).length });
  }
  return out;
}
const logMarks = () => new Map(members.map((m) => [m, kubelet.pod(ns, m).logs('perconaxtradb').length]));

beforeAll(async () => {
  kubelet = await startSandboxKubelet({ backoffBaseMs: 1000, log: (l) => { if (!/probe failed/.test(l)) log(`kubelet: ${l}`); } });
  ns = await createNamespace('formation');
  await caIssuer(ns);
  watchers.push(startWatcher({ name: 'watch-a', namespaces: [ns], leaseNamespace: ns }));
  await watchers[0]!.waitLog('became leader', 60_000);
  const database = perconaXtraDB(DB, ns, REPLICAS) as { spec: Record<string, unknown> };
  database.spec.podTemplate = { spec: { nodeSelector: { [SANDBOX_NODE_LABEL]: 'true' } } };
  const rendered = toApply(await render([database]));
  // The certificate restart path forced (MariaDB reloads everything, so the fallback would never
  // fire): the agents run no reload statement (--tls-reload=restart, a test-only flag).
  const sts = rendered.find((o) => o.kind === 'StatefulSet') as any;
  sts.spec.template.spec.containers.find((c: any) => c.name === 'pxc-tls-agent').args.push('--tls-reload=restart');
  await apply(toYaml(rendered));
  await createPods(ns, DB, REPLICAS);
  await eventually('the watcher to ungate every pod', async () => ((await Promise.all(members.map((m) => podGates(ns, m)))).every((g) => g.length === 0) ? true : undefined), 180_000, 500);
  log('pods ungated; placing them on the sandbox node');
  figures.podsBoundAt = Date.now();
  for (const m of members) await placed(m);
}, 20 * 60_000);

afterAll(async () => {
  log(`figures: ${JSON.stringify(figures)}`);
  for (const w of watchers) await w.stop('SIGKILL').catch(() => undefined);
  if (!kubelet) return;
  // The StatefulSet first (its pods orphaned, so no controller makes them again), then the pods
  // without grace (the node is going away), then the node.
  await kubectlOk(['delete', 'statefulset', DB, '-n', ns, '--cascade=orphan', '--ignore-not-found', '--wait=false']).catch(() => undefined);
  await Promise.all(members.map((m) => kubelet.api.request('DELETE', `/api/v1/namespaces/${ns}/pods/${m}`, { gracePeriodSeconds: 0 }).catch(() => undefined)));
  const stopped = Date.now();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([kubelet.stop(), new Promise((resolve) => { timer = setTimeout(resolve, 120_000); timer.unref(); })]);
  clearTimeout(timer);
  log(`sandbox kubelet stopped after ${Date.now() - stopped} ms`);
}, 300_000);

test('first start of 3: ordinal 0 bootstraps by rule, the others join, every member Synced and Ready', async () => {
  await allReady(15 * 60_000, 'first start');
  figures.firstStartMs = Date.now() - figures.podsBoundAt!;
  log(`3 members Ready ${figures.firstStartMs} ms after their pods were bound`);
  for (const m of members) {
    expect(await status(m, 'wsrep_cluster_size')).toBe(String(REPLICAS));
    expect(await status(m, 'wsrep_local_state_comment')).toBe('Synced');
  }
  const d = await decision();
  expect(d?.phase).toBe('running');
  expect(JSON.parse(d!.decision!).previousBootstrap).toMatchObject({ member: `${DB}-0`, script: 'bootstrap-new-cluster.sh' });
  const ran = scriptsSince(new Map());
  expect([...ran.values()].map((r) => r.bootstraps)).toEqual([1, 0, 0]);
  expect([...ran.values()].map((r) => r.joins)).toEqual([0, 1, 1]);
});

const TABLE = 'proof.rows';
/** Every row id the database acknowledged (the INSERT returned success: certified and committed in the Primary component). */
const acknowledged: number[] = [];
let nextId = 1;

async function insert(member: string, n: number): Promise<void> {
  const ids = Array.from({ length: n }, () => nextId++);
  await sql(member, `INSERT INTO ${TABLE} (id) VALUES ${ids.map((id) => `(${id})`).join(',')}`);
  acknowledged.push(...ids);
}

/** No acknowledged row is missing on `member` (rows of writes that failed may or may not be there). */
async function expectNoAcknowledgedRowLost(member: string): Promise<void> {
  const present = new Set((await sql(member, `SET SESSION wsrep_sync_wait=1; SELECT id FROM ${TABLE}`)).split('\n').filter(Boolean).map(Number));
  const lost = acknowledged.filter((id) => !present.has(id));
  expect({ member, acknowledged: acknowledged.length, lost }).toEqual({ member, acknowledged: acknowledged.length, lost: [] });
}

test('one member killed (mysqld SIGKILLed) recovers its position and rejoins on its own; no decision involved', async () => {
  await sql(`${DB}-0`, `CREATE DATABASE IF NOT EXISTS proof; CREATE TABLE IF NOT EXISTS ${TABLE} (id INT PRIMARY KEY) ENGINE=InnoDB`);
  await insert(`${DB}-1`, 100);
  const before = await decision();
  const marks = logMarks();
  await killMysqld(`${DB}-2`);
  await eventually(`${DB}-2 to leave`, async () => ((await status(`${DB}-0`, 'wsrep_cluster_size')) === '2' ? true : undefined), 60_000, 500);
  await insert(`${DB}-0`, 50); // while it is down
  await eventually(`${DB}-2 back in the cluster`, async () => ((await status(`${DB}-0`, 'wsrep_cluster_size')) === '3' ? true : undefined), 300_000, 1000);
  await allReady(300_000, 'rejoin');
  expect(scriptsSince(marks).get(`${DB}-2`)).toEqual({ bootstraps: 0, joins: 1 });
  expect((await memberFacts(`${DB}-2`))?.mysqldExits).toBe(1);
  expect((await decision())?.decision).toBe(before?.decision); // the leader wrote nothing
  await expectNoAcknowledgedRowLost(`${DB}-2`);
});

test('all members SIGKILLed after committed writes, the least advanced frozen out first, the leader killed mid-recovery: one bootstrap, from the most advanced, no committed row lost', async () => {
  const follower = startWatcher({ name: 'watch-b', namespaces: [ns], leaseNamespace: ns });
  watchers.push(follower);
  await follower.waitLog('informer synced', 60_000);
  // galera-0 (the lowest ordinal: ties would favour it) falls behind: its agent frozen, its mysqld killed.
  const behind = `${DB}-0`;
  await kubelet.pod(ns, behind).signal('pxc-tls-agent', 'SIGSTOP');
  await killMysqld(behind);
  await eventually(`${behind} to leave`, async () => ((await status(`${DB}-1`, 'wsrep_cluster_size')) === '2' ? true : undefined), 60_000, 500);
  await insert(`${DB}-1`, 200); // only galera-1 and galera-2 hold these
  const marks = logMarks();
  const crashAt = Date.now();
  await Promise.all([killMysqld(`${DB}-1`), killMysqld(`${DB}-2`)]);
  await kubelet.pod(ns, behind).signal('pxc-tls-agent', 'SIGCONT');
  // The leader orders the bootstrap; it is killed right after it wrote the order.
  const order = await eventually('a bootstrap order', async () => {
    const d = await decision();
    return d?.phase === 'bootstrap' ? JSON.parse(d.decision!).bootstrap : undefined;
  }, 300_000, 200);
  await watchers[0]!.stop('SIGKILL');
  log(`order ${JSON.stringify(order)}; leader watch-a SIGKILLed`);
  expect(order.member).not.toBe(behind);
  expect(order.script).toBe('after-crash-bootstrap.sh');
  await allReady(600_000, 'recovery');
  figures.fullCrashRecoveryMs = Date.now() - crashAt;
  await follower.waitLog('became leader', 60_000);
  const ran = scriptsSince(marks);
  log(`scripts since the crash: ${JSON.stringify(Object.fromEntries(ran))}`);
  expect([...ran.values()].reduce((n, r) => n + r.bootstraps, 0)).toBe(1);
  expect(ran.get(order.member)!.bootstraps).toBe(1);
  expect(ran.get(behind)!.bootstraps).toBe(0);
  const facts = await Promise.all(members.map(memberFacts));
  log(`facts after: ${JSON.stringify(facts)}`);
  for (const m of members) await expectNoAcknowledgedRowLost(m);
  // Nothing else was written: every row there was acknowledged.
  expect(await sql(`${DB}-0`, `SELECT COUNT(*) FROM ${TABLE}`)).toBe(`${acknowledged.length}\n`);
});

test('a member holding another cluster\'s data (another cluster UUID) is refused: it does not join, its data stays', async () => {
  const foreign = `${DB}-2`;
  const marks = logMarks();
  await kubelet.pod(ns, foreign).signal('pxc-tls-agent', 'SIGSTOP');
  await killMysqld(foreign);
  await eventually(`${foreign} to leave`, async () => ((await status(`${DB}-0`, 'wsrep_cluster_size')) === '2' ? true : undefined), 60_000, 500);
  // Its grastate.dat now names another cluster (as a data volume of another database would).
  const dataDir = kubelet.pod(ns, foreign).volumeDir('data');
  const { readFileSync, writeFileSync } = await import('node:fs');
  const grastate = readFileSync(`${dataDir}/grastate.dat`, 'utf8');
  const uuid = /uuid:\s*(\S+)/.exec(grastate)![1]!;
  const other = '9e2f3c1a-0000-4000-8000-00000000beef';
  writeFileSync(`${dataDir}/grastate.dat`, grastate.replace(uuid, other));
  await kubelet.pod(ns, foreign).signal('pxc-tls-agent', 'SIGCONT');
  const refused = await eventually(`${foreign} refused`, async () => {
    const f = await memberFacts(foreign);
    return f?.stage === 'refused' ? f : undefined;
  }, 180_000, 500);
  expect(refused.refused).toContain(other);
  await sleep(10_000);
  expect(scriptsSince(marks).get(foreign)!.joins).toBe(0);
  expect(await status(`${DB}-0`, 'wsrep_cluster_size')).toBe('2');
  // Its own cluster's data again: it joins.
  writeFileSync(`${dataDir}/grastate.dat`, readFileSync(`${dataDir}/grastate.dat`, 'utf8').replace(other, uuid));
  await eventually(`${foreign} back`, async () => ((await status(`${DB}-0`, 'wsrep_cluster_size')) === '3' ? true : undefined), 300_000, 1000);
  await allReady(300_000, 'after the refusal');
});

test('a rolling change of the template with a client writing throughout: one member at a time, each Synced before the next, no acknowledged write lost, quorum kept', async () => {
  // The template changes (a Git change reaching the cluster); the StatefulSet controller rolls it:
  // highest ordinal first, the next only once the last is Ready (= Synced in a Primary component).
  await kubectlOk(['annotate', 'statefulset', DB, '-n', ns, '--overwrite', 'example.com/rolled=1']);
  await kubectlOk(['patch', 'statefulset', DB, '-n', ns, '--type', 'merge', '-p', '{"spec":{"template":{"metadata":{"annotations":{"example.com/revision":"2"}}}}}']);
  let writing = true;
  let failures = 0;
  let minSize = REPLICAS;
  const client = (async () => {
    let i = 0;
    while (writing) {
      const target = members[i++ % members.length]!;
      try {
        if (kubelet.pod(ns, target).running('perconaxtradb')) await insert(target, 1);
      } catch {
        failures++; // not acknowledged: not counted
      }
      await sleep(100);
    }
  })();
  const sizes = (async () => {
    while (writing) {
      for (const m of members) {
        try {
          const c = await component(m);
          if (c.status === 'Primary') minSize = Math.min(minSize, c.size);
        } catch { /* that member is the one restarting */ }
      }
      await sleep(500);
    }
  })();
  try {
    if (controllersRun()) await rollByController();
    else await rollByHand();
  } finally {
    writing = false;
    await Promise.all([client, sizes]);
  }
  log(`rolled; ${acknowledged.length} rows acknowledged, ${failures} writes refused while a member restarted, smallest Primary component seen: ${minSize}`);
  expect(minSize).toBeGreaterThanOrEqual(2);
  for (const m of members) await expectNoAcknowledgedRowLost(m);
});

test('a renewal every member must restart for (--tls-reload=restart): the leader orders one member at a time, highest ordinal first, never more than one down, the new certificate served at the end', async () => {
  await allReady(600_000, 'before the renewal');
  const restartsBefore = await restartCounts();
  // cert-manager renews the server certificate (the Issuing condition, as `cmctl renew` sets it).
  const secretName = `${DB}-server-cert`;
  const before = secretData(await getJson(['get', 'secret', secretName, '-n', ns, '-o', 'json']))['tls.crt']!.toString();
  const certificate = await getJson(['get', 'certificate', secretName, '-n', ns]);
  const conditions = [...(certificate.status.conditions ?? []).filter((c: any) => c.type !== 'Issuing'),
    { type: 'Issuing', status: 'True', reason: 'ManuallyTriggered', message: 'Certificate re-issuance manually triggered', lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), observedGeneration: certificate.metadata.generation }];
  await kubectlOk(['patch', 'certificate', secretName, '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { conditions } })]);
  const renewed = await eventually('cert-manager to write a renewed certificate', async () => {
    const crt = secretData(await getJson(['get', 'secret', secretName, '-n', ns, '-o', 'json']))['tls.crt']!.toString();
    return crt !== before ? crt : undefined;
  }, 120_000);
  const fingerprint = new X509Certificate(renewed).fingerprint256;
  log(`renewed: ${fingerprint}`);

  // Throughout: each member's component in one statement; who is out of a Primary component at once.
  let sampling = true;
  let mostDown = 0;
  let minSize = REPLICAS;
  const downTogether: string[] = [];
  const orders: string[] = [];
  const waitingAtOrder: Array<{ member: string; waiting: string[] }> = [];
  const sampler = (async () => {
    while (sampling) {
      const down: string[] = [];
      for (const m of members) {
        try {
          const c = await component(m);
          if (c.status === 'Primary') minSize = Math.min(minSize, c.size);
          else down.push(m);
        } catch {
          down.push(m); // its database container is restarting
        }
      }
      mostDown = Math.max(mostDown, down.length);
      if (down.length > 1) downTogether.push(down.join('+'));
      const data = await decision();
      const order = data?.restart;
      if (order && orders.at(-1) !== order.split(' ')[0]) {
        const member = order.split(' ')[0]!;
        orders.push(member);
        // Who else was waiting when the leader gave it, as its reason says ("…; then a, b, one at a
        // time"): the kubelets swap each pod's files at their own moment, so the first order may go
        // to a lower ordinal when a higher one has not seen the renewal yet.
        const then = /; then ([^;]*), one at a time/.exec(data?.reason ?? '')?.[1];
        waitingAtOrder.push({ member, waiting: [member, ...(then ? then.split(', ') : [])] });
      }
      await sleep(500);
    }
  })();
  try {
    await eventually('every member to serve the renewed certificate, Synced', async () => {
      const facts = await Promise.all(members.map((m) => memberFacts(m)));
      return facts.every((f) => f?.tlsReload?.served === fingerprint && !f.tlsReload.pending && f.wsrep?.localState === 'Synced' && f.wsrep?.clusterSize === REPLICAS) ? true : undefined;
    }, 15 * 60_000, 1000);
  } finally {
    sampling = false;
    await sampler;
  }
  const restartsAfter = await restartCounts();
  log(`restart orders seen: ${orders.join(', ')}; most members down at once: ${mostDown}; smallest Primary component: ${minSize}; container restarts: ${JSON.stringify(restartsAfter)}`);
  expect(downTogether).toEqual([]);
  expect(mostDown).toBeLessThanOrEqual(1);
  expect(minSize).toBeGreaterThanOrEqual(2);
  // Each once (a sampler at 500 ms may miss none: each restart takes seconds), and each order for
  // the highest ordinal among the members waiting at that moment (as a StatefulSet rolls).
  expect([...orders].sort()).toEqual([...members].sort());
  for (const { member, waiting } of waitingAtOrder) expect(member).toBe([...waiting].sort((a, b) => ordinalOf(b) - ordinalOf(a))[0]);
  // Each database container restarted once, by its liveness probe (the agent's marker), none twice.
  for (const m of members) expect(restartsAfter[m]).toBe(restartsBefore[m]! + 1);
  // The decision is back to no order, and no marker is left behind.
  expect((await decision())?.restart).toBeUndefined();
  for (const m of members) expect(await kubelet.pod(ns, m).execOk('perconaxtradb', ['sh', '-c', 'ls -A /run-script'])).not.toMatch(/pxc-tls-restart/);
});

/** The database container's restartCount per member, as the kubelet reports it. */
async function restartCounts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of members) {
    const pod = await getJson(['get', 'pod', m, '-n', ns, '-o', 'json']);
    out[m] = pod.status?.containerStatuses?.find((c: any) => c.name === 'perconaxtradb')?.restartCount ?? 0;
  }
  return out;
}

/** The StatefulSet controller rolls; the test binds each new pod to the sandbox node and checks,
 * while a member is away, that no other member is taken down. */
async function rollByController(): Promise<void> {
  const updateRevision: string = await eventually('the StatefulSet\'s new revision', async () => {
    const sts = await getJson(['get', 'statefulset', DB, '-n', ns, '-o', 'json']);
    return sts.status?.updateRevision && sts.status.updateRevision !== sts.status.currentRevision ? sts.status.updateRevision : undefined;
  }, 60_000, 250);
  const rolled: string[] = [];
  const violations: string[] = [];
  for (const m of [...members].reverse()) {
    await eventually(`the StatefulSet controller to make ${m} again at ${updateRevision}`, async () => {
      const pod = await getJson(['get', 'pod', m, '-n', ns, '--ignore-not-found', '-o', 'json']).catch(() => undefined);
      return pod?.metadata?.labels?.['controller-revision-hash'] === updateRevision ? true : undefined;
    }, 300_000, 250);
    await eventually(`the watcher to ungate ${m}`, async () => ((await podGates(ns, m)).length === 0 ? true : undefined), 120_000, 500);
    await placed(m);
    await eventually(`${m} Ready after the roll`, async () => {
      // One list is one moment: once m is Ready in it, the controller may already be taking the next
      // member down (that is the roll going on, not a violation).
      const pods = (await getJson(['get', 'pods', '-n', ns, '-o', 'json'])).items as any[];
      if (isReady(pods.find((x) => x.metadata.name === m))) return true;
      for (const other of members.filter((x) => x !== m && !rolled.includes(x))) {
        const p = pods.find((x) => x.metadata.name === other);
        if (!p || p.metadata.deletionTimestamp || p.metadata.labels?.['controller-revision-hash'] === updateRevision) violations.push(`${other} taken down while ${m} was not Ready`);
      }
      return undefined;
    }, 600_000, 500);
    rolled.push(m);
    log(`${m} rolled by the StatefulSet controller and Ready`);
  }
  expect(violations).toEqual([]);
  const sts = await eventually('the StatefulSet to report the roll done', async () => {
    const s = await getJson(['get', 'statefulset', DB, '-n', ns, '-o', 'json']);
    return s.status?.currentRevision === updateRevision && s.status?.updatedReplicas === REPLICAS && s.status?.readyReplicas === REPLICAS ? s : undefined;
  }, 120_000, 500);
  expect(sts.status.currentRevision).toBe(updateRevision);
}

/** No StatefulSet controller: the test plays its RollingUpdate (highest ordinal first, the next only once Ready). */
async function rollByHand(): Promise<void> {
  const sts = await getJson(['get', 'statefulset', DB, '-n', ns, '-o', 'json']);
  for (const m of [...members].reverse()) {
    await deletePod(kubelet.api, ns, m, { timeoutMs: 300_000 });
    const pod = podFromStatefulSet(sts, Number(m.slice(DB.length + 1)));
    pod.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: DB, uid: sts.metadata.uid, controller: true, blockOwnerDeletion: true }];
    await createPod(kubelet.api, pod);
    await eventually(`the watcher to ungate ${m}`, async () => ((await podGates(ns, m)).length === 0 ? true : undefined), 120_000, 500);
    await bindPod(kubelet.api, ns, m, kubelet.nodeName);
    await waitPod(kubelet.api, ns, m, (p) => (isReady(p) ? p : undefined), 600_000, 'Ready after the roll');
    log(`${m} rolled and Ready`);
  }
}

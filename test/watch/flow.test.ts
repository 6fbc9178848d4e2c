// The whole flow on a living control plane (issue 16): the real StatefulSet controller creates the
// gated pods from a rendered database applied server-side as a GitOps tool would; the watcher (two
// replicas, under examples/watcher's namespaced RBAC and admission policies) ungates them once
// cert-manager has issued and it has verified the certificates; the real scheduler places them on
// kwok nodes under the rendered spread constraints; kwok (the only stand-in: a kubelet without
// containers) carries them to Running/Ready. Then day-2 events, each with its outcome asserted and
// its latencies printed (figures, never asserted): a pod deleted, a scale-up, an eviction the
// PodDisruptionBudget refuses, a rogue CA, the leader killed mid-flow, a GitOps re-apply.
// (The API server restarted mid-flow: restart.test.ts, on a private control plane.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNamespace, getJson, kubectl, kubectlOk, waitFor } from '../cluster/kube';
import { addKwokPool, deletePool, HOSTNAME_KEY, poolPlacement, ZONE_KEY, type Pool } from '../cluster/nodes';
import { CertFactory } from '../../src/tls/testing/certs';
import {
  caIssuer, CONDITION, controllersRun, createPods, eventually, GATE, perconaXtraDB, render, sleep, startWatcher, toApply, toYaml,
  type KObject, type WatcherProcess,
} from './fixture';
import { awaitPodPolicies, exampleDocs, NAMESPACED_RBAC_KINDS, tokenKubeconfig } from './identity';
import { PodTimeline, stats, type PodLife } from './timeline';

jest.setTimeout(600_000);

const GITOPS_MANAGER = 'argocd-controller'; // the manager Argo CD's server-side sync uses
const OTHER_GITOPS_MANAGER = 'kustomize-controller'; // Flux's
const tmp = mkdtempSync(join(tmpdir(), 'pxc-tls-flow-'));
const figures: string[] = [];
const figure = (line: string) => { figures.push(line); };

let ns: string;
let pool: Pool;
let kubeconfig: string;
let timeline: PodTimeline;
const watchers: WatcherProcess[] = [];
/** The objects of each database as last applied ("Git"). */
const git = new Map<string, KObject[]>();

beforeAll(async () => {
  if (!controllersRun()) throw new Error('this file needs the rig\'s kube-controller-manager, kube-scheduler and kwok (PXC_TLS_CONTROLLERS=1)');
  ns = await createNamespace('flow');
  pool = await addKwokPool(ns, ['a', 'b', 'c'], 2);
  await kubectlOk(['apply', '--server-side', '--field-manager=pxc-tls-test', '-n', ns, '-f', '-'], { input: (await exampleDocs('.', NAMESPACED_RBAC_KINDS)).join('---\n') });
  kubeconfig = await tokenKubeconfig(tmp, ns, 'pxc-tls-watch');
  await awaitPodPolicies(kubeconfig, ns);
  timeline = new PodTimeline(ns);
  await timeline.start();
  for (const name of ['flow-a', 'flow-b']) watchers.push(startWatcher({ name, kubeconfig, namespaces: [ns], leaseNamespace: ns }));
  await Promise.all(watchers.map((w) => w.waitLog('informer synced')));
  await eventually('a leader', async () => (leader() ? true : undefined), 60_000);
});

afterAll(async () => {
  timeline?.stop();
  await Promise.all(watchers.map((w) => w.stop('SIGKILL')));
  if (pool) await deletePool(pool);
  rmSync(tmp, { recursive: true, force: true });
  console.log(`living control plane: latencies (figures, not assertions)\n  ${figures.join('\n  ')}`);
});

const leader = () => watchers.find((w) => !w.exited() && w.lines.some((l) => l.msg === 'became leader'));

/** A database whose pods go to this file's kwok pool, spread one per node and evenly over zones
 * (the user's podTemplate, taken as is by the render). kubedb.com/v1alpha2: v1's podTemplate has
 * no topologySpreadConstraints (KubeDB's CRD; the function refuses the field there). */
function database(name: string, replicas: number): object {
  const { spec: { deletionPolicy, ...spec }, ...db } = perconaXtraDB(name, ns, replicas) as { spec: Record<string, unknown> };
  const selector = { matchLabels: { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': 'perconaxtradbs.kubedb.com' } };
  return {
    ...db,
    apiVersion: 'kubedb.com/v1alpha2',
    spec: {
      ...spec,
      terminationPolicy: deletionPolicy,
      podTemplate: {
        spec: {
          ...poolPlacement(pool),
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: HOSTNAME_KEY, whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector },
            { maxSkew: 1, topologyKey: ZONE_KEY, whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector },
          ],
        },
      },
    },
  };
}

/** Renders the database with the built function and applies it server-side under `manager`. */
async function gitApply(name: string, replicas: number, manager = GITOPS_MANAGER, filter: (o: KObject) => boolean = () => true): Promise<KObject[]> {
  const objects = toApply(await render([database(name, replicas)]));
  git.set(name, objects);
  await kubectlOk(['apply', '--server-side', `--field-manager=${manager}`, '-f', '-'], { input: toYaml(objects.filter(filter)) });
  return objects;
}

const names = (db: string, n: number) => Array.from({ length: n }, (_, i) => `${db}-${i}`);
const running = (l: PodLife) => l.readyAt !== undefined;

/** Each rendered topology spread constraint holds over the pool's domains: max − min ≤ maxSkew. */
async function expectSpreadAsRendered(db: string, pods: PodLife[]): Promise<void> {
  const sts = git.get(db)!.find((o) => o.kind === 'StatefulSet')!;
  const constraints = sts.spec.template.spec.topologySpreadConstraints as Array<{ topologyKey: string; maxSkew: number }>;
  expect(constraints.length).toBeGreaterThan(0);
  const nodeLabels = new Map(pool.nodes.map((n) => [n.name, { [HOSTNAME_KEY]: n.name, [ZONE_KEY]: n.zone }]));
  for (const c of constraints) {
    const counts = new Map<string, number>([...nodeLabels.values()].map((l) => [l[c.topologyKey as keyof typeof l]!, 0]));
    for (const p of pods) {
      const domain = nodeLabels.get(p.node!)?.[c.topologyKey as typeof HOSTNAME_KEY];
      expect(domain).toBeDefined(); // on one of this file's kwok nodes
      counts.set(domain!, counts.get(domain!)! + 1);
    }
    const values = [...counts.values()];
    expect({ key: c.topologyKey, skew: Math.max(...values) - Math.min(...values) <= c.maxSkew, counts: Object.fromEntries(counts) })
      .toEqual({ key: c.topologyKey, skew: true, counts: Object.fromEntries(counts) });
  }
}

async function pod(name: string): Promise<KObject> {
  return getJson(['get', 'pod', name, '-n', ns]);
}

const ms = (x: number) => `${Math.round(x)} ms`;

/** Puts another CA's certificate (same name as the real CA: only the signature differs) into a
 * Secret's ca.crt, as after a botched CA swap; resolves with a function that puts the original back. */
async function rogueCa(secret: string): Promise<() => Promise<void>> {
  const original = (await getJson(['get', 'secret', secret, '-n', ns])).data['ca.crt'] as string;
  const certs = new CertFactory();
  try {
    const rogue = certs.ca('px-issuer-ca');
    await kubectlOk(['patch', 'secret', secret, '-n', ns, '--type', 'merge', '-p', JSON.stringify({ data: { 'ca.crt': Buffer.from(rogue.cert).toString('base64') } })]);
  } finally {
    certs.cleanup();
  }
  return async () => { await kubectlOk(['patch', 'secret', secret, '-n', ns, '--type', 'merge', '-p', JSON.stringify({ data: { 'ca.crt': original } })]); };
}

test('apply (server-side, as Argo CD): the StatefulSet controller creates every pod gated; none is scheduled before the watcher verified the issued certificates; then all run on kwok nodes, spread as rendered', async () => {
  await gitApply('orders', 3); // no Issuer yet: cert-manager cannot issue
  const pods = await createPods(ns, 'orders', 3); // waits for the StatefulSet controller's pods
  const sts = await getJson(['get', 'statefulset', 'orders', '-n', ns]);
  for (const name of pods) {
    const p = await pod(name);
    expect(p.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'StatefulSet', name: 'orders', uid: sts.metadata.uid, controller: true })]);
    expect(p.metadata.labels['controller-revision-hash']).toEqual(expect.any(String));
    expect(timeline.current(name)!.gatedWhenSeen).toBe(true);
  }
  // Kept gated, with the reason, and not scheduled.
  await timeline.until('a first verdict on every pod', pods, (l) => l.notVerifiedAt !== undefined, 60_000);
  await sleep(3000);
  for (const name of pods) {
    const p = await pod(name);
    expect(p.spec.schedulingGates).toEqual([{ name: GATE }]);
    expect(p.spec.nodeName).toBeUndefined();
    expect(p.status.conditions.find((c: { type: string }) => c.type === 'PodScheduled')).toMatchObject({ status: 'False', reason: 'SchedulingGated' });
  }

  const issuerAt = Date.now();
  await caIssuer(ns);
  const lives = await timeline.until('every pod Running and Ready', pods, running);
  for (const l of lives) {
    // Bound only after the gate came off, which came only after the Issuer existed.
    expect(l.ungatedAt!).toBeGreaterThanOrEqual(issuerAt);
    expect(l.boundAt!).toBeGreaterThanOrEqual(l.ungatedAt!);
    expect(l.readyAt!).toBeGreaterThanOrEqual(l.boundAt!);
  }
  // When the gates came off, every certificate was issued and Ready (the watcher checked it; the
  // API server's record says so too: Ready since before the first ungating, to the second).
  const firstUngated = Math.min(...lives.map((l) => l.ungatedAt!));
  for (const alias of ['server', 'client']) {
    const c = await getJson(['get', 'certificate', `orders-${alias}-cert`, '-n', ns]);
    const ready = c.status.conditions.find((x: { type: string }) => x.type === 'Ready');
    expect(ready.status).toBe('True');
    expect(Date.parse(ready.lastTransitionTime)).toBeLessThanOrEqual(firstUngated + 1000);
  }
  // Running on kwok nodes of this pool, spread as rendered; the watcher's condition survives
  // the kubelet's (kwok's) status writes.
  for (const name of pods) {
    const p = await pod(name);
    expect(p.status.phase).toBe('Running');
    expect(p.status.conditions).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'Ready', status: 'True' }),
      expect.objectContaining({ type: CONDITION, status: 'True', reason: 'CertificatesVerified' }),
    ]));
  }
  expect(new Set(lives.map((l) => l.node)).size).toBe(3);
  await expectSpreadAsRendered('orders', lives);
  figure(`first apply, 3 pods: Issuer created → all Running/Ready ${ms(Math.max(...lives.map((l) => l.readyAt!)) - issuerAt)}; `
    + `per pod: ungated → bound ${JSON.stringify(stats(lives.map((l) => l.boundAt! - l.ungatedAt!)))}, bound → Ready ${JSON.stringify(stats(lives.map((l) => l.readyAt! - l.boundAt!)))}`);
});

test('a pod deleted: the StatefulSet controller makes it again, gated; the watcher ungates it and it runs again', async () => {
  const old = timeline.current('orders-1')!;
  const deletedAt = Date.now();
  await kubectlOk(['delete', 'pod', 'orders-1', '-n', ns, '--wait=false']);
  const [life] = await timeline.until('orders-1 made again and Running', ['orders-1'], (l) => l.uid !== old.uid && running(l));
  expect(life!.gatedWhenSeen).toBe(true);
  expect(life!.ungatedAt!).toBeGreaterThan(life!.seenAt);
  figure(`pod deleted → made again (gated) ${ms(life!.seenAt - deletedAt)} → ungated ${ms(life!.ungatedAt! - life!.seenAt)} → Running/Ready ${ms(life!.readyAt! - life!.ungatedAt!)}`);
});

test('scale 3 → 5 through Git: the new pods come gated, are ungated and run, spread as rendered', async () => {
  const appliedAt = Date.now();
  await gitApply('orders', 5);
  const lives = await timeline.until('orders-3 and orders-4 Running', ['orders-3', 'orders-4'], running);
  for (const l of lives) expect(l.gatedWhenSeen).toBe(true);
  const all = await timeline.until('all five Running', names('orders', 5), running);
  await expectSpreadAsRendered('orders', all);
  figure(`scale 3 → 5: applied → new pods seen ${ms(Math.max(...lives.map((l) => l.seenAt)) - appliedAt)}; seen → ungated ${JSON.stringify(stats(lives.map((l) => l.ungatedAt! - l.seenAt)))}; applied → both Running ${ms(Math.max(...lives.map((l) => l.readyAt!)) - appliedAt)}`);
});

test('the PodDisruptionBudget: evictions up to maxUnavailable pass, the one that would break quorum is refused by the eviction API', async () => {
  // The rendered PodDisruptionBudget (src/render/pdb.ts: maxUnavailable = max(1, ⌊(replicas−1)/2⌋),
  // the StatefulSet's selector), applied with everything else by gitApply.
  const rendered = git.get('orders')!;
  const sts = rendered.find((o) => o.kind === 'StatefulSet')!;
  const replicas = sts.spec.replicas as number;
  const pdb = rendered.find((o) => o.kind === 'PodDisruptionBudget')!;
  expect(pdb.spec.selector).toEqual(sts.spec.selector);
  const maxUnavailable = pdb.spec.maxUnavailable as number;
  expect([replicas, maxUnavailable]).toEqual([5, 2]);
  await eventually('the disruption controller to count the healthy pods', async () => {
    const s = (await getJson(['get', 'pdb', pdb!.metadata.name, '-n', ns])).status ?? {};
    return s.currentHealthy === replicas && s.disruptionsAllowed === maxUnavailable ? true : undefined;
  }, 60_000);
  const evict = (name: string) => kubectl(['create', '--raw', `/api/v1/namespaces/${ns}/pods/${name}/eviction`, '-f', '-'],
    { input: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } }) });
  const uids = new Map(names('orders', 5).map((n) => [n, timeline.current(n)!.uid]));
  // Evicted members come back in well under a second here (controller, watcher, scheduler, kwok),
  // and the budget counts them healthy again. To hold them down — as a member that cannot come
  // back would be — the server Secret gets a rogue CA first: made again, they stay gated.
  const restoreCa = await rogueCa('orders-server-cert');
  // The watcher's Secret and pod watches are separate streams: give the Secret's change a head start
  // over the pods the evictions will make (otherwise a pod could be judged on the old CA and run).
  await sleep(2000);
  const evictedAt = Date.now();
  expect((await evict('orders-0')).code).toBe(0);
  expect((await evict('orders-1')).code).toBe(0);
  const down = await timeline.until('the evicted pods back, held gated', ['orders-0', 'orders-1'], (l) => l.uid !== uids.get(l.name) && l.notVerifiedAt !== undefined, 60_000);
  for (const l of down) expect([l.gatedWhenSeen, l.boundAt]).toEqual([true, undefined]);
  // A third would leave 2 of 5 members: below quorum. Refused (HTTP 429), and orders-2 stays.
  const third = await evict('orders-2');
  expect(third.code).not.toBe(0);
  expect(third.stderr).toMatch(/TooManyRequests.*Cannot evict pod as it would violate the pod's disruption budget/);
  await sleep(1000);
  expect(timeline.current('orders-2')!.uid).toBe(uids.get('orders-2'));
  expect((await pod('orders-2')).metadata.deletionTimestamp).toBeUndefined();
  // The CA put right: the watcher lets the two run again.
  const restoredAt = Date.now();
  await restoreCa();
  const back = await timeline.until('the evicted pods Running again', ['orders-0', 'orders-1'], (l) => l.uid !== uids.get(l.name) && running(l));
  figure(`eviction: 2 of 5 allowed, the 3rd refused (429) while they were down; evicted → made again (gated) ${JSON.stringify(stats(down.map((l) => l.seenAt - evictedAt)))}; CA put right → Running/Ready ${JSON.stringify(stats(back.map((l) => l.readyAt! - restoredAt)))}`);
});

test('a rogue CA in one Secret keeps that database\'s pods gated with UntrustedIssuer, unscheduled; put right, they run', async () => {
  // Everything but the StatefulSet first, so the Secrets are issued before any pod exists.
  await gitApply('ledger', 3, GITOPS_MANAGER, (o) => o.kind !== 'StatefulSet');
  for (const alias of ['server', 'client']) await waitFor(`certificate/ledger-${alias}-cert`, 'condition=Ready', { namespace: ns, timeoutMs: 120_000 });
  const restoreCa = await rogueCa('ledger-server-cert');
  // As in the eviction test: the watcher's Secret and pod watches are separate streams. A pod judged
  // before the patched Secret reached the watcher's cache is judged on the CA that was right a moment
  // ago, and runs (CI saw it under load); give the Secret's change a head start.
  await sleep(3000);
  await kubectlOk(['apply', '--server-side', `--field-manager=${GITOPS_MANAGER}`, '-f', '-'], { input: toYaml(git.get('ledger')!.filter((o) => o.kind === 'StatefulSet')) });
  const pods = await createPods(ns, 'ledger', 3);
  await timeline.until('a verdict on every ledger pod', pods, (l) => l.notVerifiedAt !== undefined, 60_000);
  await sleep(5000);
  for (const name of pods) {
    const p = await pod(name);
    // The verdict first: should this fail, it says what the watcher saw.
    expect(p.status.conditions.find((c: { type: string }) => c.type === CONDITION)).toMatchObject({ status: 'False', reason: 'UntrustedIssuer' });
    expect(p.spec.schedulingGates).toEqual([{ name: GATE }]);
    expect(p.spec.nodeName).toBeUndefined();
  }
  const fixedAt = Date.now();
  await restoreCa();
  const lives = await timeline.until('ledger running once its CA is right', pods, running);
  await expectSpreadAsRendered('ledger', lives);
  figure(`rogue CA: kept gated (UntrustedIssuer); CA put right → ungated ${JSON.stringify(stats(lives.map((l) => l.ungatedAt! - fixedAt)))} → all Running ${ms(Math.max(...lives.map((l) => l.readyAt!)) - fixedAt)}`);
});

test('the watcher\'s leader killed mid-flow: the follower takes over and the pods it had not ungated run', async () => {
  const old = leader()!;
  const follower = watchers.find((w) => w !== old)!;
  await gitApply('shop', 3); // the Issuer exists: cert-manager issues right away
  const killedAt = Date.now();
  await old.stop('SIGKILL');
  const pods = names('shop', 3);
  await follower.waitLog('became leader', 90_000);
  const tookOverAt = Date.now();
  const lives = await timeline.until('shop running under the new leader', pods, running);
  // Mid-flow: the killed leader had not ungated them all.
  expect(lives.filter((l) => l.ungatedAt! < killedAt).length).toBeLessThan(3);
  expect((await getJson(['get', 'lease', 'pxc-tls-watch', '-n', ns])).spec.holderIdentity).toBe(follower.name);
  figure(`leader SIGKILLed mid-flow: follower leads after ${ms(tookOverAt - killedAt)} (Lease 15 s), shop all Running ${ms(Math.max(...lives.map((l) => l.readyAt!)) - killedAt)} after the kill`);
  // A new replica, so the watcher is two again.
  watchers.push(startWatcher({ name: 'flow-c', kubeconfig, namespaces: [ns], leaseNamespace: ns }));
});

test('GitOps re-apply (server-side, another field manager): the apply reports no change and reverts nothing the watcher or cert-manager wrote', async () => {
  // What is in Git: the rendered objects. The credential Secrets the fixture creates beside them
  // (toApply) are never in Git (no passwords in Git): a user creates them out of band.
  const objects = [...git.values()].flat().filter((o) => !(o.kind === 'Secret' && (o as { type?: string }).type === 'kubernetes.io/basic-auth'));
  const key = (o: KObject) => `${o.kind}/${o.metadata.name}`;
  const live = async () => new Map(await Promise.all(objects.map(async (o) => [key(o), await getJson(['get', o.kind.toLowerCase(), o.metadata.name, '-n', ns, '--show-managed-fields'])] as const)));
  const before = await live();
  const podsBefore = await getJson(['get', 'pods', '-n', ns]);
  // The drift check Flux and Argo CD's server-side diff make: a server-side dry-run apply compared to the live objects.
  const diff = await kubectl(['diff', '--server-side', `--field-manager=${OTHER_GITOPS_MANAGER}`, '-f', '-'], { input: toYaml(objects) });
  expect({ code: diff.code, stdout: diff.stdout, stderr: diff.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
  // The apply itself: no conflict (nothing of Git's is owned by the watcher or cert-manager).
  const r = await kubectl(['apply', '--server-side', `--field-manager=${OTHER_GITOPS_MANAGER}`, '-f', '-'], { input: toYaml(objects) });
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  const after = await live();
  for (const [k, b] of before) {
    const a = after.get(k)!;
    expect({ k, generation: a.metadata.generation, annotations: a.metadata.annotations, labels: a.metadata.labels, spec: a.spec, data: a.data, type: a.type })
      .toEqual({ k, generation: b.metadata.generation, annotations: b.metadata.annotations, labels: b.metadata.labels, spec: b.spec, data: b.data, type: b.type });
  }
  for (const db of git.keys()) {
    const sts = after.get(`StatefulSet/${db}`)!;
    expect(sts.metadata.annotations['pxc-tls.dev/certificates-verdict']).toMatch(/^CertificatesVerified: /);
    expect(sts.metadata.managedFields.filter((m: { manager: string }) => m.manager === 'pxc-tls-watch')).toHaveLength(1);
  }
  // The pods (not in Git) are untouched: same UIDs, ungated, verified.
  const podsAfter = await getJson(['get', 'pods', '-n', ns]);
  expect(podsAfter.items.map((p: KObject) => p.metadata.uid).sort()).toEqual(podsBefore.items.map((p: KObject) => p.metadata.uid).sort());
  for (const p of podsAfter.items) {
    expect(p.spec.schedulingGates ?? []).toEqual([]);
    expect(p.status.conditions).toContainEqual(expect.objectContaining({ type: CONDITION, status: 'True' }));
  }
});

import { GaleraController, nextDecision, type ConfigMapObject, type GaleraWriter } from './galera';
import { galeraMetrics } from './galera-metrics';
import { createLogger } from '../observe/log';
import { Registry } from '../observe/prometheus';
import { GALERA_PROTOCOL, parseDecision, type GaleraDecision, type MemberFacts } from '../model/galera';
import { MEMBER_FACTS_ANNOTATION } from '../model/project';
import { pod, statefulSet } from './testing/objects';
import type { EventObject } from './record';
import type { PodObject, StatefulSetObject } from './types';

const NS = 'demo';
const DB = 'orders';
const CM = 'orders-pxc-tls-galera';
const U1 = '11111111-1111-4111-8111-111111111111';

function facts(member: string, over: Partial<MemberFacts> = {}): MemberFacts {
  return { protocol: GALERA_PROTOCOL, member, round: `r-${member}`, stage: 'waiting', dataDir: 'empty', safeToBootstrap: false, mysqldExits: 0, ...over };
}

function member(ordinal: number, f?: Partial<MemberFacts> | 'none'): PodObject {
  const p = pod(NS, DB, ordinal, { gates: [] });
  if (f !== 'none') p.metadata.annotations = { [MEMBER_FACTS_ANNOTATION]: JSON.stringify(facts(p.metadata.name, f)) };
  return p;
}

/** ConfigMaps and a StatefulSet in memory, with the API server's resourceVersion precondition. */
class FakeApi implements GaleraWriter {
  configMaps = new Map<string, ConfigMapObject>();
  sts: StatefulSetObject | undefined = { ...statefulSet(NS, DB), spec: { replicas: 3 } };
  events: EventObject[] = [];
  writes: string[] = [];
  private rv = 10;
  /** Run just before a write lands (another writer's interleaving). */
  beforeWrite: (() => void) | undefined;

  async getStatefulSet() {
    return this.sts;
  }
  async getConfigMap(_ns: string, name: string) {
    const cm = this.configMaps.get(name);
    return cm ? JSON.parse(JSON.stringify(cm)) : undefined;
  }
  async createConfigMap(_ns: string, object: ConfigMapObject) {
    this.beforeWrite?.();
    if (this.configMaps.has(object.metadata.name)) throw Object.assign(new Error('exists'), { statusCode: 409 });
    this.store(object);
    this.writes.push(`create ${object.metadata.name}`);
  }
  async replaceConfigMap(_ns: string, object: ConfigMapObject) {
    this.beforeWrite?.();
    const existing = this.configMaps.get(object.metadata.name);
    if (!existing || existing.metadata.resourceVersion !== object.metadata.resourceVersion) throw Object.assign(new Error('conflict'), { statusCode: 409 });
    this.store(object);
    this.writes.push(`update ${object.metadata.name}`);
  }
  async createEvent(_ns: string, event: EventObject) {
    this.events.push(event);
  }
  store(object: ConfigMapObject) {
    this.configMaps.set(object.metadata.name, { ...JSON.parse(JSON.stringify(object)), metadata: { ...object.metadata, resourceVersion: String(++this.rv) } });
  }
  decision(): GaleraDecision | undefined {
    const text = this.configMaps.get(CM)?.data?.decision;
    if (!text) return undefined;
    const parsed = parseDecision(text);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.value;
  }
}

function setup(pods: PodObject[], term = 4) {
  const api = new FakeApi();
  const enqueued: string[] = [];
  const lines: string[] = [];
  const registry = new Registry();
  let leader = true;
  const controller: GaleraController = new GaleraController({
    pods: () => pods,
    writer: api,
    isLeader: () => leader,
    synced: () => true,
    leadership: () => ({ identity: 'watch-a', term }),
    metrics: galeraMetrics(registry, (): Map<string, number> => controller.phaseCounts()),
    log: createLogger({ write: (l) => lines.push(l) }),
    now: () => new Date('2026-01-01T00:00:00Z'),
    eventSuffix: () => 'x',
  }, (key) => enqueued.push(key));
  return { api, controller, enqueued, lines, registry, setLeader: (v: boolean) => (leader = v) };
}

test('first start: every member reported empty → the ConfigMap is created with ordinal 0\'s order, the leader\'s term, an owner and readable keys', async () => {
  const { api, controller, registry } = setup([member(0), member(1), member(2)]);
  expect(await controller.reconcile(`${NS}/${DB}`)).toEqual({ recheckAfterMs: 5000 });
  const cm = api.configMaps.get(CM)!;
  expect(cm.metadata.labels).toEqual({ 'pxc-tls.dev/galera-decisions': DB, 'app.kubernetes.io/instance': DB });
  expect(cm.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: DB, uid: `uid-sts-${DB}` }]);
  expect(cm.data).toMatchObject({ phase: 'bootstrap', leader: 'watch-a (term 4)', bootstrap: 'orders-0 runs bootstrap-new-cluster.sh in round r-orders-0 (order 1)' });
  expect(api.decision()).toMatchObject({ sequence: 1, leader: { identity: 'watch-a', term: 4 }, bootstrap: { member: 'orders-0', round: 'r-orders-0' }, replicas: 3 });
  expect(api.events.map((e) => [e.reason, e.involvedObject.kind, e.type])).toEqual([['GaleraBootstrapOrdered', 'StatefulSet', 'Normal']]);
  expect(registry.text()).toMatch(/pxc_tls_galera_bootstrap_orders_total\{script="bootstrap-new-cluster.sh"\} 1/);
});

test('an unchanged decision is not written again (a new leader does not rewrite either)', async () => {
  const { api, controller } = setup([member(0), member(1), member(2)]);
  await controller.reconcile(`${NS}/${DB}`);
  const again = setup([member(0), member(1), member(2)], 5);
  again.api.configMaps = api.configMaps;
  await again.controller.reconcile(`${NS}/${DB}`);
  expect(again.api.writes).toEqual([]);
});

test('the write is a compare-and-swap: a ConfigMap changed meanwhile (409) is decided again, never overwritten', async () => {
  const pods = [member(0), member(1), member(2)];
  const { api, controller, enqueued, registry } = setup(pods);
  await controller.reconcile(`${NS}/${DB}`);
  const before = api.configMaps.get(CM)!;
  api.beforeWrite = () => api.store({ ...before, data: { ...before.data, reason: 'another leader wrote this' } });
  // A Primary now runs: the decision would change to running.
  pods[0] = member(0, { stage: 'running', wsrep: { clusterStatus: 'Primary', localState: 'Synced', clusterSize: 1, clusterStateUuid: U1 } });
  await controller.reconcile(`${NS}/${DB}`);
  expect(api.configMaps.get(CM)!.data!.reason).toBe('another leader wrote this');
  expect(enqueued).toEqual([`${NS}/${DB}`]);
  expect(registry.text()).toMatch(/pxc_tls_galera_write_conflicts_total 1/);
});

test('a decision written by a later term is never overwritten by this (stale) leader', async () => {
  const { api, controller } = setup([member(0), member(1), member(2)], 3);
  const later: GaleraDecision = { protocol: GALERA_PROTOCOL, sequence: 7, leader: { identity: 'watch-b', term: 9 }, phase: 'waiting', reason: 'x', replicas: 3, consumedOverrides: [] };
  api.store({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CM, namespace: NS }, data: { decision: JSON.stringify(later) } });
  await controller.reconcile(`${NS}/${DB}`);
  expect(api.writes).toEqual([]);
  expect(api.decision()).toEqual(later);
});

test('a ConfigMap it cannot read (another protocol) is never overwritten', async () => {
  const { api, controller, lines } = setup([member(0), member(1), member(2)]);
  api.store({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CM, namespace: NS }, data: { decision: JSON.stringify({ protocol: 2 }) } });
  expect(await controller.reconcile(`${NS}/${DB}`)).toEqual({ recheckAfterMs: 60_000 });
  expect(api.writes).toEqual([]);
  expect(lines.join('')).toMatch(/the decisions ConfigMap is unreadable; not deciding.*speaks protocol 2/);
});

test('only the leader writes', async () => {
  const { api, controller, setLeader } = setup([member(0), member(1), member(2)]);
  setLeader(false);
  await controller.reconcile(`${NS}/${DB}`);
  expect(api.writes).toEqual([]);
});

test('a database whose pods never reported facts (no agent: kubedb mode) is left alone', async () => {
  const { api, controller } = setup([member(0, 'none'), member(1, 'none'), member(2, 'none')]);
  expect(await controller.reconcile(`${NS}/${DB}`)).toBeUndefined();
  expect(api.writes).toEqual([]);
});

test('the replica count comes from the StatefulSet: a member beyond it does not count, a missing one is waited for', async () => {
  const { api, controller } = setup([member(0), member(1), member(2), member(3, { dataDir: 'initialised', uuid: U1, seqno: 99 })]);
  await controller.reconcile(`${NS}/${DB}`);
  expect(api.decision()?.bootstrap?.member).toBe('orders-0');
  const five = setup([member(0), member(1), member(2)]);
  five.api.sts = { ...statefulSet(NS, DB), spec: { replicas: 5 } };
  await five.controller.reconcile(`${NS}/${DB}`);
  expect(five.api.decision()).toMatchObject({ phase: 'waiting', replicas: 5 });
  expect(five.api.decision()!.reason).toMatch(/orders-3 has no pod; orders-4 has no pod/);
});

test('a force-bootstrap request is acted on once and its nonce recorded', async () => {
  const data = { dataDir: 'initialised' as const, uuid: U1 };
  const { api, controller } = setup([member(0, { ...data, seqno: 5 }), member(1, { ...data, seqno: 9 })]);
  api.store({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'orders-pxc-tls-force-bootstrap', namespace: NS }, data: { member: 'orders-0', nonce: 'ticket-42' } });
  await controller.reconcile(`${NS}/${DB}`);
  expect(api.decision()).toMatchObject({ phase: 'bootstrap', bootstrap: { member: 'orders-0', override: 'ticket-42' }, consumedOverrides: ['ticket-42'] });
});

test('nextDecision: a new order raises the sequence and files the ended one as previous', () => {
  const leader = { identity: 'w', term: 1 };
  const first = nextDecision(undefined, { phase: 'bootstrap', bootstrap: { member: 'a-0', round: 'r1', script: 'bootstrap-new-cluster.sh' }, reason: 'x' }, leader, 3);
  const same = nextDecision(first, { phase: 'bootstrap', bootstrap: { member: 'a-0', round: 'r1', script: 'bootstrap-new-cluster.sh' }, reason: 'x' }, leader, 3);
  const running = nextDecision(same, { phase: 'running', reason: 'y' }, leader, 3);
  const again = nextDecision(running, { phase: 'bootstrap', bootstrap: { member: 'a-1', round: 'r7', script: 'after-crash-bootstrap.sh' }, reason: 'z' }, leader, 3);
  expect([first.sequence, same.sequence, running.sequence, again.sequence]).toEqual([1, 1, 1, 2]);
  expect(running.previousBootstrap).toEqual(first.bootstrap);
  expect(again.previousBootstrap).toEqual(first.bootstrap);
});

test('certificate restarts: one member at a time through the decisions ConfigMap, the next once the previous is Synced again', async () => {
  const synced = (size = 3) => ({ stage: 'running' as const, dataDir: 'initialised' as const, wsrep: { clusterStatus: 'Primary', localState: 'Synced', clusterSize: size, clusterStateUuid: U1 } });
  const needs = { tlsReload: { served: 'AA:OLD', pending: 'BB:NEW', needsRestart: true, reason: 'galera: no socket.ssl_reload' } };
  const pods = [member(0, { ...synced(), ...needs }), member(1, { ...synced(), ...needs }), member(2, { ...synced(), ...needs })];
  const { api, controller, registry } = setup(pods);
  expect(await controller.reconcile(`${NS}/${DB}`)).toEqual({ recheckAfterMs: 5000 });
  expect(api.decision()).toMatchObject({ phase: 'running', restart: { member: 'orders-2', round: 'r-orders-2', fingerprint: 'BB:NEW' } });
  expect(api.configMaps.get(CM)!.data!.restart).toBe('orders-2 restarts mysqld in round r-orders-2 to serve certificate BB:NEW');
  expect(api.events.map((e) => e.reason)).toEqual(['CertificateRestartOrdered']);
  expect(registry.text()).toMatch(/pxc_tls_galera_restart_orders_total 1/);

  // orders-2 restarts: a new round, not Synced yet; the others in a component of 2 → no next order.
  pods[0] = member(0, { ...synced(2), ...needs });
  pods[1] = member(1, { ...synced(2), ...needs });
  pods[2] = member(2, { round: 'r2-next', stage: 'starting', dataDir: 'initialised', tlsReload: { served: 'BB:NEW' } });
  await controller.reconcile(`${NS}/${DB}`);
  expect(api.decision()!.restart).toBeUndefined();
  expect(api.decision()!.reason).toMatch(/certificate restart over: orders-2 restarted/);

  // Back Synced in the full component → the next, highest ordinal first.
  pods[0] = member(0, { ...synced(), ...needs });
  pods[1] = member(1, { ...synced(), ...needs });
  pods[2] = member(2, { round: 'r2-next', ...synced(), tlsReload: { served: 'BB:NEW' } });
  await controller.reconcile(`${NS}/${DB}`);
  expect(api.decision()!.restart).toEqual({ member: 'orders-1', round: 'r-orders-1', fingerprint: 'BB:NEW' });
  expect(registry.text()).toMatch(/pxc_tls_galera_restart_orders_total 2/);
});

test('a CA change: present once every member trusts the new CA, retire once every member serves it, then no order — through the decisions ConfigMap, with Events', async () => {
  const synced = { stage: 'running' as const, dataDir: 'initialised' as const, wsrep: { clusterStatus: 'Primary', localState: 'Synced', clusterSize: 3, clusterStateUuid: U1 } };
  const trusting = { tlsReload: { served: 'leaf-old', servedCa: 'CA:OLD', trusted: ['CA:OLD', 'CA:NEW'], waitingCa: 'CA:NEW' } };
  const pods = [member(0, { ...synced, ...trusting }), member(1, { ...synced, tlsReload: { served: 'leaf-old', servedCa: 'CA:OLD', trusted: ['CA:OLD'] } }), member(2, { ...synced, ...trusting })];
  const { api, controller, registry } = setup(pods);
  await controller.reconcile(`${NS}/${DB}`);
  expect(api.decision()!.caChange).toBeUndefined();
  expect(api.decision()!.reason).toMatch(/not yet: orders-1/);

  pods[1] = member(1, { ...synced, ...trusting });
  await controller.reconcile(`${NS}/${DB}`);
  expect(api.decision()).toMatchObject({ phase: 'running', caChange: { ca: 'CA:NEW', stage: 'present' } });
  expect(api.configMaps.get(CM)!.data!.caChange).toBe('present CA CA:NEW');
  expect(api.events.map((e) => e.reason)).toContain('CAChangePresent');

  const presented = { tlsReload: { served: 'leaf-new', servedCa: 'CA:NEW', trusted: ['CA:OLD', 'CA:NEW'] } };
  for (const i of [0, 1, 2]) pods[i] = member(i, { ...synced, ...presented });
  await controller.reconcile(`${NS}/${DB}`);
  expect(api.decision()!.caChange).toEqual({ ca: 'CA:NEW', stage: 'retire' });
  expect(api.events.map((e) => e.reason)).toContain('CAChangeRetire');

  for (const i of [0, 1, 2]) pods[i] = member(i, { ...synced, tlsReload: { served: 'leaf-new', servedCa: 'CA:NEW', trusted: ['CA:NEW'] } });
  await controller.reconcile(`${NS}/${DB}`);
  expect(api.decision()!.caChange).toBeUndefined();
  expect(registry.text()).toContain('pxc_tls_galera_ca_change_orders_total{stage="present"} 1');
  expect(registry.text()).toContain('pxc_tls_galera_ca_change_orders_total{stage="retire"} 1');
});

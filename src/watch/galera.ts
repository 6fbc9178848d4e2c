/**
 * The leader's Galera reconcile of one database: gather (the pods' member facts from the informer
 * cache; the StatefulSet's replicas, the decisions ConfigMap and a force-bootstrap request by
 * name) → decide (galera-decider.ts, pure) → write the decision only when it changed, as a
 * compare-and-swap on the ConfigMap's resourceVersion, carrying the leader's identity and term.
 *
 * Fencing, in three layers: only the leader writes (checked right before the request); the write
 * is conditional on the resourceVersion it was decided from (a leader deciding from a ConfigMap
 * another leader has since written gets 409 and decides again); and a leader never overwrites a
 * decision written by a later term (a stale leader that has not noticed yet stands down). Agents,
 * for their part, execute an order only in the round it names, and never while a Primary runs.
 */
import { GALERA_DECISIONS_LABEL, MEMBER_FACTS_ANNOTATION } from '../model/project';
import { forceBootstrapName, galeraDecisionsName, memberName } from '../model/names';
import { LABEL } from '../model/kubedb';
import { GALERA_PROTOCOL, parseDecision, parseForceBootstrap, parseMemberFacts, type BootstrapOrder, type ForceBootstrap, type GaleraDecision, type Phase } from '../model/galera';
import { decide, type MemberView, type Verdict } from './galera-decider';
import { decideCaChange } from './ca-change-decider';
import { decideRestart } from './restart-decider';
import type { Logger } from '../observe/log';
import type { EventObject } from './record';
import { rfc3339 } from './record';
import { databaseOf } from './requirements';
import { databaseKey, splitKey, type PodObject, type StatefulSetObject } from './types';
import type { WorkResult } from './queue';
import { statusOf } from './controller';
import type { GaleraMetrics } from './galera-metrics';

export interface ConfigMapObject {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: { name: string; namespace: string; resourceVersion?: string; labels?: Record<string, string>; ownerReferences?: object[] };
  data?: Record<string, string>;
}

export interface GaleraWriter {
  getStatefulSet(namespace: string, name: string): Promise<StatefulSetObject | undefined>;
  getConfigMap(namespace: string, name: string): Promise<ConfigMapObject | undefined>;
  /** Throws with statusCode 409 when it exists. */
  createConfigMap(namespace: string, object: ConfigMapObject): Promise<void>;
  /** PUT with metadata.resourceVersion: throws with statusCode 409 when it changed since. */
  replaceConfigMap(namespace: string, object: ConfigMapObject): Promise<void>;
  createEvent(namespace: string, event: EventObject): Promise<void>;
}

export interface GaleraDeps {
  /** From the informer cache; undefined: every watched namespace. */
  pods(namespace?: string): PodObject[];
  writer: GaleraWriter;
  isLeader(): boolean;
  synced(): boolean;
  /** The leader's identity and term (the Lease's leaseTransitions it holds). */
  leadership(): { identity: string; term: number };
  metrics: GaleraMetrics;
  log: Logger;
  now(): Date;
  eventSuffix(): string;
  /** How soon a database that is not running is looked at again without events (default 5 s). */
  recheckMs?: number;
}

const sameOrder = (a: BootstrapOrder | undefined, b: BootstrapOrder | undefined) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
/** How many consumed force-bootstrap nonces the decision remembers. */
const CONSUMED_KEPT = 20;

/** The next decision document from the standing one and the verdict (pure). */
export function nextDecision(current: GaleraDecision | undefined, verdict: Verdict, leader: { identity: string; term: number }, replicas: number): GaleraDecision {
  const newOrder = verdict.bootstrap !== undefined && !sameOrder(verdict.bootstrap, current?.bootstrap);
  const decision: GaleraDecision = {
    protocol: GALERA_PROTOCOL,
    sequence: (current?.sequence ?? 0) + (newOrder ? 1 : 0),
    leader,
    phase: verdict.phase,
    reason: verdict.reason,
    replicas,
    consumedOverrides: [...(current?.consumedOverrides ?? []), ...(verdict.consume && !current?.consumedOverrides.includes(verdict.consume) ? [verdict.consume] : [])].slice(-CONSUMED_KEPT),
  };
  if (verdict.bootstrap) decision.bootstrap = verdict.bootstrap;
  if (verdict.restart && verdict.phase === 'running') decision.restart = verdict.restart;
  if (verdict.caChange) decision.caChange = verdict.caChange;
  const ended = current?.bootstrap && !sameOrder(current.bootstrap, verdict.bootstrap) ? current.bootstrap : current?.previousBootstrap;
  if (ended) decision.previousBootstrap = ended;
  return decision;
}

/** Whether two decisions say the same (who wrote it does not count: a new leader need not rewrite). */
export function sameDecision(a: GaleraDecision | undefined, b: GaleraDecision): boolean {
  if (!a) return false;
  const strip = ({ leader: _leader, ...rest }: GaleraDecision) => JSON.stringify(rest);
  return strip(a) === strip(b);
}

/** The ConfigMap's data: the document the agents read, and one-line keys for people (kubectl get -o yaml). */
export function decisionData(decision: GaleraDecision): Record<string, string> {
  const data: Record<string, string> = {
    decision: JSON.stringify(decision),
    phase: decision.phase,
    reason: decision.reason,
    leader: `${decision.leader.identity} (term ${decision.leader.term})`,
  };
  if (decision.bootstrap) data.bootstrap = `${decision.bootstrap.member} runs ${decision.bootstrap.script} in round ${decision.bootstrap.round} (order ${decision.sequence})`;
  if (decision.caChange) data.caChange = `${decision.caChange.stage} CA ${decision.caChange.ca}`;
  if (decision.restart) data.restart = `${decision.restart.member} restarts mysqld in round ${decision.restart.round} to serve certificate ${decision.restart.fingerprint}`;
  return data;
}

/** The bootstrap verdict with the certificate decisions folded in: a restart (phase running only), a CA change's stage. */
export function withCertificateOrders(verdict: Verdict, replicas: number, members: MemberView[], current: GaleraDecision | undefined): Verdict {
  const restart = decideRestart({ replicas, members, bootstrapping: verdict.phase !== 'running', ...(current?.restart ? { current: current.restart } : {}) });
  const caChange = decideCaChange({ replicas, members });
  const reason = [verdict.reason, restart.reason, caChange.reason].filter((r) => r).join('; ');
  return { ...verdict, reason, ...(restart.order ? { restart: restart.order } : {}), ...(caChange.order ? { caChange: caChange.order } : {}) };
}

export class GaleraController {
  /** Latest phase per database the leader decided for (for the gauge). */
  private readonly phases = new Map<string, Phase>();
  /** The member-facts text last seen per pod (`namespace/name`), to log changes once. */
  private readonly seenFacts = new Map<string, string>();

  constructor(private readonly deps: GaleraDeps, private readonly enqueue: (key: string) => void) {}

  phaseCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const phase of this.phases.values()) counts.set(phase, (counts.get(phase) ?? 0) + 1);
    return counts;
  }

  onPod(verb: 'add' | 'update' | 'delete', pod: PodObject): void {
    const db = databaseOf(pod);
    const namespace = pod.metadata.namespace;
    if (!db || !namespace) return;
    const id = `${namespace}/${pod.metadata.name}`;
    const text = pod.metadata.annotations?.[MEMBER_FACTS_ANNOTATION];
    if (verb === 'delete') this.seenFacts.delete(id);
    else if (text !== undefined && this.seenFacts.get(id) !== text) {
      this.seenFacts.set(id, text);
      const parsed = parseMemberFacts(text);
      this.deps.log.info('member facts', { database: databaseKey(namespace, db), pod: pod.metadata.name, ...(parsed.ok ? { facts: parsed.value } : { error: parsed.error }) });
    }
    // Only databases whose pods run our agent: a pod that never reported is not ours to decide for.
    if (text !== undefined || verb === 'delete' || this.phases.has(databaseKey(namespace, db))) this.enqueue(databaseKey(namespace, db));
  }

  enqueueAll(): void {
    const keys = new Set<string>();
    for (const pod of this.deps.pods()) {
      const db = databaseOf(pod);
      if (db && pod.metadata.namespace && pod.metadata.annotations?.[MEMBER_FACTS_ANNOTATION] !== undefined) keys.add(databaseKey(pod.metadata.namespace, db));
    }
    keys.forEach((k) => this.enqueue(k));
  }

  async reconcile(key: string): Promise<WorkResult> {
    const { deps } = this;
    if (!deps.isLeader() || !deps.synced()) return;
    const { namespace, name } = splitKey(key);
    const log = deps.log.with({ database: key });
    const pods = deps.pods(namespace).filter((p) => databaseOf(p) === name);
    if (!pods.some((p) => p.metadata.annotations?.[MEMBER_FACTS_ANNOTATION] !== undefined)) {
      this.phases.delete(key);
      return;
    }
    const sts = await this.call('get-statefulset', () => deps.writer.getStatefulSet(namespace, name));
    if (!sts) {
      this.phases.delete(key);
      return; // deleted: nothing to decide for
    }
    const replicas = sts.spec?.replicas ?? 1;
    const cmName = galeraDecisionsName(name);
    const cm = await this.call('get-configmap', () => deps.writer.getConfigMap(namespace, cmName));
    let current: GaleraDecision | undefined;
    if (cm?.data?.decision !== undefined) {
      const parsed = parseDecision(cm.data.decision);
      if (!parsed.ok) {
        // Never overwrite what we cannot read: it may be a newer watcher's (another protocol).
        log.warn('the decisions ConfigMap is unreadable; not deciding', { configMap: cmName, error: parsed.error });
        return { recheckAfterMs: 60_000 };
      }
      current = parsed.value;
    }
    const force = await this.forceRequest(namespace, name, log);
    const members: MemberView[] = Array.from({ length: replicas }, (_, ordinal) => this.memberView(pods, name, ordinal));
    const verdict = withCertificateOrders(decide({ replicas, members, ...(current ? { current } : {}), ...(force ? { force } : {}) }), replicas, members, current);
    const leader = deps.leadership();
    const next = nextDecision(current, verdict, leader, replicas);
    this.phases.set(key, next.phase);
    // A standing restart order is looked at again without events too (its member's facts may lag).
    const recheck: WorkResult = next.phase === 'running' && !next.restart ? undefined : { recheckAfterMs: deps.recheckMs ?? 5_000 };
    if (sameDecision(current, next)) return recheck;
    if (current && current.leader.term > leader.term && current.leader.identity !== leader.identity) {
      log.warn('a leader of a later term wrote the decisions; standing down', { theirs: current.leader, ours: leader });
      return recheck;
    }
    if (!deps.isLeader()) return;
    const object: ConfigMapObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: cmName,
        namespace,
        labels: { [GALERA_DECISIONS_LABEL]: name, [LABEL.instance]: name },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name, uid: sts.metadata.uid }],
        ...(cm?.metadata.resourceVersion ? { resourceVersion: cm.metadata.resourceVersion } : {}),
      },
      data: decisionData(next),
    };
    try {
      if (cm) await deps.writer.replaceConfigMap(namespace, object);
      else await deps.writer.createConfigMap(namespace, object);
    } catch (error) {
      if (statusOf(error) === 409) {
        deps.metrics.conflicts.inc();
        log.info('the decisions changed since they were read; deciding again', { configMap: cmName });
        this.enqueue(key);
        return;
      }
      deps.metrics.apiErrors.inc({ operation: cm ? 'update-configmap' : 'create-configmap' });
      throw error;
    }
    deps.metrics.decisions.inc({ phase: next.phase });
    const newOrder = next.bootstrap && !sameOrder(next.bootstrap, current?.bootstrap);
    if (newOrder) deps.metrics.orders.inc({ script: next.bootstrap!.script });
    const newRestart = next.restart && JSON.stringify(next.restart) !== JSON.stringify(current?.restart ?? null);
    if (newRestart) deps.metrics.restartOrders.inc();
    log.info(`decision: ${next.phase}`, { decision: next, members: members.map((m) => ({ member: m.name, pod: m.pod, facts: m.facts, error: m.factsError })) });
    const newCaStage = next.caChange && JSON.stringify(next.caChange) !== JSON.stringify(current?.caChange ?? null);
    if (newCaStage) deps.metrics.caChangeOrders.inc({ stage: next.caChange!.stage });
    if (newOrder || newRestart || newCaStage || current?.phase !== next.phase || verdict.consume) await this.event(namespace, sts, next, log);
    return recheck;
  }

  private memberView(pods: PodObject[], db: string, ordinal: number): MemberView {
    const name = memberName(db, ordinal);
    const pod = pods.find((p) => p.metadata.name === name && !p.metadata.deletionTimestamp);
    const view: MemberView = { name, ordinal, pod: !!pod };
    const text = pod?.metadata.annotations?.[MEMBER_FACTS_ANNOTATION];
    if (text === undefined) return view;
    const parsed = parseMemberFacts(text);
    if (!parsed.ok) view.factsError = parsed.error;
    else if (parsed.value.member !== name) view.factsError = `the facts name ${parsed.value.member}`;
    else view.facts = parsed.value;
    return view;
  }

  private async forceRequest(namespace: string, db: string, log: Logger): Promise<ForceBootstrap | undefined> {
    const cm = await this.call('get-configmap', () => this.deps.writer.getConfigMap(namespace, forceBootstrapName(db)));
    if (!cm) return undefined;
    const parsed = parseForceBootstrap(cm.data);
    if (!parsed.ok) {
      log.warn('force-bootstrap request ignored', { configMap: forceBootstrapName(db), error: parsed.error });
      return undefined;
    }
    return parsed.value;
  }

  private async call<T>(operation: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (error) {
      this.deps.metrics.apiErrors.inc({ operation });
      throw error;
    }
  }

  private async event(namespace: string, sts: StatefulSetObject, decision: GaleraDecision, log: Logger): Promise<void> {
    const caChange = decision.caChange ? ({ present: 'CAChangePresent', retire: 'CAChangeRetire' } as const)[decision.caChange.stage] : undefined;
    const reason = decision.restart ? 'CertificateRestartOrdered' : caChange ?? { running: 'GaleraPrimaryComponent', waiting: 'GaleraWaiting', bootstrap: 'GaleraBootstrapOrdered', blocked: 'GaleraBootstrapBlocked' }[decision.phase];
    const now = rfc3339(this.deps.now());
    const order = decision.bootstrap ? `${decision.bootstrap.member} runs ${decision.bootstrap.script}: ` : decision.restart ? `${decision.restart.member} restarts mysqld: ` : '';
    const event: EventObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${sts.metadata.name}.${this.deps.eventSuffix()}`, namespace },
      involvedObject: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: sts.metadata.name, namespace, ...(sts.metadata.uid ? { uid: sts.metadata.uid } : {}) },
      reason,
      message: `${order}${decision.reason}`.slice(0, 1024),
      type: decision.phase === 'blocked' ? 'Warning' : 'Normal',
      source: { component: 'pxc-tls-watch' },
      reportingComponent: 'pxc-tls.dev/watch',
      reportingInstance: decision.leader.identity,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    try {
      await this.deps.writer.createEvent(namespace, event);
    } catch (error) {
      this.deps.metrics.apiErrors.inc({ operation: 'create-event' });
      log.warn('could not record an event', { reason, error });
    }
  }
}

/**
 * The reconcile of one database (`namespace/name`), serialised per key by the queue and
 * idempotent: gather (informer caches only) → evaluate (the pure chain) → act only when
 * something must change (a gate to remove, a condition that differs, a StatefulSet annotation
 * that differs). Only the leader acts; followers keep their caches warm and track when they first
 * saw each pod gated.
 */
import { NOT_YET_VALID } from '../tls/checks';
import { gateIndex, removeGatePatch, type JsonPatchOp } from './gate';
import type { Logger } from './log';
import type { WatcherMetrics } from './metrics';
import {
  annotationUpToDate, composeAnnotation, conditionPatch, conditionUpToDate, controllerEvent, currentCondition, desiredCondition, gatePartOf, podEvent,
  statefulSetsOf, warningsPartOf, VERDICT_ANNOTATION, verdictAnnotation, verdictAnnotationPatch, type EventObject, type VerdictAnnotationPatch, type Warning,
} from './record';
import { databaseOf, databaseRequirements, isGated } from './requirements';
import { databaseKey, splitKey, type CertificateObject, type DatabaseKey, type OwnerReference, type PodObject, type SecretObject, type StatefulSetObject } from './types';
import { databaseVerdict, type DatabaseVerdict } from '../tls/verdict';
import type { WorkResult } from './queue';

/** Reads from the informer caches. */
export interface Caches {
  pods(namespace?: string): PodObject[];
  secret(namespace: string, name: string): SecretObject | undefined;
  certificates(namespace: string): CertificateObject[];
}

/** Writes, and the one read by name, each one API call (see api-calls.ts). Errors carry the HTTP status as `statusCode`. */
export interface Writer {
  patchPod(namespace: string, name: string, patch: JsonPatchOp[]): Promise<void>;
  patchPodStatus(namespace: string, name: string, body: object): Promise<void>;
  createEvent(namespace: string, event: EventObject): Promise<void>;
  /** undefined when the StatefulSet does not exist. */
  getStatefulSet(namespace: string, name: string): Promise<StatefulSetObject | undefined>;
  /** A JSON merge patch of the verdict annotation (field manager `pxc-tls-watch`). */
  patchStatefulSet(namespace: string, name: string, patch: VerdictAnnotationPatch): Promise<void>;
}

/** A verdict annotation to check on (and write to, when it differs) the database's StatefulSets. */
interface AnnotationDue {
  namespace: string;
  owners: OwnerReference[];
  /** The gate's verdict; undefined: keep the one the StatefulSet shows (a warnings-only change of a settled database). */
  gate?: string;
  /** undefined: not known yet (the renewal monitor has not looked at the database): keep those shown. */
  warnings?: Warning[];
}

export interface ControllerDeps {
  caches: Caches;
  writer: Writer;
  isLeader(): boolean;
  /** True once every informer has listed: before that a missing Secret may only be not listed yet. */
  synced(): boolean;
  clusterDomain: string;
  identity: string;
  metrics: WatcherMetrics;
  log: Logger;
  now(): Date;
  monotonic(): number;
  eventSuffix(): string;
  /** How soon a failing verdict is looked at again without any event (time-based checks). */
  recheckMs?: number;
  /** The database's current warnings (renewal.ts: the CA's key rotation, served certificates), shown after the verdict; undefined until known. */
  warnings?(key: DatabaseKey): Warning[] | undefined;
}

export function statusOf(error: unknown): number | undefined {
  const e = error as { statusCode?: unknown; code?: unknown };
  if (typeof e?.statusCode === 'number') return e.statusCode;
  if (typeof e?.code === 'number') return e.code;
  return undefined;
}

function podId(pod: PodObject): string {
  return pod.metadata.uid ?? `${pod.metadata.namespace}/${pod.metadata.name}`;
}

export class Controller {
  /** Monotonic ms at which this replica first saw each gated pod (for the latency histogram). */
  private readonly firstSeenGated = new Map<string, number>();
  /** Latest verdict reason per database with pods to settle (for the gauge). */
  private readonly verdicts = new Map<string, string>();
  /** The verdict annotation this replica last read on or wrote to each StatefulSet (`namespace/name`). */
  private readonly shown = new Map<string, { uid: string; value: string }>();
  /** Annotations still to check or write, per database: kept until done, so a failed write is retried. */
  private readonly annotationsDue = new Map<DatabaseKey, AnnotationDue>();
  /** Databases whose warnings changed since their annotation was last looked at. */
  private readonly warningsChangedFor = new Set<DatabaseKey>();

  constructor(private readonly deps: ControllerDeps, private readonly enqueue: (key: string) => void) {}

  verdictCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const reason of this.verdicts.values()) counts.set(reason, (counts.get(reason) ?? 0) + 1);
    return counts;
  }

  gatedPods(): number {
    return this.deps.caches.pods().filter((p) => isGated(p)).length;
  }

  onPod(verb: 'add' | 'update' | 'delete', pod: PodObject): void {
    const id = podId(pod);
    // Kept until the pod is deleted or its ungating is measured: the watch may report our own
    // gate removal before the patch's response is read.
    if (verb === 'delete') this.firstSeenGated.delete(id);
    else if (isGated(pod) && !this.firstSeenGated.has(id)) this.firstSeenGated.set(id, this.deps.monotonic());
    const db = databaseOf(pod);
    if (db && pod.metadata.namespace) this.enqueue(databaseKey(pod.metadata.namespace, db));
  }

  /** A Secret or Certificate changed: every database whose pods mount that Secret. */
  onSecretName(namespace: string | undefined, secretName: string | undefined): void {
    if (!namespace || !secretName) return;
    const keys = new Set<string>();
    for (const pod of this.deps.caches.pods(namespace)) {
      const db = databaseOf(pod);
      if (db && (pod.spec?.volumes ?? []).some((v) => v.secret?.secretName === secretName)) keys.add(databaseKey(namespace, db));
    }
    keys.forEach((k) => this.enqueue(k));
  }

  /** The warnings of a database changed: its annotation is looked at again, whether or not it has pods to settle. */
  warningsChanged(key: DatabaseKey): void {
    this.warningsChangedFor.add(key);
    this.enqueue(key);
  }

  /** Every database with a pod to settle (after a relist, on becoming leader). */
  enqueueAll(): void {
    const keys = new Set<string>();
    for (const pod of this.deps.caches.pods()) {
      // A relist delivers no per-pod events: start the latency clock of pods seen gated for the first time.
      if (isGated(pod) && !this.firstSeenGated.has(podId(pod))) this.firstSeenGated.set(podId(pod), this.deps.monotonic());
      const db = databaseOf(pod);
      if (db && pod.metadata.namespace && toSettle(pod)) keys.add(databaseKey(pod.metadata.namespace, db));
    }
    keys.forEach((k) => this.enqueue(k));
  }

  /**
   * `superseded`: the key was enqueued again meanwhile (the queue runs it once more). The
   * conditions, events and annotation of a verdict already superseded are left to that next run —
   * under load they are what stands between a Secret's fill and the gate's removal — unless this
   * run removed gates: an ungated pod without a condition is settled, no later run would record it.
   */
  async reconcile(key: string, superseded: () => boolean = () => false): Promise<WorkResult> {
    const { deps } = this;
    if (!deps.isLeader() || !deps.synced()) return; // the last informer's sync enqueues everything again
    const { namespace, name } = splitKey(key);
    const live = deps.caches.pods(namespace).filter((p) => databaseOf(p) === name && !p.metadata.deletionTimestamp);
    const pods = live.filter(toSettle);
    const warningsChanged = this.warningsChangedFor.delete(key);
    if (pods.length === 0) {
      this.verdicts.delete(key);
      if (warningsChanged) this.warningsDue(key, namespace, live); // the verdict stays as shown
      await this.annotate(key, deps.log.with({ database: key })); // and one that failed after the pods settled
      return;
    }
    const now = deps.now();
    const requirements = databaseRequirements(pods, name, deps.clusterDomain);
    const certificates = deps.caches.certificates(namespace);
    const verdict = databaseVerdict(namespace, requirements, {
      secret: (ns, secretName) => deps.caches.secret(ns, secretName),
      certificatesFor: (_ns, secretName) => certificates.filter((c) => c.spec?.secretName === secretName),
    }, now);
    deps.metrics.verdicts.inc({ reason: verdict.reason });
    const previous = this.verdicts.get(key);
    this.verdicts.set(key, verdict.reason);
    const log = deps.log.with({ database: key });
    if (previous !== verdict.reason) {
      log.info(verdict.verified ? 'certificates verified' : 'certificates not ready', {
        reason: verdict.reason, message: verdict.message, pods: pods.map((p) => p.metadata.name),
        secrets: verdict.results.map((r) => ({ alias: r.alias, secret: r.secretName, reason: r.violation?.reason ?? 'Verified' })),
      });
    }

    const ungated = new Set<PodObject>();
    if (verdict.verified) {
      const removed = await Promise.all(pods.filter((p) => isGated(p)).map(async (pod) => (deps.isLeader() && (await this.ungate(pod, log)) ? pod : undefined)));
      removed.forEach((pod) => pod && ungated.add(pod));
    }
    if (ungated.size === 0 && superseded()) return;
    const podsChanged = (await this.record(pods, verdict, ungated, log)) || ungated.size > 0;
    if (verdict.verified) this.verdicts.delete(key);
    this.annotationDue(key, namespace, pods, verdict, podsChanged); // and written now: the next run may find nothing changed
    await this.annotate(key, log);
    if (!verdict.verified) return { recheckAfterMs: verdict.reason === NOT_YET_VALID ? 2000 : deps.recheckMs ?? 30_000 };
    return;
  }

  private async ungate(pod: PodObject, log: Logger): Promise<boolean> {
    const { deps } = this;
    const patch = removeGatePatch(pod);
    if (!patch) return false;
    const ns = pod.metadata.namespace ?? '';
    try {
      await deps.writer.patchPod(ns, pod.metadata.name, patch);
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) return false; // gone meanwhile
      deps.metrics.apiErrors.inc({ operation: 'patch-pod' });
      // 422 (the test op failed: the gates moved) or 409: our cache is behind; the pod's update
      // event will bring the key back. Anything else is retried by the queue.
      if (status === 422 || status === 409) {
        log.warn('gate patch refused; waiting for the pod to change', { pod: pod.metadata.name, status, index: gateIndex(pod) });
        return false;
      }
      throw error;
    }
    const first = this.firstSeenGated.get(podId(pod));
    this.firstSeenGated.delete(podId(pod));
    if (first !== undefined) deps.metrics.ungateLatency.observe((deps.monotonic() - first) / 1000);
    deps.metrics.ungated.inc();
    log.info('scheduling gate removed', { pod: pod.metadata.name });
    return true;
  }

  /** The verdict on each pod (condition + event, only when it changes; pods in parallel) and one event on their controller; true if a condition changed. */
  private async record(pods: PodObject[], verdict: DatabaseVerdict, ungated: Set<PodObject>, log: Logger): Promise<boolean> {
    const { deps } = this;
    const desired = desiredCondition(verdict);
    const outcomes = await Promise.allSettled(pods.filter((pod) => !conditionUpToDate(pod, desired)).map(async (pod) => {
      if (!deps.isLeader()) return undefined;
      try {
        await deps.writer.patchPodStatus(pod.metadata.namespace ?? '', pod.metadata.name, conditionPatch(pod, desired, deps.now()));
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        deps.metrics.apiErrors.inc({ operation: 'patch-pod-status' });
        throw error;
      }
      await this.emit(podEvent(pod, verdict, ungated.has(pod), this.eventContext()), log);
      return pod;
    }));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    const changed = outcomes.flatMap((o) => (o.status === 'fulfilled' && o.value ? [o.value] : []));
    const summary = controllerEvent(changed, verdict, ungated.size, this.eventContext());
    if (summary) await this.emit(summary, log);
    return changed.length > 0;
  }

  /**
   * Which StatefulSets to look at: those whose annotation this replica has not seen at this
   * verdict (a new verdict, a new leader, a new StatefulSet), and all of them when the reconcile
   * changed pods — a pod restarted or rolled, which is also when a `Replace=true` sync may have
   * dropped the annotation. A failing verdict re-checked every 30 s with nothing changed costs no call.
   */
  private annotationDue(key: DatabaseKey, namespace: string, pods: PodObject[], verdict: DatabaseVerdict, podsChanged: boolean): void {
    const gate = verdictAnnotation(verdict);
    const warnings = this.deps.warnings?.(key);
    const owners = statefulSetsOf(pods).filter((o) => {
      const seen = this.shown.get(`${namespace}/${o.name}`);
      return podsChanged || !seen || seen.uid !== o.uid || seen.value !== composeAnnotation(gate, warnings ?? warningsPartOf(seen.value));
    });
    if (owners.length > 0) this.annotationsDue.set(key, { namespace, owners, gate, ...(warnings ? { warnings } : {}) });
    else this.annotationsDue.delete(key);
  }

  /**
   * A settled database whose warnings changed: its StatefulSets, unless this replica last saw them
   * showing exactly these warnings (after the verdict it showed then). No verdict is judged.
   */
  private warningsDue(key: DatabaseKey, namespace: string, pods: PodObject[]): void {
    const warnings = this.deps.warnings?.(key);
    if (!warnings) return; // not known yet: nothing changed
    const previous = this.annotationsDue.get(key);
    const owners = statefulSetsOf(pods).filter((o) => {
      const seen = this.shown.get(`${namespace}/${o.name}`);
      return !seen || seen.uid !== o.uid || seen.value !== composeAnnotation(gatePartOf(seen.value), warnings);
    });
    if (owners.length === 0) return;
    // A verdict still due (a write that failed) keeps its gate part; the warnings are the latest.
    this.annotationsDue.set(key, { namespace, owners, ...(previous?.gate !== undefined ? { gate: previous.gate } : {}), warnings });
  }

  /** GET each due StatefulSet and patch the annotation where it is missing or differs. Throws (for the queue's backoff) when a call failed. */
  private async annotate(key: DatabaseKey, log: Logger): Promise<void> {
    const due = this.annotationsDue.get(key);
    if (!due) return;
    const remaining: OwnerReference[] = [];
    let failure: unknown;
    for (const owner of due.owners) {
      try {
        if (!(await this.annotateOne(due.namespace, owner, due, log))) remaining.push(owner);
      } catch (error) {
        remaining.push(owner);
        failure ??= error;
      }
    }
    if (remaining.length === 0) this.annotationsDue.delete(key);
    else this.annotationsDue.set(key, { ...due, owners: remaining });
    if (failure !== undefined) throw failure;
  }

  /** True when done (shown, written, or nothing to annotate); false when no longer leader. */
  private async annotateOne(namespace: string, owner: OwnerReference, due: AnnotationDue, log: Logger): Promise<boolean> {
    const { deps } = this;
    const id = `${namespace}/${owner.name}`;
    if (!deps.isLeader()) return false;
    let sts: StatefulSetObject | undefined;
    try {
      sts = await deps.writer.getStatefulSet(namespace, owner.name);
    } catch (error) {
      deps.metrics.apiErrors.inc({ operation: 'get-statefulset' });
      throw error;
    }
    if (!sts || sts.metadata.uid !== owner.uid) {
      this.shown.delete(id); // gone, or the name belongs to another StatefulSet now: its own pods will say
      return true;
    }
    const current = sts.metadata.annotations?.[VERDICT_ANNOTATION];
    const value = composeAnnotation(due.gate ?? gatePartOf(current), due.warnings ?? warningsPartOf(current));
    if (annotationUpToDate(sts, value)) {
      this.shown.set(id, { uid: owner.uid, value });
      return true;
    }
    if (!deps.isLeader()) return false;
    try {
      await deps.writer.patchStatefulSet(namespace, owner.name, verdictAnnotationPatch(owner.uid, value));
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || status === 422) {
        this.shown.delete(id); // deleted, or replaced (the UID in the patch no longer matches)
        return true;
      }
      deps.metrics.apiErrors.inc({ operation: 'patch-statefulset' });
      throw error;
    }
    this.shown.set(id, { uid: owner.uid, value });
    log.info('verdict annotation written', { statefulset: owner.name, verdict: value });
    return true;
  }

  private eventContext() {
    return { now: this.deps.now(), instance: this.deps.identity, suffix: this.deps.eventSuffix() };
  }

  /** Events are best effort: a lost event must not block the gate. */
  private async emit(event: EventObject, log: Logger): Promise<void> {
    try {
      await this.deps.writer.createEvent(event.metadata.namespace, event);
    } catch (error) {
      this.deps.metrics.apiErrors.inc({ operation: 'create-event' });
      log.warn('could not record an event', { involved: `${event.involvedObject.kind}/${event.involvedObject.name}`, reason: event.reason, error });
    }
  }
}

/** A pod the watcher still has to settle: it carries our gate, or shows a verdict other than True. */
export function toSettle(pod: PodObject): boolean {
  if (isGated(pod)) return true;
  const condition = currentCondition(pod);
  return !!condition && condition.status !== 'True';
}

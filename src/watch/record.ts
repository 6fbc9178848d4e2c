/**
 * Where verdicts show for `kubectl` users, without touching anything that lives in Git:
 *  - a Pod condition `pxc-tls.dev/CertificatesVerified` (True/False, reason = the first failing
 *    check, message) — `kubectl describe pod`, `kubectl wait --for=condition=…`; kubelet and the
 *    scheduler keep condition types they do not own (readiness gates rely on that);
 *  - an Event on the Pod whenever that condition changes;
 *  - an Event on the Pod's controller (the StatefulSet, found through the Pod's controller
 *    ownerReference) for the same change — `kubectl describe statefulset`;
 *  - the annotation `pxc-tls.dev/certificates-verdict` on that StatefulSet: the latest verdict in
 *    one line, which outlives the Events (an hour). An annotation no renderer writes, so not in Git;
 *    set by a JSON merge patch of that one key, under the field manager `pxc-tls-watch`.
 * See src/watch/README.md for why an annotation and not a StatefulSet status condition.
 */
import type { Condition, OwnerReference, PodObject, StatefulSetObject } from './types';
import type { DatabaseVerdict } from '../tls/verdict';
import { SERVED_WARNINGS } from '../tls/served';

export const CONDITION_TYPE = 'pxc-tls.dev/CertificatesVerified';
/** Event reasons. */
export const EVENT_VERIFIED = 'CertificatesVerified';
export const EVENT_NOT_READY = 'CertificatesNotReady';
export const EVENT_SOURCE = 'pxc-tls-watch';
export const REPORTING_COMPONENT = 'pxc-tls.dev/watch';

/** The StatefulSet annotation holding the latest verdict. */
export const VERDICT_ANNOTATION = 'pxc-tls.dev/certificates-verdict';
/** The field manager of the watcher's StatefulSet patches (`kubectl get sts -o yaml --show-managed-fields`). */
export const FIELD_MANAGER = 'pxc-tls-watch';

/** Kubernetes caps event notes at 1 KiB. */
const MAX_MESSAGE = 1024;

export interface DesiredCondition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export function desiredCondition(verdict: DatabaseVerdict): DesiredCondition {
  return { type: CONDITION_TYPE, status: verdict.verified ? 'True' : 'False', reason: verdict.reason, message: truncate(verdict.message) };
}

export function currentCondition(pod: PodObject): Condition | undefined {
  return pod.status?.conditions?.find((c) => c.type === CONDITION_TYPE);
}

/** True when the pod already shows this verdict: nothing to write, no event to emit. */
export function conditionUpToDate(pod: PodObject, desired: DesiredCondition): boolean {
  const current = currentCondition(pod);
  return !!current && current.status === desired.status && current.reason === desired.reason && current.message === desired.message;
}

/** Strategic merge patch for pods/status: conditions merge by type, so other conditions stay. */
export function conditionPatch(pod: PodObject, desired: DesiredCondition, now: Date): { status: { conditions: Condition[] } } {
  const current = currentCondition(pod);
  const lastTransitionTime = current && current.status === desired.status && current.lastTransitionTime ? current.lastTransitionTime : rfc3339(now);
  return { status: { conditions: [{ ...desired, lastTransitionTime }] } };
}

export interface EventObject {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: { name: string; namespace: string };
  involvedObject: { apiVersion: string; kind: string; name: string; namespace: string; uid?: string };
  reason: string;
  message: string;
  type: 'Normal' | 'Warning';
  source: { component: string };
  reportingComponent: string;
  reportingInstance: string;
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
}

export interface EventContext {
  now: Date;
  /** Who reports: the watcher's leader-election identity. */
  instance: string;
  /** Unique suffix for the event name (client-go uses the time in nanoseconds). */
  suffix: string;
}

/** An Event about `involved`, reported by this watcher replica. */
export function eventOf(involved: EventObject['involvedObject'], reason: string, type: EventObject['type'], message: string, ctx: EventContext): EventObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${involved.name}.${ctx.suffix}`, namespace: involved.namespace },
    involvedObject: involved,
    reason,
    message: truncate(message),
    type,
    source: { component: EVENT_SOURCE },
    reportingComponent: REPORTING_COMPONENT,
    reportingInstance: ctx.instance,
    firstTimestamp: rfc3339(ctx.now),
    lastTimestamp: rfc3339(ctx.now),
    count: 1,
  };
}

function eventFor(involved: EventObject['involvedObject'], verdict: DatabaseVerdict, message: string, ctx: EventContext): EventObject {
  return eventOf(involved, verdict.verified ? EVENT_VERIFIED : EVENT_NOT_READY, verdict.verified ? 'Normal' : 'Warning', message, ctx);
}

/** The involved-object reference of a pod. */
export function podRef(pod: PodObject): EventObject['involvedObject'] {
  return { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, namespace: pod.metadata.namespace ?? '', ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}) };
}

function verdictText(verdict: DatabaseVerdict): string {
  return verdict.verified ? verdict.message : `${verdict.reason}: ${verdict.message}`;
}

/** The event on a pod whose condition changes. */
export function podEvent(pod: PodObject, verdict: DatabaseVerdict, ungated: boolean, ctx: EventContext): EventObject {
  const involved = podRef(pod);
  const text = verdict.verified ? `${ungated ? 'scheduling gate removed: ' : ''}${verdict.message}` : `kept gated: ${verdictText(verdict)}`;
  return eventFor(involved, verdict, text, ctx);
}

export function controllerOf(pod: PodObject): OwnerReference | undefined {
  return pod.metadata.ownerReferences?.find((o) => o.controller);
}

/** One event on the pods' controller summarising a reconcile that changed pods; undefined without a controller. */
export function controllerEvent(pods: readonly PodObject[], verdict: DatabaseVerdict, ungated: number, ctx: EventContext): EventObject | undefined {
  const owner = pods.map(controllerOf).find((o) => o);
  if (!owner || pods.length === 0) return undefined;
  const namespace = pods[0]!.metadata.namespace ?? '';
  const names = pods.map((p) => p.metadata.name).join(', ');
  const text = verdict.verified
    ? `${ungated > 0 ? `removed the scheduling gate from ${names}` : `verified ${names}`}: ${verdict.message}`
    : `${names} kept gated: ${verdictText(verdict)}`;
  return eventFor({ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, namespace, uid: owner.uid }, verdict, text, ctx);
}

/** The StatefulSets among the pods' controllers (apps/v1 only: all RBAC grants), one per UID. */
export function statefulSetsOf(pods: readonly PodObject[]): OwnerReference[] {
  const byUid = new Map<string, OwnerReference>();
  for (const owner of pods.map(controllerOf)) {
    if (owner && owner.kind === 'StatefulSet' && owner.apiVersion === 'apps/v1' && owner.uid && !byUid.has(owner.uid)) byUid.set(owner.uid, owner);
  }
  return [...byUid.values()];
}

/**
 * The verdict annotation's value: `<Reason>: <message>` on one line — `CertificatesVerified:
 * verified 2 certificate Secret(s): …` or `UntrustedIssuer: Secret demo/x-server-cert: …`. Only
 * what the verdict says (its messages name Secrets, Certificates, issuers and fixed validity
 * dates, never material), no clock and no pod count, so it changes only when the verdict does.
 */
export function verdictAnnotation(verdict: DatabaseVerdict): string {
  return oneLine(`${verdict.reason}: ${verdict.message}`);
}

/**
 * A warning about a running database: it never holds a gate, and rides along in the verdict
 * annotation after the gate's verdict, ` | `-separated, each `<Reason>: <message>` — e.g.
 * `CertificatesVerified: verified 3 certificate Secret(s): … | ServedCertificateStale: the certificate demo/db-1 serves …`.
 */
export interface Warning {
  reason: string;
  message: string;
}

/** The CA behind the database's issuer gets a new key at renewal (src/model/ca-rotation.ts). */
export const CA_REKEYED_AT_RENEWAL = 'CARekeyedAtRenewal';
/** Every reason a warning part of the annotation may carry. */
export const WARNING_REASONS: ReadonlySet<string> = new Set<string>([CA_REKEYED_AT_RENEWAL, ...SERVED_WARNINGS]);
export const PART_SEPARATOR = ' | ';

/** One line, at most 1 KiB, and never the separator of the annotation's parts. */
function oneLine(text: string): string {
  return truncate(text.replace(/\s+/g, ' ').trim().replace(/ \| /g, ' / '));
}

/** The annotation's value: the gate's verdict (when there is one), then each warning. Empty when neither. */
export function composeAnnotation(gate: string | undefined, warnings: readonly Warning[]): string {
  return [...(gate ? [gate] : []), ...warnings.map((w) => oneLine(`${w.reason}: ${w.message}`))].join(PART_SEPARATOR);
}

/** The gate's part of an annotation value written by composeAnnotation (undefined when it has none). */
export function gatePartOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const first = value.split(PART_SEPARATOR)[0]!;
  const reason = first.slice(0, first.indexOf(':'));
  return WARNING_REASONS.has(reason) ? undefined : first;
}

/** The warnings of an annotation value written by composeAnnotation (the parts after the verdict). */
export function warningsPartOf(value: string | undefined): Warning[] {
  if (!value) return [];
  const parts = value.split(PART_SEPARATOR);
  return parts.slice(gatePartOf(value) === undefined ? 0 : 1).map((part) => {
    const colon = part.indexOf(': ');
    return colon < 0 ? { reason: part, message: '' } : { reason: part.slice(0, colon), message: part.slice(colon + 2) };
  });
}

/** True when the StatefulSet already shows this value: nothing to write. */
export function annotationUpToDate(sts: StatefulSetObject, value: string): boolean {
  return (sts.metadata.annotations?.[VERDICT_ANNOTATION] ?? '') === value;
}

/**
 * JSON merge patch of the one annotation. The UID rides along as a precondition: if the name now
 * belongs to another StatefulSet, the API server refuses the patch (422, uid is immutable).
 */
export interface VerdictAnnotationPatch {
  /** null removes the key: no verdict and no warning left to show. */
  metadata: { uid: string; annotations: { [VERDICT_ANNOTATION]: string | null } };
}

export function verdictAnnotationPatch(uid: string, value: string): VerdictAnnotationPatch {
  return { metadata: { uid, annotations: { [VERDICT_ANNOTATION]: value === '' ? null : value } } };
}

/** RFC 3339 in seconds, as metav1.Time serialises. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function truncate(text: string): string {
  return text.length <= MAX_MESSAGE ? text : `${text.slice(0, MAX_MESSAGE - 1)}…`;
}

/**
 * The watcher's look at running databases, beside the gate, every --served-check-period on the
 * leader: two warnings that never hold a gate.
 *  - CARekeyedAtRenewal: the CA behind a database's issuer gets a new key when it renews
 *    (src/model/ca-rotation.ts), where the watcher can see it (ca-check.ts).
 *  - Served certificates: each running pod's SQL port probed as a client would (served-probe.ts)
 *    and compared with the Secret it mounts (src/tls/served.ts): stale past the grace period,
 *    expiring soon, expired, no TLS.
 * Results: metrics per pod, Events (a pod's when its finding changes, the StatefulSet's when the
 * database's warnings change), and the warnings in the verdict annotation (written by the
 * controller, the annotation's one writer: `warningsChanged(key)`).
 */
import { CaCheck, type IssuerLookup } from './ca-check';
import { materialOf, x509Date } from '../tls/pem';
import { compareServed, summarizeServed, type ServedFinding } from '../tls/served';
import type { Caches } from './controller';
import type { Logger } from './log';
import { CA_REKEYED_AT_RENEWAL, eventOf, podRef, statefulSetsOf, type EventObject, type Warning } from './record';
import type { RenewalMetrics } from './renewal-metrics';
import { certificateNeeds, databaseOf, isGated } from './requirements';
import type { ProbeError, ProbeResult, ProbeTarget } from './served-probe';
import { databaseKey, splitKey, type DatabaseKey, type PodObject } from './types';

export type { IssuerLookup } from './ca-check';

export interface RenewalOptions {
  /** Probe served certificates (false when --served-check-period is 0s). */
  probe: boolean;
  port: number;
  graceMs: number;
  expiryWarningMs: number;
  timeoutMs: number;
  clusterResourceNamespace: string;
  /** Read ClusterIssuers (cluster-wide installs only: the namespaced RBAC has no cluster-scoped grant). */
  clusterIssuers: boolean;
  /** How long an issuer read by name is trusted. */
  issuerTtlMs: number;
  /** Databases looked at concurrently (each probes its pods in parallel). */
  databasesAtOnce: number;
}

export interface RenewalDeps {
  caches: Caches;
  issuers: IssuerLookup;
  probe(target: ProbeTarget): Promise<ProbeResult>;
  createEvent(namespace: string, event: EventObject): Promise<void>;
  isLeader(): boolean;
  synced(): boolean;
  warningsChanged(key: DatabaseKey): void;
  metrics: RenewalMetrics;
  /** The watcher's pxc_tls_api_errors_total. */
  apiErrors: { inc(labels: { operation: string }): void };
  log: Logger;
  now(): Date;
  monotonic(): number;
  eventSuffix(): string;
  identity: string;
  options: RenewalOptions;
}

interface PodState {
  namespace: string;
  pod: string;
  notAfterMs: number;
  reason: string;
  finding: ServedFinding;
}

const podKeyOf = (p: PodObject) => `${p.metadata.namespace}/${p.metadata.name}`;

export class RenewalMonitor {
  private readonly warnings = new Map<DatabaseKey, Warning[]>();
  private readonly pods = new Map<string, PodState>();
  /** When this replica first saw each Secret's current certificate (fingerprint): the grace counts from then at the latest. */
  private readonly firstSeen = new Map<string, { fingerprint: string; atMs: number }>();
  private readonly failures = new Map<string, string>();
  /** Databases whose annotation was looked at this leadership term. */
  private readonly announced = new Set<DatabaseKey>();
  private leading = false;
  private stopped = false;
  private running: Promise<void> | undefined;

  private readonly ca: CaCheck;

  constructor(private readonly deps: RenewalDeps) {
    this.ca = new CaCheck(deps);
  }

  /** The database's warnings (CA first, then served), for the verdict annotation; undefined until looked at this leadership term. */
  warningsOf(key: DatabaseKey): Warning[] | undefined {
    return this.announced.has(key) ? this.warnings.get(key) ?? [] : undefined;
  }

  servedPods(): PodState[] {
    return [...this.pods.values()];
  }

  databaseWarnings(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const list of this.warnings.values()) for (const w of list) counts.set(w.reason, (counts.get(w.reason) ?? 0) + 1);
    return counts;
  }

  /** One round over every database; a round already running is awaited, not doubled. */
  round(): Promise<void> {
    this.running ??= this.runRound().finally(() => (this.running = undefined));
    return this.running;
  }

  /** No more rounds; resolves once the one running (if any) is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** This replica stopped leading: it reports nothing any more (its per-pod series vanish at once). */
  stoppedLeading(): void {
    this.leading = false;
    this.forget();
  }

  private forget(): void {
    this.warnings.clear();
    this.ca.forget();
    this.pods.clear();
    this.failures.clear();
    this.announced.clear();
  }

  private async runRound(): Promise<void> {
    const { deps } = this;
    if (this.stopped) return;
    if (!deps.isLeader()) {
      if (this.leading) this.forget(); // a follower reports nothing: its series vanish
      this.leading = false;
      return;
    }
    this.leading = true;
    if (!deps.synced()) return;
    const byDb = new Map<DatabaseKey, PodObject[]>();
    for (const pod of deps.caches.pods()) {
      const db = databaseOf(pod);
      if (!db || !pod.metadata.namespace || pod.metadata.deletionTimestamp) continue;
      const key = databaseKey(pod.metadata.namespace, db);
      byDb.set(key, [...(byDb.get(key) ?? []), pod]);
    }
    const keys = [...byDb.keys()].sort();
    this.ca.newRound();
    let next = 0;
    const worker = async () => {
      while (next < keys.length && deps.isLeader() && !this.stopped) {
        const key = keys[next++]!;
        try {
          await this.checkDatabase(key, byDb.get(key)!);
        } catch (error) {
          deps.log.warn('renewal check failed', { database: key, error });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, deps.options.databasesAtOnce) }, worker));
    // What is gone: pods, databases, Secrets no longer mounted.
    const livePods = new Set([...byDb.values()].flat().map(podKeyOf));
    for (const k of this.pods.keys()) if (!livePods.has(k)) this.pods.delete(k);
    for (const k of this.failures.keys()) if (!livePods.has(k)) this.failures.delete(k);
    for (const k of this.warnings.keys()) if (!byDb.has(k)) this.warnings.delete(k);
    this.ca.keepOnly(new Set(byDb.keys()));
    const mounted = new Set([...byDb.values()].flat().flatMap((p) => certificateNeeds(p).map((n) => `${p.metadata.namespace}/${n.secretName}`)));
    for (const k of this.firstSeen.keys()) if (!mounted.has(k)) this.firstSeen.delete(k);
  }

  private async checkDatabase(key: DatabaseKey, pods: PodObject[]): Promise<void> {
    const { deps } = this;
    const { namespace } = splitKey(key);
    const ca = await this.ca.check(key, namespace, pods);
    const served = deps.options.probe ? summarizeServed(await this.servedCheck(pods)) : undefined;
    if (!deps.isLeader()) return;
    const warnings = [...(ca ? [ca] : []), ...(served ? [{ reason: served.reason, message: served.message }] : [])];
    const before = this.warnings.get(key) ?? [];
    if (warnings.length) this.warnings.set(key, warnings);
    else this.warnings.delete(key);
    const changed = JSON.stringify(before) !== JSON.stringify(warnings);
    if (changed) await this.databaseEvents(key, pods, before, warnings);
    if (changed || !this.announced.has(key)) {
      this.announced.add(key);
      deps.warningsChanged(key);
    }
  }

  /** Warning events on the StatefulSet for each warning that appeared or changed; a Normal one for each that cleared. */
  private async databaseEvents(key: DatabaseKey, pods: PodObject[], before: Warning[], after: Warning[]): Promise<void> {
    const owner = statefulSetsOf(pods)[0];
    if (!owner) return;
    const involved = { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, namespace: splitKey(key).namespace, uid: owner.uid };
    const kindOf = (w: Warning) => (w.reason === CA_REKEYED_AT_RENEWAL ? 'ca' : 'served');
    for (const w of after) {
      const old = before.find((b) => kindOf(b) === kindOf(w));
      if (!old || old.reason !== w.reason || old.message !== w.message) await this.emit(eventOf(involved, w.reason, 'Warning', w.message, this.ctx()));
    }
    for (const old of before) {
      if (after.some((w) => kindOf(w) === kindOf(old))) continue;
      const text = kindOf(old) === 'ca' ? 'the CA behind the issuer no longer gets a new key at renewal (or is no longer visible)' : 'every pod that answered serves its Secret\'s certificate again';
      await this.emit(eventOf(involved, kindOf(old) === 'ca' ? `${CA_REKEYED_AT_RENEWAL}Resolved` : 'ServedCertificatesCurrent', 'Normal', text, this.ctx()));
    }
  }

  // ---- served certificates ---------------------------------------------------------------------

  private async servedCheck(pods: PodObject[]): Promise<ServedFinding[]> {
    const running = pods.filter((p) => !isGated(p) && p.status?.phase === 'Running' && !!p.status.podIP);
    for (const p of pods) if (!running.includes(p)) this.pods.delete(podKeyOf(p));
    const findings = await Promise.all(running.map((p) => this.probePod(p)));
    return findings.filter((f): f is ServedFinding => !!f);
  }

  private async probePod(pod: PodObject): Promise<ServedFinding | undefined> {
    const { deps } = this;
    const { options } = deps;
    const podKey = podKeyOf(pod);
    const namespace = pod.metadata.namespace ?? '';
    const need = certificateNeeds(pod).find((n) => n.alias === 'server');
    const stored = need ? materialOf(deps.caches.secret(namespace, need.secretName)).leaf : undefined;
    const started = deps.monotonic();
    let result: ProbeResult;
    try {
      result = await deps.probe({ host: pod.status!.podIP!, port: options.port, timeoutMs: options.timeoutMs });
    } catch (error) {
      const kind = (error as ProbeError).kind ?? 'protocol';
      deps.metrics.probes.inc({ result: kind });
      this.pods.delete(podKey); // no stale expiry for a pod that does not answer
      if (this.failures.get(podKey) !== kind) deps.log.warn('could not read the served certificate', { pod: podKey, failure: kind, error: (error as Error).message });
      this.failures.set(podKey, kind);
      return undefined;
    }
    if (!deps.isLeader()) return undefined; // leadership lost while probing: report nothing
    deps.metrics.probes.inc({ result: 'ok' });
    deps.metrics.probeDuration.observe((deps.monotonic() - started) / 1000);
    if (this.failures.delete(podKey)) deps.log.info('reads the served certificate again', { pod: podKey });
    const now = deps.now();
    const secretRef = need ? `${namespace}/${need.secretName}` : `${namespace}/(no server certificate mounted)`;
    let storedSince = now;
    if (stored) {
      const seen = this.firstSeen.get(secretRef);
      const atMs = seen?.fingerprint === stored.fingerprint256 ? seen.atMs : now.getTime();
      this.firstSeen.set(secretRef, { fingerprint: stored.fingerprint256, atMs });
      storedSince = new Date(Math.max(atMs, x509Date(stored.validFrom).getTime()));
    }
    const finding = compareServed({
      pod: podKey, secret: secretRef, stored, served: result.certificate, storedSince, now, graceMs: options.graceMs, expiryWarningMs: options.expiryWarningMs,
    });
    const previous = this.pods.get(podKey)?.finding;
    const notAfterMs = result.certificate ? x509Date(result.certificate.validTo).getTime() : now.getTime();
    this.pods.set(podKey, { namespace, pod: pod.metadata.name, notAfterMs, reason: finding.reason, finding });
    if (previous?.reason !== finding.reason || previous?.fingerprint !== finding.fingerprint) {
      deps.log.info('served certificate', { pod: podKey, reason: finding.reason, fingerprint: finding.fingerprint?.slice(0, 23), expirySeconds: finding.expirySeconds, server: result.serverVersion });
    }
    if (previous?.reason !== finding.reason && (finding.warning || previous?.warning)) {
      await this.emit(eventOf(podRef(pod), finding.reason, finding.warning ? 'Warning' : 'Normal', finding.message, this.ctx()));
    }
    return finding;
  }

  private ctx() {
    return { now: this.deps.now(), instance: this.deps.identity, suffix: this.deps.eventSuffix() };
  }

  /** Events are best effort. */
  private async emit(event: EventObject): Promise<void> {
    if (!this.deps.isLeader()) return;
    try {
      await this.deps.createEvent(event.metadata.namespace, event);
    } catch (error) {
      this.deps.log.warn('could not record an event', { involved: `${event.involvedObject.kind}/${event.involvedObject.name}`, reason: event.reason, error });
    }
  }
}

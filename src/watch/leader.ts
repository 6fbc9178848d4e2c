/**
 * Leader election on a coordination.k8s.io/v1 Lease, client-go's algorithm
 * (tools/leaderelection/leaderelection.go):
 *  - get the Lease, or create it;
 *  - another holder's record that has not changed for its leaseDurationSeconds — measured on our
 *    own monotonic clock from when we saw it change, so clock skew between nodes does not
 *    matter — may be taken over by an update carrying the observed resourceVersion; a 409 means
 *    someone else won;
 *  - the leader renews every retryPeriod and steps down when it could not renew within
 *    renewDeadline (we stop acting before anyone else may take over: renewDeadline < leaseDuration);
 *  - on shutdown the leader releases the Lease (holder "", 1 s), so a follower takes over at once.
 * Like client-go's, it is not fencing: actions stay idempotent and guarded (the gate patch's test op).
 */

export interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  /** RFC 3339 with microseconds (metav1.MicroTime). */
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
}

export interface LeaseSnapshot {
  record: LeaseRecord;
  resourceVersion: string;
}

/** The Lease as the elector needs it; kube.ts implements it on the API, tests with a map. */
export interface LeaseStore {
  /** undefined when the Lease does not exist. */
  get(): Promise<LeaseSnapshot | undefined>;
  /** Throws ConflictError when it already exists. */
  create(record: LeaseRecord): Promise<LeaseSnapshot>;
  /** Replaces the Lease if still at resourceVersion; throws ConflictError otherwise. */
  update(record: LeaseRecord, resourceVersion: string): Promise<LeaseSnapshot>;
}

export class ConflictError extends Error {}

export interface LeaderConfig {
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** client-go's JitterFactor: the acquire loop waits retryPeriod × [1, 1.2). */
export const JITTER_FACTOR = 1.2;

export const DEFAULT_LEADER_TIMING = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** client-go's NewLeaderElector checks. */
export function leaderConfigProblems(c: LeaderConfig): string[] {
  const problems: string[] = [];
  if (!c.identity) problems.push('the identity must not be empty');
  if (c.leaseDurationMs <= c.renewDeadlineMs) problems.push('lease duration must be greater than renew deadline');
  if (c.renewDeadlineMs <= JITTER_FACTOR * c.retryPeriodMs) problems.push(`renew deadline must be greater than ${JITTER_FACTOR} × retry period`);
  if (c.retryPeriodMs < 1) problems.push('retry period must be positive');
  return problems;
}

/** metav1.MicroTime's wire format. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

export interface Clocks {
  /** Monotonic milliseconds: durations only. */
  monotonic(): number;
  /** Wall clock: timestamps written into the Lease. */
  wall(): Date;
}

function sameRecord(a: LeaseRecord | undefined, b: LeaseRecord): boolean {
  return !!a && a.holderIdentity === b.holderIdentity && a.renewTime === b.renewTime && a.acquireTime === b.acquireTime
    && a.leaseDurationSeconds === b.leaseDurationSeconds && a.leaseTransitions === b.leaseTransitions;
}

export class LeaderElector {
  private observed: LeaseRecord | undefined;
  private observedTime = 0;
  private leading = false;
  private lastRenew = 0;

  constructor(
    private readonly config: LeaderConfig,
    private readonly store: LeaseStore,
    private readonly clocks: Clocks,
    private readonly onChange: (leading: boolean) => void = () => {},
  ) {
    const problems = leaderConfigProblems(config);
    if (problems.length) throw new Error(`leader election: ${problems.join('; ')}`);
  }

  /** True while we hold the Lease and renewed it within renewDeadline: checked before every write. */
  isLeader(): boolean {
    return this.leading && this.clocks.monotonic() - this.lastRenew < this.config.renewDeadlineMs;
  }

  /**
   * The term of our leadership: the Lease's leaseTransitions in the record we hold (it grows each
   * time the holder changes). Decisions carry it, so a stale leader's later write is recognised.
   */
  term(): number {
    return this.observed?.holderIdentity === this.config.identity ? this.observed.leaseTransitions : -1;
  }

  /** The holder we last saw (for logs and metrics). */
  observedHolder(): string | undefined {
    return this.observed?.holderIdentity || undefined;
  }

  /** One step of the loop; call every retryPeriod (with jitter while not leading). */
  async tick(): Promise<void> {
    const ok = await this.tryAcquireOrRenew().catch(() => false);
    const now = this.clocks.monotonic();
    if (ok) {
      this.lastRenew = now;
      this.setLeading(true);
    } else if (this.leading && now - this.lastRenew >= this.config.renewDeadlineMs) {
      this.setLeading(false);
    }
  }

  /** client-go ReleaseOnCancel: an empty holder with a 1 s lease, so a follower takes over at once. */
  async release(): Promise<boolean> {
    if (!this.leading) return false;
    this.setLeading(false);
    try {
      const current = await this.store.get();
      if (!current || current.record.holderIdentity !== this.config.identity) return false;
      const now = microTime(this.clocks.wall());
      await this.store.update({ holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: current.record.leaseTransitions }, current.resourceVersion);
      return true;
    } catch {
      return false;
    }
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.onChange(leading);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = microTime(this.clocks.wall());
    const leaseDurationSeconds = Math.ceil(this.config.leaseDurationMs / 1000);
    const desired: LeaseRecord = { holderIdentity: this.config.identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 };
    const current = await this.withDeadline(this.store.get());
    if (!current) {
      try {
        this.observe((await this.withDeadline(this.store.create(desired))).record);
        return true;
      } catch {
        return false;
      }
    }
    if (!sameRecord(this.observed, current.record)) this.observe(current.record);
    const old = current.record;
    const held = old.holderIdentity !== '' && old.holderIdentity !== this.config.identity;
    if (held && this.clocks.monotonic() < this.observedTime + old.leaseDurationSeconds * 1000) {
      this.setLeading(false); // someone else holds a valid lease: whatever we thought, we do not lead
      return false;
    }
    if (old.holderIdentity === this.config.identity) {
      desired.acquireTime = old.acquireTime;
      desired.leaseTransitions = old.leaseTransitions;
    } else {
      desired.leaseTransitions = old.leaseTransitions + 1;
    }
    try {
      this.observe((await this.withDeadline(this.store.update(desired, current.resourceVersion))).record);
      return true;
    } catch (error) {
      if (error instanceof ConflictError) this.setLeading(false); // 409: someone else wrote the Lease first
      return false;
    }
  }

  private observe(record: LeaseRecord): void {
    this.observed = record;
    this.observedTime = this.clocks.monotonic();
  }

  /** A request that hangs must not outlive the renew deadline. */
  private withDeadline<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('lease request timed out')), this.config.renewDeadlineMs);
      timer.unref?.();
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }
}

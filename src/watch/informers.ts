/**
 * Keeps a client-node ListWatch (list + watch, no polling) alive, which on its own it is not
 * (reference/peers-and-users.md §E.2): in 1.4.0 any error other than 410 stops it for good, and
 * a watch can hang silently. So:
 *  - every (re)start is a fresh generation: a new ListWatch that lists, then watches; reads are
 *    served from the last generation whose list succeeded until the new one has listed, so the
 *    cache never looks empty; events of stale generations (e.g. the abort error a stopped watch
 *    emits) are ignored;
 *  - on an error: a new generation after an exponential backoff with jitter (1 s → 30 s), reset
 *    once a generation has stayed healthy;
 *  - 410 Gone: ListWatch itself relists (and emits deletes for what vanished);
 *  - a watchdog resync (every --resync-period) starts a fresh generation regardless: a full relist
 *    that also catches a watch that stopped without a word.
 * Pure: the ListWatch comes from a factory (kube.ts), timers and clock are injected.
 */

export type Verb = 'add' | 'update' | 'delete';

/** The part of client-node's ListWatch this module uses. */
export interface ListWatchLike<T> {
  start(): Promise<void>;
  stop(): Promise<void>;
  on(verb: 'add' | 'update' | 'delete' | 'error' | 'connect', cb: (obj: any) => void): void;
  list(namespace?: string): T[];
  get(name: string, namespace?: string): T | undefined;
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** A generation healthy this long resets the backoff. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 };

/** Exponential backoff with up to +20 % jitter, capped. */
export function backoffDelay(attempt: number, b: Backoff, random: number): number {
  const base = Math.min(b.maxMs, b.initialMs * 2 ** Math.max(0, attempt));
  return Math.min(b.maxMs, Math.round(base * (1 + 0.2 * random)));
}

export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
  random(): number;
}

export const realScheduler: Scheduler = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => Date.now(),
  random: () => Math.random(),
};

export interface InformerOptions<T> {
  /** For logs and metrics: e.g. `pods` or `pods/demo`. */
  name: string;
  create(): ListWatchLike<T>;
  onEvent(verb: Verb, obj: T): void;
  /** A generation finished its list and now serves reads: reconcile everything it holds. */
  onSynced(): void;
  onRestart(cause: 'error' | 'watchdog', delayMs: number, error?: unknown): void;
  backoff?: Backoff;
  scheduler?: Scheduler;
}

interface Generation<T> {
  id: number;
  lw: ListWatchLike<T>;
  failed: boolean;
}

export class SupervisedInformer<T> {
  private current: Generation<T> | undefined;
  private pending: Generation<T> | undefined;
  private ids = 0;
  private attempt = 0;
  private retryTimer: unknown;
  private stopped = true;
  private promotedAt = 0;
  private readonly backoff: Backoff;
  private readonly scheduler: Scheduler;
  /** When the last watch (re)connected or the last event arrived: for /readyz and debugging. */
  lastActivity = 0;

  constructor(private readonly opts: InformerOptions<T>) {
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.scheduler = opts.scheduler ?? realScheduler;
  }

  get name(): string {
    return this.opts.name;
  }

  /** True once a generation has listed successfully. */
  get synced(): boolean {
    return this.current !== undefined;
  }

  list(namespace?: string): T[] {
    return this.current?.lw.list(namespace) ?? [];
  }

  get(name: string, namespace?: string): T | undefined {
    return this.current?.lw.get(name, namespace);
  }

  start(): void {
    this.stopped = false;
    void this.startGeneration();
  }

  /** Watchdog: a fresh list + watch now, whatever the state. */
  resync(): void {
    if (this.stopped) return;
    this.cancelRetry();
    this.opts.onRestart('watchdog', 0);
    void this.startGeneration();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelRetry();
    const gens = [this.pending, this.current].filter((g): g is Generation<T> => !!g);
    this.pending = undefined;
    await Promise.all(gens.map((g) => g.lw.stop().catch(() => undefined)));
  }

  private cancelRetry(): void {
    if (this.retryTimer !== undefined) this.scheduler.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private live(gen: Generation<T>): boolean {
    return !this.stopped && (gen === this.current || gen === this.pending);
  }

  private async startGeneration(): Promise<void> {
    const previousPending = this.pending;
    const gen: Generation<T> = { id: ++this.ids, lw: this.opts.create(), failed: false };
    this.pending = gen;
    if (previousPending) void previousPending.lw.stop().catch(() => undefined);
    const forward = (verb: Verb) => (obj: T) => {
      if (gen !== this.current || this.stopped) return; // a pending generation's list is reconciled on promotion
      this.lastActivity = this.scheduler.now();
      this.opts.onEvent(verb, obj);
    };
    gen.lw.on('add', forward('add'));
    gen.lw.on('update', forward('update'));
    gen.lw.on('delete', forward('delete'));
    gen.lw.on('connect', () => {
      if (this.live(gen)) this.lastActivity = this.scheduler.now();
    });
    gen.lw.on('error', (error) => this.failed(gen, error));
    try {
      await gen.lw.start();
    } catch (error) {
      this.failed(gen, error);
    }
    if (gen.failed || !this.live(gen) || gen !== this.pending) return;
    const old = this.current;
    this.current = gen;
    this.pending = undefined;
    this.lastActivity = this.promotedAt = this.scheduler.now();
    if (old) void old.lw.stop().catch(() => undefined);
    this.opts.onSynced();
  }

  private failed(gen: Generation<T>, error: unknown): void {
    if (gen.failed || !this.live(gen)) return; // stale generation: e.g. the abort of a stopped watch
    gen.failed = true;
    // Healthy for a while since the last successful list: this is a new incident, start small again.
    if (this.current && this.scheduler.now() - this.promotedAt >= this.backoff.resetAfterMs) this.attempt = 0;
    const delay = backoffDelay(this.attempt, this.backoff, this.scheduler.random());
    this.attempt += 1;
    this.opts.onRestart('error', delay, error);
    this.cancelRetry();
    this.retryTimer = this.scheduler.setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) void this.startGeneration();
    }, delay);
  }
}

/**
 * A work queue keyed by database (`namespace/name`): work for one key never runs twice at once
 * (a key enqueued while it runs is run once more afterwards, however often it was enqueued);
 * different keys run concurrently, at most `maxRunning` at once (the rest wait their turn, in
 * order, each once however often enqueued). A failing run is retried with a per-key exponential backoff;
 * a run may ask to be looked at again later (time-based checks such as NotYetValid). A run can
 * ask whether it is superseded (its key was enqueued again since it started): it may then skip
 * writes that the next run would redo with newer data.
 */
import { backoffDelay, Backoff, realScheduler, Scheduler } from './informers';

export type WorkResult = void | { recheckAfterMs: number };

export class KeyedQueue {
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly waiting = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, unknown>();
  private readonly inflight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly work: (key: string, superseded: () => boolean) => Promise<WorkResult>,
    private readonly onError: (key: string, error: unknown, retryInMs: number) => void,
    private readonly backoff: Backoff = { initialMs: 500, maxMs: 60_000, resetAfterMs: 0 },
    private readonly scheduler: Scheduler = realScheduler,
    private readonly maxRunning = Infinity,
  ) {}

  enqueue(key: string): void {
    if (this.stopped) return;
    const timer = this.timers.get(key);
    if (timer !== undefined) {
      this.scheduler.clearTimeout(timer);
      this.timers.delete(key);
    }
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.running.size >= this.maxRunning) {
      this.waiting.add(key);
      return;
    }
    this.waiting.delete(key);
    const p = this.run(key);
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  enqueueAfter(key: string, ms: number): void {
    if (this.stopped || this.timers.has(key)) return;
    this.timers.set(key, this.scheduler.setTimeout(() => {
      this.timers.delete(key);
      this.enqueue(key);
    }, ms));
  }

  /** Resolves when nothing runs (tests; shutdown). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.waiting.clear();
    for (const timer of this.timers.values()) this.scheduler.clearTimeout(timer);
    this.timers.clear();
    await this.idle();
  }

  private async run(key: string): Promise<void> {
    this.running.add(key);
    const superseded = () => this.dirty.has(key) || this.stopped;
    try {
      do {
        this.dirty.delete(key);
        try {
          const result = await this.work(key, superseded);
          this.failures.delete(key);
          if (result && !this.dirty.has(key)) this.enqueueAfter(key, result.recheckAfterMs);
        } catch (error) {
          const attempt = this.failures.get(key) ?? 0;
          this.failures.set(key, attempt + 1);
          const delay = backoffDelay(attempt, this.backoff, this.scheduler.random());
          this.onError(key, error, delay);
          if (!this.dirty.has(key)) this.enqueueAfter(key, delay);
        }
      } while (this.dirty.has(key) && !this.stopped);
    } finally {
      this.running.delete(key);
      const next = this.waiting.values().next();
      if (!next.done) {
        this.waiting.delete(next.value);
        this.enqueue(next.value);
      }
    }
  }
}

import { backoffDelay, DEFAULT_BACKOFF, ListWatchLike, Scheduler, SupervisedInformer } from './informers';
import { KeyedQueue } from './queue';

type Obj = { metadata: { name: string; namespace?: string } };

/** A ListWatch whose list result is scripted; it records what happened to it. */
class FakeListWatch implements ListWatchLike<Obj> {
  handlers: Record<string, Array<(o: any) => void>> = { add: [], update: [], delete: [], error: [], connect: [] };
  stopped = false;
  items: Obj[] = [];
  constructor(private readonly outcome: 'ok' | 'fail' | 'hang', items: Obj[] = []) {
    this.items = items;
  }
  on(verb: string, cb: (o: any) => void) {
    this.handlers[verb]!.push(cb);
  }
  emit(verb: string, o: any) {
    this.handlers[verb]!.forEach((h) => h(o));
  }
  async start() {
    this.emit('connect', undefined);
    if (this.outcome === 'hang') return new Promise<void>(() => undefined);
    if (this.outcome === 'fail') {
      this.emit('error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
      return;
    }
    this.items.forEach((o) => this.emit('add', o));
  }
  async stop() {
    this.stopped = true;
    // client-node 1.4.0: aborting the watch request surfaces as an error event.
    this.emit('error', Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }));
  }
  list() {
    return this.items;
  }
  get(name: string) {
    return this.items.find((o) => o.metadata.name === name);
  }
}

class FakeScheduler implements Scheduler {
  t = 0;
  timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private ids = 0;
  setTimeout(fn: () => void, ms: number) {
    const id = ++this.ids;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown) {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  now() {
    return this.t;
  }
  random() {
    return 0;
  }
  /** Runs timers due within `ms`. */
  async advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      await flush();
    }
    this.t = end;
  }
}

const flush = () => new Promise((r) => setImmediate(r));

function harness(outcomes: Array<'ok' | 'fail' | 'hang'>, items: Obj[] = [{ metadata: { name: 'a', namespace: 'ns' } }]) {
  const created: FakeListWatch[] = [];
  const restarts: Array<[string, number]> = [];
  const events: string[] = [];
  let synced = 0;
  const scheduler = new FakeScheduler();
  const informer = new SupervisedInformer<Obj>({
    name: 'pods',
    create: () => {
      const lw = new FakeListWatch(outcomes[Math.min(created.length, outcomes.length - 1)]!, items);
      created.push(lw);
      return lw;
    },
    onEvent: (verb, o) => events.push(`${verb}:${o.metadata.name}`),
    onSynced: () => synced++,
    onRestart: (cause, delay) => restarts.push([cause, delay]),
    scheduler,
  });
  return { informer, created, restarts, events, scheduler, synced: () => synced };
}

describe('a supervised informer (list + watch that never stays down)', () => {
  test('lists, then serves reads and forwards watch events; the initial list is reconciled through onSynced, not per item', async () => {
    const h = harness(['ok']);
    h.informer.start();
    await flush();
    expect(h.informer.synced).toBe(true);
    expect(h.synced()).toBe(1);
    expect(h.informer.list().map((o) => o.metadata.name)).toEqual(['a']);
    expect(h.events).toEqual([]);
    h.created[0]!.emit('update', { metadata: { name: 'a' } });
    expect(h.events).toEqual(['update:a']);
  });

  test('on errors it restarts with exponential backoff (1 s, 2 s, 4 s …), then serves the new generation', async () => {
    const h = harness(['fail', 'fail', 'fail', 'ok']);
    h.informer.start();
    await flush();
    expect(h.informer.synced).toBe(false);
    await h.scheduler.advance(10_000);
    expect(h.restarts).toEqual([['error', 1000], ['error', 2000], ['error', 4000]]);
    expect(h.created).toHaveLength(4);
    expect(h.informer.synced).toBe(true);
  });

  test('a watch that dies after the list restarts it, and the old cache keeps serving until the new list is in', async () => {
    const h = harness(['ok', 'hang']);
    h.informer.start();
    await flush();
    h.created[0]!.emit('error', new Error('socket hang up'));
    expect(h.restarts).toEqual([['error', 1000]]);
    await h.scheduler.advance(1000);
    expect(h.created).toHaveLength(2);
    expect(h.informer.list().map((o) => o.metadata.name)).toEqual(['a']); // still generation 1
  });

  test('the abort error of a stopped generation is ignored: no restart loop', async () => {
    const h = harness(['ok']);
    h.informer.start();
    await flush();
    h.informer.resync(); // watchdog: generation 2 replaces 1, which is stopped (and emits AbortError)
    await flush();
    expect(h.created[0]!.stopped).toBe(true);
    expect(h.restarts).toEqual([['watchdog', 0]]);
    await h.informer.stop();
    expect(h.restarts).toEqual([['watchdog', 0]]);
    expect(h.scheduler.timers).toEqual([]);
  });

  test('the watchdog resync relists even when the watch looks fine, and reconciles everything again', async () => {
    const h = harness(['ok']);
    h.informer.start();
    await flush();
    h.informer.resync();
    await flush();
    expect(h.created).toHaveLength(2);
    expect(h.synced()).toBe(2);
  });

  test('events of a generation that is not serving are not forwarded', async () => {
    const h = harness(['ok', 'hang']);
    h.informer.start();
    await flush();
    h.informer.resync();
    await flush();
    h.created[1]!.emit('add', { metadata: { name: 'b' } });
    h.created[0]!.emit('add', { metadata: { name: 'c' } });
    expect(h.events).toEqual(['add:c']);
  });

  test('backoff is capped at 30 s with at most 20 % jitter', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((a) => backoffDelay(a, DEFAULT_BACKOFF, 0))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(backoffDelay(0, DEFAULT_BACKOFF, 0.999)).toBeLessThanOrEqual(1200);
    expect(backoffDelay(9, DEFAULT_BACKOFF, 0.999)).toBe(30000);
  });
});

describe('the per-database queue', () => {
  test('work for one key never overlaps, and a key enqueued while running runs once more', async () => {
    let active = 0;
    let maxActive = 0;
    const runs: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new KeyedQueue(async (key) => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs.push(key);
      if (runs.length === 1) await gate;
      active--;
    }, () => undefined);
    q.enqueue('ns/a');
    q.enqueue('ns/a');
    q.enqueue('ns/a');
    q.enqueue('ns/b');
    release();
    await q.idle();
    expect(maxActive).toBe(2); // a and b concurrently, never a twice
    expect(runs.sort()).toEqual(['ns/a', 'ns/a', 'ns/b']);
  });

  test('a run learns when its key was enqueued again (superseded), and only its own key', async () => {
    const seen: Array<[string, boolean, boolean]> = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new KeyedQueue(async (key, superseded) => {
      const before = superseded();
      if (key === 'ns/a' && seen.length === 0) await gate;
      seen.push([key, before, superseded()]);
    }, () => undefined);
    q.enqueue('ns/a');
    q.enqueue('ns/b'); // another key: a is not superseded by it
    q.enqueue('ns/a'); // a again while it runs
    release();
    await q.idle();
    expect(seen).toEqual([['ns/b', false, false], ['ns/a', false, true], ['ns/a', false, false]]);
  });

  test('at most maxRunning keys run at once; the others wait their turn in order, each once', async () => {
    let active = 0;
    let maxActive = 0;
    const started: string[] = [];
    const releases: Array<() => void> = [];
    const q = new KeyedQueue(async (key) => {
      active++;
      maxActive = Math.max(maxActive, active);
      started.push(key);
      await new Promise<void>((r) => releases.push(r));
      active--;
    }, () => undefined, undefined, undefined, 2);
    for (const k of ['a', 'b', 'c', 'd', 'c', 'e']) q.enqueue(`ns/${k}`);
    expect(started).toEqual(['ns/a', 'ns/b']);
    while (releases.length) {
      releases.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    await q.idle();
    expect(maxActive).toBe(2);
    expect(started).toEqual(['ns/a', 'ns/b', 'ns/c', 'ns/d', 'ns/e']);
  });

  test('a failing key is retried with backoff; a recheck request is honoured', async () => {
    const scheduler = new FakeScheduler();
    const errors: number[] = [];
    let calls = 0;
    const q = new KeyedQueue(async () => {
      calls++;
      if (calls <= 2) throw new Error('boom');
      if (calls === 3) return { recheckAfterMs: 30_000 };
      return undefined;
    }, (_k, _e, delay) => errors.push(delay), { initialMs: 500, maxMs: 60_000, resetAfterMs: 0 }, scheduler);
    q.enqueue('ns/a');
    await q.idle();
    await scheduler.advance(500);
    await q.idle();
    await scheduler.advance(1000);
    await q.idle();
    expect(errors).toEqual([500, 1000]);
    expect(calls).toBe(3);
    await scheduler.advance(30_000);
    await q.idle();
    expect(calls).toBe(4);
    await q.stop();
  });
});

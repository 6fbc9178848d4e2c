import { ConflictError, LeaderElector, leaderConfigProblems, LeaseRecord, LeaseSnapshot, LeaseStore, microTime } from './leader';

/** One Lease shared by the replicas, with resourceVersion checks like the API server's. */
class FakeLease {
  snapshot: LeaseSnapshot | undefined;
  private rv = 0;
  down = false;
  store(): LeaseStore {
    const check = () => {
      if (this.down) throw new Error('connection refused');
    };
    return {
      get: async () => (check(), this.snapshot && structuredClone(this.snapshot)),
      create: async (record) => {
        check();
        if (this.snapshot) throw new ConflictError('exists');
        this.snapshot = { record: { ...record }, resourceVersion: String(++this.rv) };
        return structuredClone(this.snapshot);
      },
      update: async (record, resourceVersion) => {
        check();
        if (!this.snapshot || this.snapshot.resourceVersion !== resourceVersion) throw new ConflictError('changed');
        this.snapshot = { record: { ...record }, resourceVersion: String(++this.rv) };
        return structuredClone(this.snapshot);
      },
    };
  }
}

/** A clock both replicas read; wall time moves with it. */
class FakeClock {
  ms = 1_000_000;
  advance(ms: number): void {
    this.ms += ms;
  }
  clocks() {
    return { monotonic: () => this.ms, wall: () => new Date(this.ms) };
  }
}

const TIMING = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

function replica(id: string, lease: FakeLease, clock: FakeClock, changes: string[] = []) {
  return new LeaderElector({ identity: id, ...TIMING }, lease.store(), clock.clocks(), (leading) => changes.push(`${id}:${leading ? 'lead' : 'follow'}`));
}

describe('leader election (client-go algorithm) with a fake clock and a fake Lease', () => {
  test('the first replica creates the Lease and leads; the second follows', async () => {
    const lease = new FakeLease();
    const clock = new FakeClock();
    const a = replica('a', lease, clock);
    const b = replica('b', lease, clock);
    await a.tick();
    await b.tick();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    expect(lease.snapshot!.record).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    expect(lease.snapshot!.record.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  test('the leader renews every retry period and keeps acquireTime; the follower never takes over a live lease', async () => {
    const lease = new FakeLease();
    const clock = new FakeClock();
    const a = replica('a', lease, clock);
    const b = replica('b', lease, clock);
    await a.tick();
    const acquired = lease.snapshot!.record.acquireTime;
    for (let i = 0; i < 30; i++) {
      clock.advance(2_000);
      await a.tick();
      await b.tick();
    }
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    expect(lease.snapshot!.record.acquireTime).toBe(acquired);
    expect(lease.snapshot!.record.renewTime).toBe(microTime(new Date(clock.ms)));
  });

  test('when the leader dies, the follower takes over once the record has not changed for the lease duration — not before', async () => {
    const lease = new FakeLease();
    const clock = new FakeClock();
    const changes: string[] = [];
    const a = replica('a', lease, clock, changes);
    const b = replica('b', lease, clock, changes);
    await a.tick();
    await b.tick(); // b observes a's record now
    // a dies (no more ticks). b retries every 2 s.
    let tookOverAfter = -1;
    for (let t = 2_000; t <= 30_000; t += 2_000) {
      clock.advance(2_000);
      await b.tick();
      if (b.isLeader()) {
        tookOverAfter = t;
        break;
      }
    }
    expect(tookOverAfter).toBe(16_000); // the first retry past 15 s
    expect(lease.snapshot!.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(changes).toEqual(['a:lead', 'b:lead']);
  });

  test('observed time is local: a holder whose clock is far behind still keeps the lease while it renews', async () => {
    const lease = new FakeLease();
    const clock = new FakeClock();
    const skewed = new FakeClock();
    skewed.ms = clock.ms - 3_600_000; // a's wall clock is an hour behind
    const a = new LeaderElector({ identity: 'a', ...TIMING }, lease.store(), { monotonic: () => clock.ms, wall: () => new Date(skewed.ms) });
    const b = replica('b', lease, clock);
    await a.tick();
    for (let i = 0; i < 20; i++) {
      clock.advance(2_000);
      skewed.advance(2_000);
      await a.tick();
      await b.tick();
    }
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
  });

  test('a leader that cannot renew steps down once the renew deadline passes, before anyone may take over', async () => {
    const lease = new FakeLease();
    const clock = new FakeClock();
    const a = replica('a', lease, clock);
    await a.tick();
    lease.down = true;
    clock.advance(2_000);
    await a.tick();
    expect(a.isLeader()).toBe(true);
    clock.advance(6_000);
    await a.tick();
    expect(a.isLeader()).toBe(true); // 8 s since the last renewal
    clock.advance(2_000);
    expect(a.isLeader()).toBe(false); // isLeader() itself fences at the deadline, even between ticks
    await a.tick();
    expect(a.isLeader()).toBe(false);
  });

  test('a 409 on renewal means someone else wrote the Lease: the leader steps down at once', async () => {
    const lease = new FakeLease();
    const clock = new FakeClock();
    const store = lease.store();
    let conflict = false;
    const racing: LeaseStore = { ...store, update: async (r, rv) => { if (conflict) throw new ConflictError('changed'); return store.update(r, rv); } };
    const a = new LeaderElector({ identity: 'a', ...TIMING }, racing, clock.clocks());
    await a.tick();
    clock.advance(2_000);
    await a.tick();
    expect(a.isLeader()).toBe(true);
    conflict = true;
    clock.advance(2_000);
    await a.tick();
    expect(a.isLeader()).toBe(false); // well before the renew deadline
  });

  test('seeing another holder with a valid lease makes a replica that thought it led step down', async () => {
    const lease = new FakeLease();
    const clock = new FakeClock();
    const a = replica('a', lease, clock);
    await a.tick();
    // Someone else took the Lease (e.g. after a partition), and a sees it on its next renewal.
    lease.snapshot = { record: { ...lease.snapshot!.record, holderIdentity: 'b', renewTime: microTime(new Date(clock.ms)) }, resourceVersion: '99' };
    clock.advance(2_000);
    await a.tick();
    expect(a.isLeader()).toBe(false);
  });

  test('release hands over at once: holder "" with a 1 s lease, and the follower acquires on its next try', async () => {
    const lease = new FakeLease();
    const clock = new FakeClock();
    const a = replica('a', lease, clock);
    const b = replica('b', lease, clock);
    await a.tick();
    await b.tick();
    expect(await a.release()).toBe(true);
    expect(a.isLeader()).toBe(false);
    expect(lease.snapshot!.record).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    clock.advance(2_000);
    await b.tick();
    expect(b.isLeader()).toBe(true);
  });

  test('a replica restarted with the same identity resumes the lease it holds without waiting', async () => {
    const lease = new FakeLease();
    const clock = new FakeClock();
    await replica('a', lease, clock).tick();
    const again = replica('a', lease, clock);
    await again.tick();
    expect(again.isLeader()).toBe(true);
    expect(lease.snapshot!.record.leaseTransitions).toBe(0);
  });

  test.each([
    ['lease duration not above the renew deadline', { leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }, /lease duration must be greater than renew deadline/],
    ['renew deadline not above 1.2 × retry period', { leaseDurationMs: 15_000, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }, /renew deadline must be greater than 1.2 × retry period/],
  ])('the configuration is refused: %s', (...[, timing, message]) => {
    expect(leaderConfigProblems({ identity: 'a', ...(timing as typeof TIMING) }).join('; ')).toMatch(message as RegExp);
    expect(() => new LeaderElector({ identity: 'a', ...(timing as typeof TIMING) }, new FakeLease().store(), new FakeClock().clocks())).toThrow();
  });
});

export type { LeaseRecord };

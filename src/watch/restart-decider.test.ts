import { decideRestart, type RestartInput } from './restart-decider';
import type { MemberView } from './galera-decider';
import { GALERA_PROTOCOL, type MemberFacts, type RestartOrder } from '../model/galera';
import { rng } from '../test-support/seeded-random';

const U1 = '11111111-1111-4111-8111-111111111111';
const U2 = '22222222-2222-4222-8222-222222222222';
const OLD = 'AA:OLD';
const NEW = 'BB:NEW';

function synced(ordinal: number, over: Partial<MemberFacts> = {}, size = 3): MemberFacts {
  return {
    protocol: GALERA_PROTOCOL, member: `db-${ordinal}`, round: `r${ordinal}`, stage: 'running', dataDir: 'initialised', safeToBootstrap: false, mysqldExits: 0,
    wsrep: { clusterStatus: 'Primary', localState: 'Synced', clusterSize: size, clusterStateUuid: U1 },
    tlsReload: { served: OLD }, ...over,
  };
}
const pending = (ordinal: number, over: Partial<MemberFacts> = {}, size = 3) =>
  synced(ordinal, { tlsReload: { served: OLD, pending: NEW, needsRestart: true, reason: 'galera: the provider lists no socket.ssl_reload' }, ...over }, size);
const order = (ordinal: number, round = `r${ordinal}`): RestartOrder => ({ member: `db-${ordinal}`, round, fingerprint: NEW });

function view(...each: Array<MemberFacts | 'no pod' | 'no facts'>): MemberView[] {
  return each.map((f, ordinal) => {
    const name = `db-${ordinal}`;
    if (f === 'no pod') return { name, ordinal, pod: false };
    if (f === 'no facts') return { name, ordinal, pod: true };
    return { name, ordinal, pod: true, facts: { ...f, member: name } };
  });
}
const input = (members: MemberView[], over: Partial<RestartInput> = {}): RestartInput => ({ replicas: members.length, members, bootstrapping: false, ...over });

describe('decideRestart', () => {
  const cases: Array<[string, RestartInput, string | undefined]> = [
    ['nothing is ordered while no member needs a restart', input(view(synced(0), synced(1), synced(2))), undefined],
    ['a member that needs a restart in a whole cluster is ordered', input(view(synced(0), pending(1), synced(2))), 'db-1'],
    ['when all need a restart the highest ordinal goes first, as a roll', input(view(pending(0), pending(1), pending(2))), 'db-2'],
    ['a pending fingerprint without needsRestart (a failed statement, retried) is no reason to restart',
      input(view(synced(0), synced(1, { tlsReload: { served: OLD, pending: NEW, reason: 'FLUSH SSL failed' } }), synced(2))), undefined],
    ['no new order while a member is missing its pod', input(view(pending(0), pending(1), 'no pod')), undefined],
    ['no new order while a member has not reported', input(view(pending(0), pending(1), 'no facts')), undefined],
    ['no new order while a member is still joining (not Synced)',
      input(view(pending(0), pending(1), synced(2, { wsrep: { clusterStatus: 'Primary', localState: 'Joining', clusterSize: 3, clusterStateUuid: U1 } }))), undefined],
    ['no new order while a member donates (Donor/Desynced is not whole)',
      input(view(pending(0), pending(1), synced(2, { wsrep: { clusterStatus: 'Primary', localState: 'Donor/Desynced', clusterSize: 3, clusterStateUuid: U1 } }))), undefined],
    ['no new order while the component is smaller than the replica count (a member restarting reports size 2 elsewhere)',
      input(view(pending(0, {}, 2), synced(1, {}, 2), synced(2, {}, 2))), undefined],
    ['no new order while a member is between rounds', input(view(pending(0), pending(1), synced(2, { stage: 'starting', wsrep: undefined }))), undefined],
    ['no new order across Primary components of two clusters',
      input(view(pending(0), synced(1), synced(2, { wsrep: { clusterStatus: 'Primary', localState: 'Synced', clusterSize: 3, clusterStateUuid: U2 } }))), undefined],
    ['never while a bootstrap order stands', input(view(pending(0), pending(1), pending(2)), { bootstrapping: true }), undefined],
    ['never while no Primary component runs, even with an order standing',
      input(view(pending(0, { stage: 'waiting', wsrep: undefined }), pending(1, { stage: 'waiting', wsrep: undefined }), pending(2, { stage: 'waiting', wsrep: undefined })), { current: order(2) }), undefined],
    ['a standing order stays while its member is still in the ordered round', input(view(pending(0), pending(1), pending(2)), { current: order(2) }), 'db-2'],
    ['a standing order stays while its member is down and the others run in a component of 2 (the restart in progress)',
      input(view(pending(0, {}, 2), pending(1, {}, 2), pending(2, { stage: 'backoff', wsrep: undefined })), { current: order(2) }), 'db-2'],
    ['a standing order stays while its restarted pod has not reported yet', input(view(pending(0, {}, 2), pending(1, {}, 2), 'no facts'), { current: order(2) }), 'db-2'],
    ['a standing order is over once its member runs a new round; the next waits until that member is Synced in the full component',
      input(view(pending(0, {}, 3), pending(1, {}, 3), synced(2, { round: 'r2b', stage: 'running', wsrep: { clusterStatus: 'Primary', localState: 'Joined', clusterSize: 3, clusterStateUuid: U1 }, tlsReload: { served: NEW } })), { current: order(2) }), undefined],
    ['once the restarted member is Synced again the next member (lower ordinal) is ordered',
      input(view(pending(0), pending(1), synced(2, { round: 'r2b', tlsReload: { served: NEW } })), { current: order(2) }), 'db-1'],
    ['a standing order is over when its member serves the ordered fingerprint (reloaded after all)',
      input(view(synced(0), synced(1), synced(2, { tlsReload: { served: NEW } })), { current: order(2) }), undefined],
    ['a standing order is over when its pod is gone', input(view(pending(0, {}, 2), pending(1, {}, 2), 'no pod'), { current: order(2) }), undefined],
    ['a standing order not yet executed is withdrawn when another member leaves the component',
      input(view(pending(0), synced(1, { stage: 'backoff', wsrep: undefined }), pending(2)), { current: order(2) }), undefined],
    ['a standing order is withdrawn when a bootstrap order stands', input(view(pending(0), pending(1), pending(2)), { current: order(2), bootstrapping: true }), undefined],
  ];
  it.each(cases)('%s', (_name, given, member) => {
    const verdict = decideRestart(given);
    expect(verdict.order?.member).toBe(member);
    if (verdict.order) {
      expect(verdict.order.fingerprint).toBe(NEW);
      expect(verdict.reason).toMatch(verdict.order.member);
    }
  });

  it('orders the member in the round it reports, for the fingerprint it has pending', () => {
    expect(decideRestart(input(view(synced(0), pending(1, { round: 'abc' }), synced(2)))).order).toEqual({ member: 'db-1', round: 'abc', fingerprint: NEW });
    // Its copies moved on (a CA change's next stage) before it restarted: the order follows what it waits for now.
    const movedOn = decideRestart(input(view(synced(0), synced(1), pending(2, { tlsReload: { served: OLD, pending: 'trust:CA1,CA2', needsRestart: true } })), { current: order(2) }));
    expect(movedOn.order).toEqual({ member: 'db-2', round: 'r2', fingerprint: 'trust:CA1,CA2' });
    expect(movedOn.reason).toMatch(/db-2 restarts to serve .*trust:CA1,CA2/);
  });

  it('says why the members wait and why a standing order ended', () => {
    expect(decideRestart(input(view(pending(0), pending(1), 'no pod'))).reason).toMatch(/db-0, db-1 wait to restart .* db-2 has no pod/);
    expect(decideRestart(input(view(pending(0), pending(1), synced(2, { round: 'x' })), { current: order(2) })).reason).toMatch(/^db-1 restarts .*; then db-0, one at a time$/);
    const joined = synced(2, { round: 'x', wsrep: { clusterStatus: 'Primary', localState: 'Joined', clusterSize: 3, clusterStateUuid: U1 } });
    expect(decideRestart(input(view(pending(0), pending(1), joined), { current: order(2) })).reason).toMatch(/^certificate restart over: db-2 restarted \(round x\); db-0, db-1 wait .* db-2 is not Synced/);
    expect(decideRestart(input(view(pending(0), pending(1), pending(2)), { current: order(2), bootstrapping: true })).reason).toMatch(/withdrawn: a bootstrap order stands/);
  });
});

// ---- a seeded simulation: members that need a restart, execute orders, fail at random --------

type SimState = 'up' | 'down' | 'joining';
interface SimMember { state: SimState; round: number; served: string; pendingRestart: boolean; downFor: number; restarting: boolean }

describe('decideRestart over seeded runs', () => {
  it.each(Array.from({ length: 40 }, (_, i) => [1000 + i]))('seed %i: never two members ordered or down for a restart at once, never a new order below full size, every member restarted in the end', (seed) => {
    const random = rng(seed);
    const replicas = 3 + Math.floor(random() * 3);
    const sims: SimMember[] = Array.from({ length: replicas }, () => ({ state: 'up', round: 0, served: OLD, pendingRestart: random() < 0.9, downFor: 0, restarting: false }));
    let current: RestartOrder | undefined;
    for (let step = 0; step < 400; step++) {
      // Facts as each member reports them now (a down member's pod has no running stage).
      const up = sims.filter((s) => s.state === 'up').length;
      const members: MemberView[] = sims.map((s, ordinal) => {
        const name = `db-${ordinal}`;
        const base: MemberFacts = { ...synced(ordinal, {}, up), member: name, round: `r${ordinal}.${s.round}`, tlsReload: s.pendingRestart ? { served: s.served, pending: NEW, needsRestart: true } : { served: s.served } };
        if (s.state === 'down') return { name, ordinal, pod: true, facts: { ...base, stage: 'backoff', wsrep: undefined } };
        if (s.state === 'joining') return { name, ordinal, pod: true, facts: { ...base, wsrep: { ...base.wsrep!, localState: 'Joined' } } };
        return { name, ordinal, pod: true, facts: base };
      });
      const verdict = decideRestart({ replicas, members, bootstrapping: false, ...(current ? { current } : {}) });
      const isNew = verdict.order && JSON.stringify(verdict.order) !== JSON.stringify(current);
      if (isNew) {
        // A new order only in a whole cluster, and only once the previous order's member is back.
        expect(sims.every((s) => s.state === 'up')).toBe(true);
      }
      current = verdict.order;
      // The ordered member's agent executes (sometimes a tick late); a restart reads the new files.
      if (current && random() < 0.7) {
        const ordinal = Number(current.member.slice(3));
        const s = sims[ordinal]!;
        if (s.state === 'up' && `r${ordinal}.${s.round}` === current.round) {
          s.state = 'down';
          s.downFor = 1 + Math.floor(random() * 4);
          s.round++;
          s.served = NEW;
          s.pendingRestart = false;
          s.restarting = true;
        }
      }
      // Random trouble: a member crashes (not for a restart) and comes back.
      if (random() < 0.03) {
        const s = sims[Math.floor(random() * replicas)]!;
        if (s.state === 'up') {
          s.state = 'down';
          s.round++;
          s.downFor = 1 + Math.floor(random() * 3);
          if (s.pendingRestart) [s.served, s.pendingRestart] = [NEW, false]; // any start reads the files as they are
        }
      }
      for (const s of sims) {
        if (s.state === 'down' && --s.downFor <= 0) s.state = 'joining';
        else if (s.state === 'joining' && random() < 0.5) {
          s.state = 'up';
          s.restarting = false;
        }
      }
      // At most one order at a time by construction; and at most one member out because of one.
      expect(sims.filter((s) => s.restarting).length).toBeLessThanOrEqual(1);
    }
    expect(sims.filter((s) => s.pendingRestart)).toEqual([]);
  });
});

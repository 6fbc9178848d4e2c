import { decide, type DeciderInput, type MemberView } from './galera-decider';
import { GALERA_PROTOCOL, isPrimary, type GaleraDecision, type MemberFacts } from '../model/galera';
import { rng } from '../test-support/seeded-random';

const U1 = '11111111-1111-4111-8111-111111111111';
const U2 = '22222222-2222-4222-8222-222222222222';

function facts(member: string, over: Partial<MemberFacts> = {}): MemberFacts {
  return { protocol: GALERA_PROTOCOL, member, round: `r-${member}`, stage: 'waiting', dataDir: 'initialised', uuid: U1, seqno: 10, seqnoSource: 'recovered', safeToBootstrap: false, mysqldExits: 0, ...over };
}
const empty = (member: string, over: Partial<MemberFacts> = {}) => facts(member, { dataDir: 'empty', uuid: undefined, seqno: undefined, seqnoSource: undefined, ...over });
const primary = (member: string, over: Partial<MemberFacts> = {}) =>
  facts(member, { stage: 'running', wsrep: { clusterStatus: 'Primary', localState: 'Synced', clusterSize: 3, clusterStateUuid: U1 }, ...over });

function members(...each: Array<MemberFacts | 'no pod' | 'no facts' | { error: string }>): MemberView[] {
  return each.map((f, ordinal) => {
    const name = `db-${ordinal}`;
    if (f === 'no pod') return { name, ordinal, pod: false };
    if (f === 'no facts') return { name, ordinal, pod: true };
    if ('error' in f) return { name, ordinal, pod: true, factsError: f.error };
    return { name, ordinal, pod: true, facts: { ...f, member: name } };
  });
}

function decision(over: Partial<GaleraDecision> = {}): GaleraDecision {
  return { protocol: GALERA_PROTOCOL, sequence: 1, leader: { identity: 'w-a', term: 3 }, phase: 'waiting', reason: 'x', replicas: 3, consumedOverrides: [], ...over };
}

const input = (m: MemberView[], over: Partial<DeciderInput> = {}): DeciderInput => ({ replicas: m.length, members: m, ...over });

describe('decide', () => {
  const cases: Array<[string, DeciderInput, Partial<ReturnType<typeof decide>> & { member?: string; script?: string }]> = [
    ['first start with every member empty bootstraps ordinal 0 with bootstrap-new-cluster.sh',
      input(members(empty('a'), empty('b'), empty('c'))), { phase: 'bootstrap', member: 'db-0', script: 'bootstrap-new-cluster.sh' }],
    ['first start waits while a member has not reported, even if ordinal 0 has (by rule, not by race)',
      input(members(empty('a'), empty('b'), 'no facts')), { phase: 'waiting' }],
    ['first start waits while a member has no pod', input(members(empty('a'), 'no pod', empty('c'))), { phase: 'waiting' }],
    ['half-initialised directories without a cluster UUID count as empty: ordinal 0 bootstraps',
      input(members(facts('a', { dataDir: 'uninitialised', uuid: undefined, seqno: undefined }), empty('b'), empty('c'))), { phase: 'bootstrap', member: 'db-0', script: 'bootstrap-new-cluster.sh' }],
    ['no database anywhere but a member that belonged to a cluster is blocked (its data is gone; a human decides)',
      input(members(facts('a', { dataDir: 'uninitialised', seqno: -1 }), empty('b'), empty('c'))), { phase: 'blocked' }],
    ['whole-cluster crash: the highest seqno bootstraps with after-crash-bootstrap.sh',
      input(members(facts('a', { seqno: 10 }), facts('b', { seqno: 12 }), facts('c', { seqno: 11 }))), { phase: 'bootstrap', member: 'db-1', script: 'after-crash-bootstrap.sh' }],
    ['whole-cluster crash: equal seqnos go to the lowest ordinal',
      input(members(facts('a', { seqno: 9 }), facts('b', { seqno: 12 }), facts('c', { seqno: 12 }))), { phase: 'bootstrap', member: 'db-1' }],
    ['the member that left last and cleanly (safe_to_bootstrap: 1) bootstraps with bootstrap-new-cluster.sh',
      input(members(facts('a', { seqno: 12 }), facts('b', { seqno: 12 }), facts('c', { seqno: 12, safeToBootstrap: true, seqnoSource: 'grastate' }))), { phase: 'bootstrap', member: 'db-2', script: 'bootstrap-new-cluster.sh' }],
    ['safe_to_bootstrap: 1 on a less advanced member is never chosen over a more advanced one',
      input(members(facts('a', { seqno: 15 }), facts('b', { seqno: 12, safeToBootstrap: true }), facts('c', { seqno: 11 }))), { phase: 'bootstrap', member: 'db-0', script: 'after-crash-bootstrap.sh' }],
    ['a whole-cluster crash waits for every member: bootstrapping from a majority would lose the last member\'s commits',
      input(members(facts('a', { seqno: 10 }), facts('b', { seqno: 12 }), 'no pod')), { phase: 'waiting' }],
    ['a member still recovering its position is waited for', input(members(facts('a'), facts('b', { stage: 'preparing', seqno: undefined }), facts('c'))), { phase: 'waiting' }],
    ['members with empty directories join later; only members with data are candidates',
      input(members(empty('a'), facts('b', { seqno: 3 }), facts('c', { seqno: 4 }))), { phase: 'bootstrap', member: 'db-2', script: 'after-crash-bootstrap.sh' }],
    ['never across cluster UUIDs: members with data of two clusters block for a human',
      input(members(facts('a', { seqno: 10 }), facts('b', { seqno: 50, uuid: U2 }), facts('c', { seqno: 11 }))), { phase: 'blocked' }],
    ['an unknown position blocks (the unknown one may be the most advanced)',
      input(members(facts('a', { seqno: 10 }), facts('b', { seqno: undefined }), facts('c', { seqno: 11 }))), { phase: 'blocked' }],
    ['unreadable facts (another protocol) are waited for, never guessed',
      input(members(facts('a'), { error: 'the member-facts document speaks protocol 2; this version speaks 1' }, facts('c'))), { phase: 'waiting' }],
    ['a Primary component means nothing to bootstrap: the others join',
      input(members(primary('a'), facts('b'), facts('c'))), { phase: 'running' }],
    ['a member running outside a Primary component is waited for (it must restart to report its position)',
      input(members(facts('a', { stage: 'running', wsrep: { clusterStatus: 'non-Primary', localState: 'Initialized', clusterSize: 1, clusterStateUuid: U1 } }), facts('b'), facts('c'))), { phase: 'waiting' }],
  ];
  test.each(cases)('%s', (_name, given, expected) => {
    const verdict = decide(given);
    expect(verdict.phase).toBe(expected.phase);
    if (expected.member) expect(verdict.bootstrap?.member).toBe(expected.member);
    if (expected.script) expect(verdict.bootstrap?.script).toBe(expected.script);
    if (expected.phase !== 'bootstrap') expect(verdict.bootstrap).toBeUndefined();
    expect(verdict.reason.length).toBeGreaterThan(10);
  });

  test('the order names the round it was made for, with the member\'s uuid and seqno', () => {
    const verdict = decide(input(members(facts('a', { seqno: 10 }), facts('b', { seqno: 12, round: 'round-7' }), facts('c'))));
    expect(verdict.bootstrap).toEqual({ member: 'db-1', round: 'round-7', script: 'after-crash-bootstrap.sh', uuid: U1, seqno: 12 });
    expect(verdict.reason).toBe('every member reported after a whole-cluster stop: db-1 has the highest seqno, 12 (others: db-0 10, db-2 10)');
  });

  test('a standing order is kept while its member is in that round, whatever the others now report', () => {
    const m = members(facts('a', { seqno: 99 }), facts('b', { seqno: 12, round: 'round-7' }), facts('c'));
    const current = decision({ phase: 'bootstrap', bootstrap: { member: 'db-1', round: 'round-7', script: 'after-crash-bootstrap.sh', seqno: 12 }, reason: 'earlier' });
    expect(decide(input(m, { current }))).toEqual({ phase: 'bootstrap', bootstrap: current.bootstrap, reason: 'earlier' });
  });

  test('a standing order is kept while its member\'s pod has not reported yet', () => {
    const current = decision({ phase: 'bootstrap', bootstrap: { member: 'db-1', round: 'round-7', script: 'after-crash-bootstrap.sh' } });
    expect(decide(input(members(facts('a'), 'no facts', facts('c')), { current })).bootstrap?.member).toBe('db-1');
  });

  test('a standing order ends when its member starts another round; the next verdict is made afresh', () => {
    const current = decision({ phase: 'bootstrap', bootstrap: { member: 'db-1', round: 'round-7', script: 'after-crash-bootstrap.sh' } });
    const m = members(facts('a', { seqno: 20 }), facts('b', { seqno: 12, round: 'round-8' }), facts('c'));
    expect(decide(input(m, { current })).bootstrap).toMatchObject({ member: 'db-0', round: 'r-a' });
  });

  test('a standing order ends when a Primary component runs', () => {
    const current = decision({ phase: 'bootstrap', bootstrap: { member: 'db-1', round: 'r-b', script: 'after-crash-bootstrap.sh' } });
    expect(decide(input(members(facts('a'), primary('b'), facts('c')), { current })).phase).toBe('running');
  });

  describe('force-bootstrap', () => {
    const force = { member: 'db-2', nonce: 'n1' };
    test('bootstraps the named member from a majority, once it waits, and consumes the nonce', () => {
      const verdict = decide(input(members(facts('a', { seqno: 30 }), 'no pod', facts('c', { seqno: 5 })), { force }));
      expect(verdict).toMatchObject({ phase: 'bootstrap', bootstrap: { member: 'db-2', script: 'after-crash-bootstrap.sh', override: 'n1' }, consume: 'n1' });
    });
    test('waits (without consuming) until the named member reports waiting', () => {
      const verdict = decide(input(members(facts('a'), facts('b'), facts('c', { stage: 'preparing' })), { force }));
      expect(verdict.phase).toBe('waiting');
      expect(verdict.consume).toBeUndefined();
    });
    test('a consumed nonce is not acted on again', () => {
      const current = decision({ consumedOverrides: ['n1'] });
      expect(decide(input(members(facts('a'), facts('b'), 'no pod'), { force, current })).phase).toBe('waiting');
    });
    test('is refused and consumed while a Primary component runs', () => {
      expect(decide(input(members(primary('a'), facts('b'), facts('c')), { force }))).toMatchObject({ phase: 'running', consume: 'n1' });
    });
    test('is refused and consumed when it names no member', () => {
      expect(decide(input(members(facts('a'), facts('b'), facts('c')), { force: { member: 'db-7', nonce: 'n2' } }))).toMatchObject({ phase: 'blocked', consume: 'n2' });
    });
    test('never replaces a standing order for another member (that could make two bootstraps)', () => {
      const current = decision({ phase: 'bootstrap', bootstrap: { member: 'db-0', round: 'r-a', script: 'after-crash-bootstrap.sh' }, reason: 'earlier' });
      const verdict = decide(input(members(facts('a'), facts('b'), facts('c')), { force, current }));
      expect(verdict.bootstrap?.member).toBe('db-0');
      expect(verdict.consume).toBeUndefined();
      expect(verdict.reason).toMatch(/force-bootstrap of db-2 \(nonce n1\) waits until this order is over/);
    });
    test('an empty member forced starts a new cluster with bootstrap-new-cluster.sh', () => {
      expect(decide(input(members(empty('a'), facts('b'), 'no pod'), { force: { member: 'db-0', nonce: 'n3' } })).bootstrap?.script).toBe('bootstrap-new-cluster.sh');
    });
  });
});

// ---- properties over random inputs (a seeded generator: the same cases every run) ------------


function randomInput(r: () => number): DeciderInput {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const replicas = 1 + Math.floor(r() * 5);
  const m: MemberView[] = [];
  for (let ordinal = 0; ordinal < replicas; ordinal++) {
    const name = `db-${ordinal}`;
    const shape = r();
    if (shape < 0.05) { m.push({ name, ordinal, pod: false }); continue; }
    if (shape < 0.1) { m.push({ name, ordinal, pod: true }); continue; }
    const dataDir = pick(['empty', 'uninitialised', 'initialised', 'initialised', 'initialised'] as const);
    const f: MemberFacts = {
      protocol: GALERA_PROTOCOL, member: name, round: `r${Math.floor(r() * 3)}`, stage: pick(['waiting', 'waiting', 'waiting', 'preparing', 'starting', 'running', 'refused'] as const), dataDir,
      safeToBootstrap: dataDir === 'initialised' && r() < 0.2, mysqldExits: 0,
    };
    if (dataDir !== 'empty' && r() < 0.9) f.uuid = r() < 0.9 ? U1 : U2;
    if (dataDir === 'initialised' && r() < 0.95) f.seqno = Math.floor(r() * 6) - 1;
    if (f.stage === 'running') f.wsrep = { clusterStatus: pick(['Primary', 'non-Primary'] as const), localState: 'Synced', clusterSize: 1, clusterStateUuid: f.uuid ?? U1 };
    m.push({ name, ordinal, pod: true, facts: f });
  }
  const given: DeciderInput = { replicas, members: m };
  if (r() < 0.3) {
    const target = m[Math.floor(r() * m.length)]!;
    const b = target.facts;
    given.current = decision({ phase: 'bootstrap', replicas, bootstrap: { member: target.name, round: r() < 0.7 && b ? b.round : 'old', script: 'after-crash-bootstrap.sh' } });
  }
  if (r() < 0.2) given.force = { member: `db-${Math.floor(r() * (replicas + 1))}`, nonce: 'n' };
  return given;
}

describe('properties (2,000 random inputs)', () => {
  const inputs = Array.from({ length: 2000 }, (_, i) => randomInput(rng(i + 1)));

  test('never a bootstrap while a member reports a Primary component', () => {
    for (const given of inputs) {
      if (given.members.some((m) => m.pod && isPrimary(m.facts))) expect(decide(given).bootstrap).toBeUndefined();
    }
  });

  test('a standing order for one member is never replaced by an order for another while its round lasts (no second bootstrap)', () => {
    for (const given of inputs) {
      const standing = given.current?.bootstrap;
      if (!standing) continue;
      const member = given.members.find((m) => m.name === standing.member);
      const lasts = member?.pod && (member.facts?.round === standing.round || !member.facts);
      const verdict = decide(given);
      if (lasts && verdict.bootstrap) expect(verdict.bootstrap).toEqual(standing);
    }
  });

  test('without a force, a bootstrap comes only from a member that waits, and from the most advanced of its cluster', () => {
    let bootstraps = 0;
    for (const given of inputs) {
      if (given.force || given.current) continue;
      const verdict = decide(given);
      if (!verdict.bootstrap) continue;
      bootstraps++;
      const chosen = given.members.find((m) => m.name === verdict.bootstrap!.member)!;
      expect(chosen.facts?.stage).toBe('waiting');
      expect(given.members.every((m) => m.pod && m.facts?.stage === 'waiting')).toBe(true);
      for (const other of given.members) {
        if (other.facts?.dataDir !== 'initialised') continue;
        expect(other.facts.uuid).toBe(chosen.facts!.uuid); // never across cluster UUIDs
        expect(chosen.facts!.seqno!).toBeGreaterThanOrEqual(other.facts.seqno!);
      }
      if (chosen.facts!.dataDir !== 'initialised') expect(chosen.ordinal).toBe(0); // first start: ordinal 0 by rule
    }
    expect(bootstraps).toBeGreaterThan(20); // the generator does reach the interesting cases
  });

  test('a verdict has a bootstrap order exactly in phase bootstrap', () => {
    for (const given of inputs) {
      const verdict = decide(given);
      expect(verdict.bootstrap !== undefined).toBe(verdict.phase === 'bootstrap');
    }
  });

  test('the decider is deterministic and does not mutate its input', () => {
    for (const given of inputs.slice(0, 200)) {
      const copy = JSON.parse(JSON.stringify(given));
      expect(decide(given)).toEqual(decide(copy));
      expect(given).toEqual(copy);
    }
  });
});

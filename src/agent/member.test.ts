import { Member, type Action, type Observation, type RoundFile } from './member';
import { GALERA_PROTOCOL, type GaleraDecision, type MemberFacts } from '../model/galera';
import type { Grastate } from './datadir';

const U1 = '11111111-1111-4111-8111-111111111111';
const U2 = '22222222-2222-4222-8222-222222222222';

/** The files of the contract as run.sh and on-start.sh see them, and what the member does to them. */
class World {
  roundFile?: RoundFile;
  peerList = false;
  preRun?: string;
  runOnPresent?: string;
  seqnoText?: string;
  now = 0;
  dataDir: Observation['dataDir'] = 'empty';
  grastate?: Grastate;
  peers: MemberFacts[] = [];
  decision?: GaleraDecision;
  mysql?: Observation['mysql'];
  written: Action[] = [];

  /** run.sh's loop start: rm -rf /run-script/*, rm peer-list, rm seqno. */
  runShLoop(): void {
    this.roundFile = undefined;
    this.preRun = undefined;
    this.runOnPresent = undefined;
    this.peerList = false;
    this.seqnoText = undefined;
  }

  observe(): Observation {
    return {
      now: this.now, roundFile: this.roundFile, peerList: this.peerList, preRun: this.preRun !== undefined, runOnPresent: this.runOnPresent !== undefined,
      seqnoText: this.seqnoText, dataDir: this.dataDir, grastate: this.grastate, peers: this.peers, decision: this.decision, mysql: this.mysql,
    };
  }

  step(member: Member): Action[] {
    const actions = member.step(this.observe());
    for (const a of actions) {
      this.written.push(a);
      if (a.kind === 'write-round-file') this.roundFile = a.file;
      if (a.kind === 'delete-seqno') this.seqnoText = undefined;
      if (a.kind === 'write-peer-list') this.peerList = true;
      if (a.kind === 'write-pre-run') this.preRun = a.script;
      if (a.kind === 'write-run-on-present') this.runOnPresent = a.script;
    }
    return actions;
  }
}

let rounds = 0;
const member = (name = 'db-1') => new Member({ member: name, newRoundId: () => `round-${++rounds}` });
const facts = (m: Member, w: World) => m.facts(w.observe())!;
const scripts = (actions: Action[]) => actions.flatMap((a) => (a.kind === 'write-pre-run' || a.kind === 'write-run-on-present' ? [a.script] : []));
const primary = (name: string, uuid = U1): MemberFacts => ({
  protocol: GALERA_PROTOCOL, member: name, round: 'x', stage: 'running', dataDir: 'initialised', safeToBootstrap: false, mysqldExits: 0,
  wsrep: { clusterStatus: 'Primary', localState: 'Synced', clusterSize: 2, clusterStateUuid: uuid },
});
const order = (m: Member, over: Partial<GaleraDecision> = {}): GaleraDecision => ({
  protocol: GALERA_PROTOCOL, sequence: 5, leader: { identity: 'w', term: 1 }, phase: 'bootstrap', reason: 'first start', replicas: 3, consumedOverrides: [],
  bootstrap: { member: 'db-1', round: m.roundId!, script: 'bootstrap-new-cluster.sh' }, ...over,
});

beforeEach(() => (rounds = 0));

describe('a round of run.sh', () => {
  test('an empty data directory gets peer-list and blank-script.sh, then waits with complete facts', () => {
    const w = new World();
    const m = member();
    expect(w.step(m).map((a) => a.kind)).toEqual(['write-round-file', 'delete-seqno', 'write-peer-list', 'write-pre-run']);
    expect(w.preRun).toBe('blank-script.sh');
    w.step(m);
    expect(facts(m, w)).toMatchObject({ stage: 'waiting', dataDir: 'empty', round: 'round-1', safeToBootstrap: false });
    expect(facts(m, w).seqno).toBeUndefined();
  });

  test('a database whose grastate.dat has no position (a crash) gets recover-seq-no.sh, and its seqno once the script wrote it', () => {
    const w = Object.assign(new World(), { dataDir: 'initialised', grastate: { uuid: U1, seqno: -1, safeToBootstrap: false } });
    const m = member();
    w.step(m);
    expect(w.preRun).toBe('recover-seq-no.sh');
    w.step(m);
    expect(facts(m, w).stage).toBe('preparing'); // no seqno file yet
    w.seqnoText = '1234';
    w.step(m);
    expect(facts(m, w)).toMatchObject({ stage: 'waiting', uuid: U1, seqno: 1234, seqnoSource: 'recovered' });
  });

  test('recover-seq-no.sh finding no position leaves the seqno unknown', () => {
    const w = Object.assign(new World(), { dataDir: 'initialised', grastate: { uuid: U1, seqno: -1, safeToBootstrap: false } });
    const m = member();
    w.step(m);
    w.seqnoText = '';
    w.step(m);
    expect(facts(m, w).stage).toBe('waiting');
    expect(facts(m, w).seqno).toBeUndefined();
  });

  test('after a clean stop grastate.dat gives the position: blank-script.sh, seqno from grastate', () => {
    const w = Object.assign(new World(), { dataDir: 'initialised', grastate: { uuid: U1, seqno: 77, safeToBootstrap: true } });
    const m = member();
    w.step(m);
    expect(w.preRun).toBe('blank-script.sh');
    w.step(m);
    expect(facts(m, w)).toMatchObject({ stage: 'waiting', seqno: 77, seqnoSource: 'grastate', safeToBootstrap: true });
  });

  test('a half-initialised directory (no mysql/) is never recovered: that would initialise a new database', () => {
    const w = Object.assign(new World(), { dataDir: 'uninitialised', grastate: { uuid: U1, seqno: -1, safeToBootstrap: false } });
    const m = member();
    w.step(m);
    expect(w.preRun).toBe('blank-script.sh');
  });

  test('nothing is written while run.sh has not deleted the previous loop\'s peer-list', () => {
    const w = Object.assign(new World(), { peerList: true });
    const m = member();
    expect(w.step(m)).toEqual([]);
    w.peerList = false;
    expect(w.step(m).length).toBe(4);
  });
});

describe('joining and bootstrapping', () => {
  function waiting(over: Partial<World> = {}): { w: World; m: Member } {
    const w = Object.assign(new World(), over);
    const m = member();
    w.step(m);
    if (w.preRun === 'recover-seq-no.sh') w.seqnoText = '10';
    w.step(m);
    expect(facts(m, w).stage).toBe('waiting');
    return { w, m };
  }

  test('joins when a peer reports a Primary component of its own cluster', () => {
    const { w, m } = waiting({ dataDir: 'initialised', grastate: { uuid: U1, seqno: -1, safeToBootstrap: false } });
    w.peers = [primary('db-0')];
    expect(scripts(w.step(m))).toEqual(['join-cluster.sh']);
    expect(facts(m, w).stage).toBe('starting');
  });

  test('an empty member joins whatever single cluster runs', () => {
    const { w, m } = waiting();
    w.peers = [primary('db-0', U2), primary('db-2', U2)];
    expect(scripts(w.step(m))).toEqual(['join-cluster.sh']);
  });

  test('refuses to join another cluster\'s Primary component while it holds data (a state transfer would replace it)', () => {
    const { w, m } = waiting({ dataDir: 'initialised', grastate: { uuid: U2, seqno: -1, safeToBootstrap: false } });
    w.peers = [primary('db-0', U1)];
    expect(w.step(m)).toEqual([]);
    expect(facts(m, w)).toMatchObject({ stage: 'refused', refused: expect.stringContaining(`belongs to cluster ${U2}`) });
    w.peers = [];
    w.step(m);
    expect(facts(m, w).stage).toBe('waiting');
  });

  test('joins the Primary the leader bootstrapped from its own cluster after a crash, though it has a new cluster UUID (KubeDB\'s entrypoint gives mysqld no start position)', () => {
    const { w, m } = waiting({ dataDir: 'initialised', grastate: { uuid: U1, seqno: -1, safeToBootstrap: false } });
    w.peers = [primary('db-0', U2)];
    expect(w.step(m)).toEqual([]); // no order seen: another cluster
    expect(facts(m, w).stage).toBe('refused');
    w.decision = order(m, { phase: 'running', bootstrap: undefined, previousBootstrap: { member: 'db-0', round: 'x', script: 'after-crash-bootstrap.sh', uuid: U1, seqno: 30 } });
    expect(scripts(w.step(m))).toEqual(['join-cluster.sh']);
  });

  test('an order from another cluster\'s member does not make its Primary ours', () => {
    const { w, m } = waiting({ dataDir: 'initialised', grastate: { uuid: U1, seqno: -1, safeToBootstrap: false } });
    w.peers = [primary('db-0', U2)];
    w.decision = order(m, { phase: 'running', bootstrap: undefined, previousBootstrap: { member: 'db-0', round: 'x', script: 'after-crash-bootstrap.sh', uuid: U2, seqno: 30 } });
    expect(w.step(m)).toEqual([]);
    expect(facts(m, w).stage).toBe('refused');
  });

  test('bootstraps only on an order for itself and for this round, with the script the order names', () => {
    const { w, m } = waiting();
    w.decision = order(m, { bootstrap: { member: 'db-0', round: 'round-1', script: 'bootstrap-new-cluster.sh' } });
    expect(w.step(m)).toEqual([]);
    w.decision = order(m, { sequence: 6, bootstrap: { member: 'db-1', round: 'an-old-round', script: 'bootstrap-new-cluster.sh' } });
    expect(w.step(m)).toEqual([]);
    w.decision = order(m, { sequence: 7 });
    expect(scripts(w.step(m))).toEqual(['bootstrap-new-cluster.sh']);
    expect(m.bootstraps).toBe(1);
  });

  test('a Primary component wins over a bootstrap order (the local guard)', () => {
    const { w, m } = waiting();
    w.decision = order(m);
    w.peers = [primary('db-0')];
    expect(scripts(w.step(m))).toEqual(['join-cluster.sh']);
  });

  test('a decision older than one already seen is ignored', () => {
    const { w, m } = waiting();
    w.decision = order(m, { sequence: 9, phase: 'waiting', bootstrap: undefined });
    w.step(m);
    w.decision = order(m, { sequence: 8 });
    expect(w.step(m)).toEqual([]);
  });

  test('an order executed is never executed again: the agent restarted mid-round carries on with the same round', () => {
    const { w, m } = waiting();
    w.decision = order(m);
    expect(scripts(w.step(m))).toEqual(['bootstrap-new-cluster.sh']);
    const restarted = member();
    w.step(restarted);
    expect(restarted.roundId).toBe(m.roundId);
    expect(facts(restarted, w).stage).toBe('starting');
    expect(w.step(restarted)).toEqual([]);
    // run.sh loops (mysqld exited): a new round, which the old order does not name — at once: how
    // long a mysqld started before this agent ran is unknown, so no quick-exit backoff.
    w.runShLoop();
    w.step(restarted);
    expect(facts(restarted, w)).toMatchObject({ mysqldExits: 1 });
    expect(facts(restarted, w).stage).not.toBe('backoff');
    expect(restarted.roundId).not.toBe(m.roundId);
    w.step(restarted);
    expect(scripts(w.step(restarted))).toEqual([]);
  });
});

describe('mysqld exits under run.sh\'s loop', () => {
  test('are counted, and a quick exit backs off before the next round, doubling', () => {
    const w = new World();
    const m = member();
    w.step(m);
    w.step(m);
    w.peers = [primary('db-0')];
    w.step(m); // join
    w.mysql = { clusterStatus: 'Primary', localState: 'Synced', clusterSize: 3, clusterStateUuid: U1 };
    w.step(m);
    expect(facts(m, w)).toMatchObject({ stage: 'running', wsrep: { localState: 'Synced' } });
    w.mysql = undefined;
    w.now += 10_000; // ran 10 s: a quick exit
    w.runShLoop();
    expect(w.step(m)).toEqual([]);
    expect(facts(m, w)).toMatchObject({ stage: 'backoff', mysqldExits: 1 });
    w.now += 4_999;
    expect(w.step(m)).toEqual([]);
    w.now += 1;
    expect(w.step(m).length).toBe(4);
    w.step(m);
    w.step(m); // joins again
    w.now += 1_000;
    w.runShLoop();
    w.step(m);
    expect(facts(m, w)).toMatchObject({ stage: 'backoff', mysqldExits: 2 });
    w.now += 9_999;
    expect(w.step(m)).toEqual([]);
    w.now += 1;
    expect(w.step(m).length).toBe(4);
  });

  test('a run that lasted longer than a minute starts the next round at once', () => {
    const w = new World();
    const m = member();
    w.step(m);
    w.step(m);
    w.peers = [primary('db-0')];
    w.step(m);
    w.now += 600_000;
    w.runShLoop();
    expect(w.step(m).length).toBe(4);
    expect(facts(m, w).mysqldExits).toBe(1);
  });
});

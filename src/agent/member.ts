/**
 * One member's side of KubeDB's init-image contract, as a state machine without I/O: each tick
 * the shell observes the contract's files, the data directory, the peers, the leader's decision
 * and mysqld's own status, and performs the actions `step` returns.
 *
 * One loop of the init image's run.sh (deletes /run-script/*, peer-list and seqno, then
 * on-start.sh waits for peer-list, runs the pre-run script, waits for and runs run-on-present)
 * is one *round* here:
 *   new       → write the round file, peer-list and the pre-run script (recover-seq-no.sh when the
 *               data directory holds a database whose position grastate.dat does not give, else
 *               blank-script.sh)
 *   preparing → the pre-run runs; recover-seq-no.sh writes /scripts/seqno
 *   waiting   → facts complete. A peer reports a Primary component of our cluster (or we hold no
 *               data): join. A peer's Primary is another cluster's and we hold data: `refused`. A
 *               bootstrap order for us, for this round: bootstrap with the script it names.
 *   starting  → run-on-present written; mysqld starts (or receives a state transfer)
 *   running   → mysqld answers SQL
 * When run.sh deletes our files (mysqld exited) the round is over; a run that lasted less than a
 * minute counts as a quick exit and the next round waits (backoff) before writing anything.
 *
 * The round's identity lives in a file of /run-script (`pxc-tls-round`), which run.sh deletes with
 * the scripts: an agent that restarts mid-round carries on with the same round, so a bootstrap
 * order already executed can never be executed again under a new round name.
 */
import { INIT_SCRIPT, type PreRunScript, type RunScript } from '../model/kubedb';
import { GALERA_PROTOCOL, isPrimary, type DataDirKind, type GaleraDecision, type MemberFacts, type Stage, type WsrepStatus } from '../model/galera';
import { parseRecoveredSeqno, type Grastate } from './datadir';

/** The round file: which round this is and which pre-run it was given. */
export interface RoundFile {
  round: string;
  preRun?: PreRunScript;
}

/** What the contract's files and the data directory show (files.ts reads them). */
export interface FileObservation {
  roundFile?: RoundFile;
  peerList: boolean;
  preRun: boolean;
  runOnPresent: boolean;
  /** /scripts/seqno's text, when the file exists. */
  seqnoText?: string;
  dataDir: DataDirKind;
  grastate?: Grastate;
}

export interface Observation extends FileObservation {
  /** Monotonic milliseconds. */
  now: number;
  /** The peers' latest reports (the other members' /peer), gathered this tick while waiting. */
  peers: readonly MemberFacts[];
  decision?: GaleraDecision;
  /** Our own mysqld's wsrep status; undefined when it does not answer. */
  mysql?: WsrepStatus;
}

export type Action =
  | { kind: 'write-round-file'; file: RoundFile }
  | { kind: 'delete-seqno' }
  | { kind: 'write-peer-list' }
  | { kind: 'write-pre-run'; script: PreRunScript }
  | { kind: 'write-run-on-present'; script: RunScript; why: string };

export interface MemberOptions {
  member: string;
  newRoundId(): string;
  /** A run of mysqld shorter than this is a quick exit (default 60 s). */
  quickExitMs?: number;
  /** Backoff after the first quick exit, doubled per further one (default 5 s). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

interface Round {
  id: string;
  stage: Stage | 'new';
  preRun?: PreRunScript;
  /** The seqno and where it came from, once known. */
  seqno?: number;
  seqnoSource?: 'grastate' | 'recovered';
  refused?: string;
  /** When run-on-present was written (for the quick-exit rule). */
  startedAt?: number;
}

/** Whether the leader's latest bootstrap order (standing or ended) was given to a member of cluster `uuid`. */
function lastOrderFrom(decision: GaleraDecision | undefined, uuid: string): boolean {
  if (!decision || decision.protocol !== GALERA_PROTOCOL) return false;
  const order = decision.bootstrap ?? decision.previousBootstrap;
  return order?.uuid === uuid;
}

export class Member {
  private round: Round | undefined;
  private mysqldExits = 0;
  private quickExits = 0;
  private backoffUntil = 0;
  private highestSequence = -1;
  /** Bootstrap scripts this agent process wrote (for the metric and logs). */
  bootstraps = 0;
  private readonly quickExitMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;

  constructor(private readonly options: MemberOptions) {
    this.quickExitMs = options.quickExitMs ?? 60_000;
    this.backoffBaseMs = options.backoffBaseMs ?? 5_000;
    this.backoffMaxMs = options.backoffMaxMs ?? 60_000;
  }

  get stage(): Stage | 'new' | undefined {
    return this.round?.stage;
  }

  get roundId(): string | undefined {
    return this.round?.id;
  }

  get exits(): number {
    return this.mysqldExits;
  }

  /** Whether the shell should ask the peers and read the decision this tick. */
  wantsPeers(): boolean {
    const stage = this.round?.stage;
    // preparing too: the tick that completes the facts decides at once, and must see the peers.
    return stage === undefined || stage === 'preparing' || stage === 'waiting' || stage === 'refused';
  }

  step(obs: Observation): Action[] {
    if (!this.round) this.adopt(obs);
    else if (this.round.stage !== 'new' && this.round.stage !== 'backoff' && (!obs.roundFile || obs.roundFile.round !== this.round.id || !obs.peerList)) this.loopEnded(obs.now);
    const round = this.round!;
    switch (round.stage) {
      case 'backoff':
        if (obs.now < this.backoffUntil) return [];
        round.stage = 'new';
        return this.startRound(obs);
      case 'new':
        return this.startRound(obs);
      case 'preparing':
        return this.prepare(obs);
      case 'waiting':
      case 'refused':
        return this.decide(obs);
      case 'starting':
        if (obs.mysql) round.stage = 'running';
        return [];
      case 'running':
        return [];
    }
  }

  /** At agent start: carry on with the round run.sh is in, or begin one. */
  private adopt(obs: Observation): void {
    const file = obs.roundFile;
    if (!file) {
      this.round = { id: this.options.newRoundId(), stage: 'new' };
      return;
    }
    const round: Round = { id: file.round, stage: 'new' };
    if (file.preRun) round.preRun = file.preRun;
    if (obs.runOnPresent) {
      // mysqld was started before this agent: how long it has run is unknown (no quick-exit rule for it).
      round.stage = obs.mysql ? 'running' : 'starting';
    } else if (obs.preRun && obs.peerList && file.preRun) {
      round.stage = 'preparing';
    }
    this.round = round;
  }

  private loopEnded(now: number): void {
    const previous = this.round!;
    if (previous.stage === 'starting' || previous.stage === 'running') {
      this.mysqldExits++;
      const quick = previous.startedAt !== undefined && now - previous.startedAt < this.quickExitMs;
      this.quickExits = quick ? this.quickExits + 1 : 0;
    }
    this.round = { id: this.options.newRoundId(), stage: 'new' };
    if (this.quickExits > 0) {
      this.backoffUntil = now + Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (this.quickExits - 1));
      this.round.stage = 'backoff';
    }
  }

  /** Writes only once run.sh has deleted peer-list (else it would delete ours). */
  private startRound(obs: Observation): Action[] {
    const round = this.round!;
    if (obs.peerList && obs.roundFile?.round !== round.id) return []; // run.sh has not cleaned up yet
    const positionKnown = obs.grastate !== undefined && obs.grastate.seqno >= 0;
    // Never recover a directory without mysql/: the entrypoint would initialise a new database.
    round.preRun = obs.dataDir === 'initialised' && !positionKnown ? INIT_SCRIPT.recoverSeqNo : INIT_SCRIPT.blank;
    if (obs.dataDir === 'initialised' && positionKnown) {
      round.seqno = obs.grastate!.seqno;
      round.seqnoSource = 'grastate';
    }
    round.stage = 'preparing';
    return [
      { kind: 'write-round-file', file: { round: round.id, preRun: round.preRun } },
      { kind: 'delete-seqno' },
      { kind: 'write-peer-list' },
      { kind: 'write-pre-run', script: round.preRun },
    ];
  }

  private prepare(obs: Observation): Action[] {
    const round = this.round!;
    if (round.preRun === INIT_SCRIPT.recoverSeqNo) {
      if (obs.seqnoText === undefined) return [];
      const seqno = parseRecoveredSeqno(obs.seqnoText);
      if (seqno !== undefined) {
        round.seqno = seqno;
        round.seqnoSource = 'recovered';
      }
    } else if (round.seqno === undefined && obs.dataDir === 'initialised' && obs.grastate && obs.grastate.seqno >= 0) {
      round.seqno = obs.grastate.seqno;
      round.seqnoSource = 'grastate';
    }
    round.stage = 'waiting';
    return this.decide(obs);
  }

  private decide(obs: Observation): Action[] {
    const round = this.round!;
    const primaries = obs.peers.filter((p) => isPrimary(p));
    if (primaries.length > 0) {
      const clusters = [...new Set(primaries.map((p) => p.wsrep!.clusterStateUuid))];
      const mine = obs.dataDir === 'initialised' ? obs.grastate?.uuid : undefined;
      // A bootstrap after a crash starts a new cluster UUID (KubeDB's entrypoint passes mysqld no
      // start position): a Primary bootstrapped by the leader's order from this member's cluster —
      // from its most advanced member — continues this member's history, which a state transfer
      // then brings it. Any other cluster's Primary would replace data of another history.
      const bootstrappedFromMine = mine !== undefined && clusters.length === 1 && lastOrderFrom(obs.decision, mine);
      const target = mine ? clusters.find((c) => c === mine) ?? (bootstrappedFromMine ? clusters[0] : undefined) : clusters.length === 1 ? clusters[0] : undefined;
      if (!target) {
        round.stage = 'refused';
        round.refused = mine
          ? `this member's data belongs to cluster ${mine}; the Primary component of ${primaries.map((p) => p.member).join(', ')} is cluster ${clusters.join(', ')}: joining would replace the data by a state transfer`
          : `Primary components of ${clusters.length} clusters run (${clusters.join(', ')}); not joining either`;
        return [];
      }
      delete round.refused;
      return this.start(obs, INIT_SCRIPT.joinCluster, `a Primary component runs (${primaries.map((p) => p.member).join(', ')}, cluster ${target})`);
    }
    if (round.stage === 'refused') {
      round.stage = 'waiting';
      delete round.refused;
    }
    const decision = obs.decision;
    if (!decision || decision.protocol !== GALERA_PROTOCOL || decision.sequence < this.highestSequence) return [];
    this.highestSequence = decision.sequence;
    const order = decision.bootstrap;
    if (decision.phase !== 'bootstrap' || !order || order.member !== this.options.member || order.round !== round.id) return [];
    this.bootstraps++;
    return this.start(obs, order.script, `bootstrap ordered by ${decision.leader.identity} (term ${decision.leader.term}, sequence ${decision.sequence}): ${decision.reason}`);
  }

  private start(obs: Observation, script: RunScript, why: string): Action[] {
    const round = this.round!;
    round.stage = 'starting';
    round.startedAt = obs.now;
    return [{ kind: 'write-run-on-present', script, why }];
  }

  /** The facts to publish (annotation and /peer); undefined before the first step. */
  facts(obs: Pick<Observation, 'dataDir' | 'grastate' | 'mysql'>): MemberFacts | undefined {
    const round = this.round;
    if (!round) return undefined;
    const facts: MemberFacts = {
      protocol: GALERA_PROTOCOL,
      member: this.options.member,
      round: round.id,
      stage: round.stage === 'new' ? 'preparing' : round.stage,
      dataDir: obs.dataDir,
      safeToBootstrap: obs.grastate?.safeToBootstrap ?? false,
      mysqldExits: this.mysqldExits,
    };
    if (obs.grastate?.uuid) facts.uuid = obs.grastate.uuid;
    if (round.seqno !== undefined) facts.seqno = round.seqno;
    if (round.seqnoSource) facts.seqnoSource = round.seqnoSource;
    if (round.refused) facts.refused = round.refused;
    if (obs.mysql && (round.stage === 'running' || round.stage === 'starting')) facts.wsrep = obs.mysql;
    return facts;
  }
}

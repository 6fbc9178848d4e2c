/**
 * The one decider of Galera bootstraps (run only by the watcher's leader): the facts each member's
 * agent reports, the replica count of the StatefulSet, the decision standing in the ConfigMap and a
 * user's force-bootstrap request in; one verdict out. Pure: no clock, no I/O.
 *
 * Rules, in order (the first that applies decides):
 *  1. A member reports a Primary component → nothing to bootstrap; the others join on their own.
 *  2. A bootstrap order stands while its member is in the round it was given for → keep it. At most
 *     one order exists at a time, and a member executes one only in the round it names, so an order
 *     is executed at most once, whoever leads meanwhile.
 *  3. A force-bootstrap request not consumed yet → bootstrap the member it names (once per nonce),
 *     once that member reports waiting.
 *  4. Wait until EVERY member (ordinals 0..replicas−1) reports its complete facts (stage `waiting`).
 *  5. No member has data: first start → ordinal 0, by rule (bootstrap-new-cluster.sh).
 *  6. Members with data must all belong to one cluster UUID, and each must know its position;
 *     otherwise a human decides (force-bootstrap).
 *  7. The member with the highest seqno (ties: safe_to_bootstrap: 1 first, then the lowest ordinal):
 *     bootstrap-new-cluster.sh when it is safe to bootstrap, after-crash-bootstrap.sh otherwise. A
 *     member with safe_to_bootstrap: 1 but a lower seqno than another is never chosen: that would
 *     lose the other's commits.
 */
import { INIT_SCRIPT } from '../model/kubedb';
import { isPrimary, type BootstrapOrder, type CaChangeOrder, type ForceBootstrap, type GaleraDecision, type MemberFacts, type Phase, type RestartOrder } from '../model/galera';

export interface MemberView {
  /** `<db>-<ordinal>` */
  name: string;
  ordinal: number;
  /** Whether a Pod of that name exists (not being deleted). */
  pod: boolean;
  facts?: MemberFacts;
  /** The annotation is there but unreadable (bad JSON, another protocol): why. */
  factsError?: string;
}

export interface DeciderInput {
  replicas: number;
  /** One entry per ordinal 0..replicas−1, in order (the shell builds it from the pods). */
  members: MemberView[];
  current?: GaleraDecision;
  force?: ForceBootstrap;
}

export interface Verdict {
  phase: Phase;
  bootstrap?: BootstrapOrder;
  reason: string;
  /** A force-bootstrap nonce to record as consumed (acted on or refused). */
  consume?: string;
  /** A certificate restart order (restart-decider.ts), only in phase running. */
  restart?: RestartOrder;
  /** A CA change's stage order (ca-change-decider.ts). */
  caChange?: CaChangeOrder;
}

const list = (names: string[]): string => names.join(', ');

function primaryVerdict(input: DeciderInput, primaries: MemberView[]): Verdict {
  const uuids = [...new Set(primaries.map((m) => m.facts!.wsrep!.clusterStateUuid))];
  const who = list(primaries.map((m) => `${m.name} (${m.facts!.wsrep!.localState})`));
  const reason = uuids.length > 1
    ? `Primary components of ${uuids.length} different clusters: ${who}; members join the one of their own cluster UUID`
    : `a Primary component runs: ${who}; the other members join it`;
  const force = pendingForce(input);
  if (!force) return { phase: 'running', reason };
  return { phase: 'running', reason: `${reason}; force-bootstrap of ${force.member} (nonce ${force.nonce}) refused: a Primary component runs`, consume: force.nonce };
}

/** A force-bootstrap request whose nonce the standing decision has not consumed. */
function pendingForce(input: DeciderInput): ForceBootstrap | undefined {
  const { force, current } = input;
  if (!force) return undefined;
  return current?.consumedOverrides.includes(force.nonce) ? undefined : force;
}

/** Rule 2: the standing order, if its member is still in the round it names. */
function standingOrder(input: DeciderInput): BootstrapOrder | undefined {
  const order = input.current?.phase === 'bootstrap' ? input.current.bootstrap : undefined;
  if (!order) return undefined;
  const member = input.members.find((m) => m.name === order.member);
  // Its pod gone, or a new round (mysqld exited and run.sh looped, or a new pod): the order is over.
  if (!member?.pod || member.facts?.round !== order.round) {
    // A new pod that has not reported yet may be the old one's replacement or the old one slow to
    // report; only facts from another round prove the order's round is over.
    if (member?.pod && !member.facts) return order;
    return undefined;
  }
  return order;
}

function scriptFor(facts: MemberFacts): BootstrapOrder['script'] {
  if (facts.dataDir === 'empty') return INIT_SCRIPT.bootstrapNewCluster;
  return facts.safeToBootstrap ? INIT_SCRIPT.bootstrapNewCluster : INIT_SCRIPT.afterCrashBootstrap;
}

function order(member: MemberView, script: BootstrapOrder['script'], override?: string): BootstrapOrder {
  const facts = member.facts!;
  const o: BootstrapOrder = { member: member.name, round: facts.round, script };
  if (facts.uuid) o.uuid = facts.uuid;
  if (facts.seqno !== undefined) o.seqno = facts.seqno;
  if (override !== undefined) o.override = override;
  return o;
}

/** Rule 3. */
function forcedVerdict(input: DeciderInput, force: ForceBootstrap): Verdict {
  const member = input.members.find((m) => m.name === force.member);
  if (!member) {
    return { phase: 'blocked', reason: `force-bootstrap (nonce ${force.nonce}) refused: ${force.member} is not a member (replicas ${input.replicas})`, consume: force.nonce };
  }
  if (!member.pod || member.facts?.stage !== 'waiting') {
    const state = !member.pod ? 'has no pod' : member.factsError ? `reports unreadable facts (${member.factsError})` : member.facts ? `is in stage ${member.facts.stage}` : 'has not reported its facts';
    return { phase: 'waiting', reason: `force-bootstrap of ${member.name} (nonce ${force.nonce}) waits: ${member.name} ${state}; it acts once the member reports waiting` };
  }
  const facts = member.facts;
  const script = facts.dataDir === 'empty' ? INIT_SCRIPT.bootstrapNewCluster : INIT_SCRIPT.afterCrashBootstrap;
  const at = facts.seqno !== undefined ? ` at seqno ${facts.seqno}` : '';
  return { phase: 'bootstrap', bootstrap: order(member, script, force.nonce), reason: `forced by the user (nonce ${force.nonce}): ${member.name} bootstraps${at}`, consume: force.nonce };
}

/** Rule 4: who is not ready to be compared; empty when every member waits with complete facts. */
function notReporting(input: DeciderInput): string[] {
  return input.members.flatMap((m) => {
    if (!m.pod) return [`${m.name} has no pod`];
    if (m.factsError) return [`${m.name}'s facts are unreadable (${m.factsError})`];
    if (!m.facts) return [`${m.name} has not reported its facts`];
    if (m.facts.stage === 'waiting') return [];
    if (m.facts.stage === 'running') return [`${m.name} runs in a ${m.facts.wsrep?.clusterStatus ?? 'unknown'} component (restart it so it reports its position)`];
    return [`${m.name} is ${m.facts.stage}`];
  });
}

export function decide(input: DeciderInput): Verdict {
  // 1.
  const primaries = input.members.filter((m) => m.pod && isPrimary(m.facts));
  if (primaries.length > 0) return primaryVerdict(input, primaries);

  // 2.
  const standing = standingOrder(input);
  const force = pendingForce(input);
  if (standing) {
    const waitingForce = force && force.member !== standing.member
      ? `; force-bootstrap of ${force.member} (nonce ${force.nonce}) waits until this order is over (delete pod ${standing.member} if it cannot act)`
      : '';
    const verdict: Verdict = { phase: 'bootstrap', bootstrap: standing, reason: `${input.current!.reason}${waitingForce}` };
    if (force && force.member === standing.member) verdict.consume = force.nonce;
    return verdict;
  }

  // 3.
  if (force) return forcedVerdict(input, force);

  // 4.
  if (input.members.length === 0) return { phase: 'waiting', reason: 'the StatefulSet has no replicas' };
  const missing = notReporting(input);
  if (missing.length > 0) return { phase: 'waiting', reason: `waiting for every member's facts: ${missing.join('; ')}` };
  const members = input.members;
  const withData = members.filter((m) => m.facts!.dataDir === 'initialised');

  // 5.
  if (withData.length === 0) {
    const formerCluster = members.filter((m) => m.facts!.uuid);
    if (formerCluster.length > 0) {
      return {
        phase: 'blocked',
        reason: `no member holds a database, but ${list(formerCluster.map((m) => `${m.name} (cluster ${m.facts!.uuid})`))} belonged to a cluster: its data is gone; force a bootstrap to start anew`,
      };
    }
    const first = members[0]!;
    return { phase: 'bootstrap', bootstrap: order(first, INIT_SCRIPT.bootstrapNewCluster), reason: `first start: every member's data directory is empty; ${first.name} bootstraps a new cluster by rule` };
  }

  // 6.
  const byUuid = new Map<string, string[]>();
  for (const m of withData) byUuid.set(m.facts!.uuid ?? 'none', [...(byUuid.get(m.facts!.uuid ?? 'none') ?? []), m.name]);
  if (byUuid.size > 1) {
    const groups = [...byUuid.entries()].map(([uuid, names]) => `${uuid === 'none' ? 'no cluster UUID' : uuid} (${list(names)})`);
    return { phase: 'blocked', reason: `members hold data of different clusters: ${groups.join(', ')}; force a bootstrap of the member whose data is to be kept (members of another cluster then refuse to join)` };
  }
  const unknown = withData.filter((m) => m.facts!.seqno === undefined);
  if (unknown.length > 0) {
    return { phase: 'blocked', reason: `the position of ${list(unknown.map((m) => m.name))} is unknown (recover-seq-no.sh found none); force a bootstrap once you know which member is the most advanced` };
  }

  // 7.
  const best = [...withData].sort((a, b) =>
    b.facts!.seqno! - a.facts!.seqno! || Number(b.facts!.safeToBootstrap) - Number(a.facts!.safeToBootstrap) || a.ordinal - b.ordinal)[0]!;
  const facts = best.facts!;
  const others = withData.filter((m) => m !== best).map((m) => `${m.name} ${m.facts!.seqno}`);
  const why = facts.safeToBootstrap
    ? `${best.name} is safe to bootstrap (safe_to_bootstrap: 1, seqno ${facts.seqno})`
    : `${best.name} has the highest seqno, ${facts.seqno}`;
  return {
    phase: 'bootstrap',
    bootstrap: order(best, scriptFor(facts)),
    reason: `every member reported after a whole-cluster stop: ${why}${others.length ? ` (others: ${others.join(', ')})` : ''}`,
  };
}

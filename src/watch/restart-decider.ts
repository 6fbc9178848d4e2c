/**
 * The one decider of certificate restarts (issue 12.1's fallback; run only by the watcher's leader,
 * beside galera-decider.ts): a member whose running server cannot reload a renewed certificate on
 * some channel reports `tlsReload.needsRestart` with the `pending` fingerprint; every pod sees a
 * renewal within about a minute, so uncoordinated restarts would fire together. This picks at most
 * ONE member to restart, the next only once the previous is back. Pure: no clock, no I/O.
 *
 * Rules, in order:
 *  1. A bootstrap order stands, or no Primary component runs → no restart order (a standing one is
 *     withdrawn: the cluster is not whole).
 *  2. A restart order stands → keep it until its member has restarted (another round, or its pod
 *     gone), serves the ordered fingerprint, or has something else pending (its copies moved on); withdraw it while its member still runs in the
 *     ordered round and ANOTHER member is not Synced in the Primary component (a restart now would
 *     take a second member down; the agent removes its marker when the order goes).
 *  3. A new order only when the cluster is whole: every member 0..replicas−1 runs, Synced, in one
 *     Primary component of the full replica count. Then the member of the highest ordinal that
 *     reports `needsRestart` with a `pending` fingerprint (as a StatefulSet rolls: highest first).
 */
import { isPrimary, type MemberFacts, type RestartOrder } from '../model/galera';
import type { MemberView } from './galera-decider';

export interface RestartInput {
  replicas: number;
  /** One entry per ordinal 0..replicas−1, in order. */
  members: MemberView[];
  current?: RestartOrder;
  /** A bootstrap order stands (the bootstrap verdict's phase is `bootstrap`). */
  bootstrapping: boolean;
}

export interface RestartVerdict {
  order?: RestartOrder;
  /** One sentence, for the decision's reason and the log. */
  reason?: string;
}

/** Synced in a Primary component of `size` members, by its own report. */
export function syncedPrimary(facts: MemberFacts | undefined, size?: number): boolean {
  const w = facts?.stage === 'running' ? facts.wsrep : undefined;
  return w?.clusterStatus === 'Primary' && w.localState === 'Synced' && (size === undefined || w.clusterSize === size);
}

function wantsRestart(facts: MemberFacts | undefined): facts is MemberFacts & { tlsReload: { pending: string } } {
  return !!facts?.tlsReload?.needsRestart && facts.tlsReload.pending !== undefined;
}

/** Why the cluster is not whole, or undefined when every member is Synced in one full Primary component. */
function notWhole(input: RestartInput): string | undefined {
  if (input.members.length !== input.replicas || input.replicas === 0) return `the StatefulSet has ${input.replicas} replicas`;
  const uuids = new Set<string>();
  for (const m of input.members) {
    if (!m.pod) return `${m.name} has no pod`;
    if (!m.facts) return `${m.name} has not reported its facts`;
    if (!syncedPrimary(m.facts, input.replicas)) {
      const w = m.facts.wsrep;
      return `${m.name} is not Synced in a Primary component of ${input.replicas} (${m.facts.stage}${w ? `, ${w.clusterStatus}, ${w.localState}, size ${w.clusterSize}` : ''})`;
    }
    uuids.add(m.facts.wsrep!.clusterStateUuid);
  }
  return uuids.size > 1 ? 'members report Primary components of different clusters' : undefined;
}

/** Rule 2: undefined when the standing order is over (with why), else the order and its sentence. */
function standing(input: RestartInput, order: RestartOrder): RestartVerdict & { over?: string } {
  const member = input.members.find((m) => m.name === order.member);
  if (!member?.pod) return { over: `${order.member} has no pod` };
  // A pod that has not reported yet (its agent restarted) may still be in the ordered round.
  if (!member.facts) return { order, reason: `${order.member} restarts for certificate ${order.fingerprint} (its facts are not reported yet)` };
  if (member.facts.round !== order.round) return { over: `${order.member} restarted (round ${member.facts.round})` };
  if (member.facts.tlsReload?.served === order.fingerprint) return { over: `${order.member} serves ${order.fingerprint}` };
  // Its copies moved on (a CA change's next stage): the order is for what it no longer waits for.
  if (member.facts.tlsReload?.pending !== order.fingerprint) return { over: `${order.member} no longer waits to serve ${order.fingerprint}` };
  const others = input.members.filter((m) => m !== member && !(m.pod && syncedPrimary(m.facts)));
  if (others.length > 0) {
    return { over: `withdrawn before ${order.member} restarted: ${others.map((m) => m.name).join(', ')} not Synced in the Primary component` };
  }
  return { order, reason: `${order.member} restarts to serve its renewed certificate ${order.fingerprint} (${member.facts.tlsReload?.reason ?? 'a channel cannot reload'})` };
}

export function decideRestart(input: RestartInput): RestartVerdict {
  // 1.
  if (input.bootstrapping) return input.current ? { reason: `restart of ${input.current.member} withdrawn: a bootstrap order stands` } : {};
  if (!input.members.some((m) => m.pod && isPrimary(m.facts))) {
    return input.current ? { reason: `restart of ${input.current.member} withdrawn: no Primary component runs` } : {};
  }
  // 2.
  let ended: string | undefined;
  if (input.current) {
    const s = standing(input, input.current);
    if (!s.over) return { order: s.order!, reason: s.reason! };
    ended = s.over;
  }
  // 3.
  const candidates = input.members.filter((m) => m.pod && wantsRestart(m.facts));
  if (candidates.length === 0) return ended ? { reason: `certificate restart over: ${ended}` } : {};
  const why = notWhole(input);
  const waiting = candidates.map((m) => m.name).join(', ');
  if (why) return { reason: `${ended ? `certificate restart over: ${ended}; ` : ''}${waiting} wait to restart for a renewed certificate until the cluster is whole: ${why}` };
  const next = [...candidates].sort((a, b) => b.ordinal - a.ordinal)[0]!;
  const facts = next.facts as MemberFacts & { tlsReload: { pending: string } };
  const order: RestartOrder = { member: next.name, round: facts.round, fingerprint: facts.tlsReload.pending };
  const after = candidates.length > 1 ? `; then ${candidates.filter((m) => m !== next).sort((a, b) => b.ordinal - a.ordinal).map((m) => m.name).join(', ')}, one at a time` : '';
  return { order, reason: `${next.name} restarts to serve its renewed certificate ${order.fingerprint} (${facts.tlsReload.reason ?? 'a channel cannot reload'})${after}` };
}

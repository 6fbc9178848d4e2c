/**
 * The one decider of a CA change's stages (issue 12.3; run only by the watcher's leader, beside the
 * bootstrap and restart deciders). Each member's agent trusts a new CA on its own as soon as its
 * Secret holds a leaf of it (src/agent/trust-stage.ts: trusting more is safe), but holds that leaf
 * back — `waitingCa` — because a peer that does not trust the new CA yet would reject it. Only this
 * decider sees every member. Pure: no clock, no I/O.
 *
 *  1. present — some member waits for CA X, and every member 0..replicas−1 reports X among the CAs
 *     its running server trusts (`trusted`): members may now serve their leaf of X. A member with
 *     no facts (down, restarting) holds the order back: it might trust the old CA only.
 *  2. retire — nobody waits, and every member 0..replicas−1 serves a leaf of X (`servedCa`) while
 *     some still trust another CA too: members drop the others from their bundles. Not before:
 *     a member still serving a leaf of the old CA needs its peers to trust that CA.
 *  3. Otherwise no order. Nothing is remembered: each order is derived again from the facts, so
 *     it stands exactly while its condition holds, whoever leads.
 */
import type { CaChangeOrder } from '../model/galera';
import type { MemberView } from './galera-decider';

export interface CaChangeInput {
  replicas: number;
  /** One entry per ordinal 0..replicas−1, in order. */
  members: MemberView[];
}

export interface CaChangeVerdict {
  order?: CaChangeOrder;
  /** One sentence, for the decision's reason and the log (absent when nothing is under way). */
  reason?: string;
}

const short = (fingerprint: string) => fingerprint.slice(0, 23);

/** The CA most members wait for (ties: the first by fingerprint, so every leader picks the same). */
function awaited(members: MemberView[]): string | undefined {
  const counts = new Map<string, number>();
  for (const m of members) {
    const ca = m.facts?.tlsReload?.waitingCa;
    if (ca) counts.set(ca, (counts.get(ca) ?? 0) + 1);
  }
  return [...counts].sort(([a, n], [b, k]) => k - n || a.localeCompare(b))[0]?.[0];
}

/** Members that do not meet `ok`, by name (a member without a pod or facts never does). */
function lacking(input: CaChangeInput, ok: (m: MemberView) => boolean): string[] {
  if (input.members.length !== input.replicas) return [`the StatefulSet's ${input.replicas} replicas`];
  return input.members.filter((m) => !m.pod || !m.facts?.tlsReload || !ok(m)).map((m) => m.name);
}

export function decideCaChange(input: CaChangeInput): CaChangeVerdict {
  const waitedFor = awaited(input.members);
  if (waitedFor) {
    const untrusting = lacking(input, (m) => m.facts!.tlsReload!.trusted?.includes(waitedFor) ?? false);
    if (untrusting.length > 0) return { reason: `CA change to ${short(waitedFor)}: its leaves wait until every member trusts it (not yet: ${untrusting.join(', ')})` };
    return { order: { ca: waitedFor, stage: 'present' }, reason: `CA change to ${short(waitedFor)}: every member trusts it, its leaves are served` };
  }
  const served = new Set(input.members.map((m) => m.facts?.tlsReload?.servedCa));
  const [ca] = served;
  if (served.size !== 1 || !ca) return {};
  const wider = input.members.filter((m) => (m.facts?.tlsReload?.trusted ?? []).some((t) => t !== ca));
  if (wider.length === 0) return {};
  const notServing = lacking(input, (m) => m.facts!.tlsReload!.servedCa === ca);
  if (notServing.length > 0) return { reason: `CA change to ${short(ca)}: the other CAs stay trusted until every member serves a leaf of it (not yet: ${notServing.join(', ')})` };
  return { order: { ca, stage: 'retire' }, reason: `CA change to ${short(ca)}: every member serves a leaf of it, the other CAs leave the bundles (${wider.map((m) => m.name).join(', ')})` };
}

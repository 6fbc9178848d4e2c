/**
 * What the served copies (served-copies.ts) should hold next, from what the Secret's volume holds
 * now, what the copies hold, and the leader's CA-change order (issue 12.3). Pure.
 *
 * Every pod mounts the same server Secret, so at a CA change each pod's CA and leaf change together
 * at its own kubelet's swap. Galera members check each other's chain only, and a member trusting
 * only the old CA rejects a leaf of the new one: so no member may present a leaf of the new CA
 * before every member trusts it. Hence the stages:
 *   1. trust — a verified leaf under a CA the copies do not trust: the bundle gets the new CA beside
 *      the old; the leaf stays the old one (every peer still trusts it);
 *   2. present — only once the leader says every member trusts the new CA (`caChange.stage`
 *      `present`): the new leaf; until then the member waits (`waitingCa`);
 *   3. retire — once the leader says every member serves a leaf of the new CA: the bundle keeps
 *      only the CA the member's leaf chains to.
 * A renewal under the CA the member serves with needs no stage: the new leaf at once.
 */
import type { X509Certificate } from 'node:crypto';
import type { CaChangeOrder } from '../model/galera';
import { anchorOf, bundlePem, uniqueCertificates } from '../tls/bundle';
import type { Violation } from '../tls/checks';
import type { DatabaseIdentity } from '../tls/member';
import { parseCertificates } from '../tls/pem';
import type { MaterialFiles } from './material';
import { renewalViolation } from './renewal-check';
import type { CopiesChange } from './served-copies';

export interface StageInput {
  mounted: MaterialFiles;
  /** undefined before the first copy (a new pod). */
  copies: MaterialFiles | undefined;
  order: CaChangeOrder | undefined;
  database: DatabaseIdentity;
  ordinal: number;
  now: Date;
}

export type StageStep = 'first' | 'renewal' | 'trust' | 'present' | 'retire';

export type StagePlan =
  | { kind: 'keep' }
  | { kind: 'refuse'; violation: Violation }
  | { kind: 'write'; step: StageStep; change: CopiesChange; why: string }
  | { kind: 'wait'; waitingCa: string; why: string };

const leafOf = (files: MaterialFiles) => ({ cert: files.cert, key: files.key });

export function planStage(input: StageInput): StagePlan {
  const { mounted, copies, order } = input;
  const leafChanged = !copies || !copies.cert.equals(mounted.cert) || !copies.key.equals(mounted.key);
  if (leafChanged) {
    const violation = renewalViolation({ cert: mounted.cert, key: mounted.key, ca: mounted.ca, database: input.database, ordinal: input.ordinal, now: input.now });
    if (violation) return { kind: 'refuse', violation };
  }
  if (!copies) {
    return { kind: 'write', step: 'first', change: { leaf: leafOf(mounted), trust: bundlePem(parseCertificates(mounted.ca)) }, why: 'the first copy of the verified Secret' };
  }
  const trusted = parseCertificates(copies.ca);
  const servedCa = anchorOf(copies.cert, trusted);
  if (!leafChanged) return retire(order, servedCa, trusted) ?? { kind: 'keep' };

  const newCa = anchorOf(mounted.cert, parseCertificates(mounted.ca))!; // the renewal check verified the chain
  if (!trusted.some((ca) => ca.fingerprint256 === newCa.fingerprint256)) {
    return {
      kind: 'write', step: 'trust', change: { trust: bundlePem([...trusted, newCa]) },
      why: `a leaf of another CA (${newCa.fingerprint256}): that CA trusted beside the one served, the old leaf kept until every member trusts it`,
    };
  }
  if (servedCa?.fingerprint256 === newCa.fingerprint256) {
    return { kind: 'write', step: 'renewal', change: { leaf: leafOf(mounted) }, why: 'a renewal under the CA served' };
  }
  if (order?.ca === newCa.fingerprint256) {
    return { kind: 'write', step: 'present', change: { leaf: leafOf(mounted) }, why: `every member trusts the new CA (${newCa.fingerprint256}): its leaf served` };
  }
  return { kind: 'wait', waitingCa: newCa.fingerprint256, why: `the leaf of the new CA (${newCa.fingerprint256}) waits until every member trusts that CA (the leader's caChange order)` };
}

/** Stage 3: the bundle narrowed to the CA the member's leaf chains to, once the leader says so. */
function retire(order: CaChangeOrder | undefined, servedCa: X509Certificate | undefined, trusted: X509Certificate[]): StagePlan | undefined {
  if (order?.stage !== 'retire' || !servedCa || servedCa.fingerprint256 !== order.ca) return undefined;
  if (uniqueCertificates(trusted).length === 1) return undefined;
  return { kind: 'write', step: 'retire', change: { trust: bundlePem([servedCa]) }, why: `every member serves a leaf of ${servedCa.fingerprint256}: the other CAs leave the bundle` };
}

/**
 * A database's verdict: the readiness chain run over each of its certificate Secrets. The first
 * failing Secret (in alias order) decides the reason users see; all pass → the gate comes off.
 */
import { CertificateInput, evaluate, Violation } from './checks';
import type { CertAlias } from '../model/kubedb';
import type { CertificateObject, SecretObject } from './objects';
import type { DatabaseIdentity } from './member';

/** The database's certificates all passed. */
export const VERIFIED = 'CertificatesVerified';
/** A gated pod mounts no certificate Secret at all: nothing to verify, so nothing is released. */
export const NO_CERTIFICATE_VOLUMES = 'NoCertificateVolumes';

/** One certificate Secret a database's pods mount, with the names it must cover. */
export interface SecretRequirement {
  alias: CertAlias;
  secretName: string;
  dnsNames: string[];
  ipAddresses: string[];
  /** Server certificates: the database whose members the certificate must identify (names, usages). */
  member?: DatabaseIdentity;
}

export interface SecretResult {
  alias: string;
  secretName: string;
  violation: Violation | null;
}

export interface DatabaseVerdict {
  verified: boolean;
  /** VERIFIED, NO_CERTIFICATE_VOLUMES or the first failing check's reason. */
  reason: string;
  message: string;
  results: SecretResult[];
}

/** What the evaluation needs from the caches: pure lookups, no API calls. */
export interface Snapshot {
  secret(namespace: string, name: string): SecretObject | undefined;
  certificatesFor(namespace: string, secretName: string): CertificateObject[];
}

export function databaseVerdict(namespace: string, requirements: readonly SecretRequirement[], snapshot: Snapshot, now: Date): DatabaseVerdict {
  if (requirements.length === 0) {
    return { verified: false, reason: NO_CERTIFICATE_VOLUMES, message: 'the gated pods mount no tls-*-config Secret volume', results: [] };
  }
  const results = requirements.map((req): SecretResult => {
    const input: CertificateInput = {
      namespace,
      secretName: req.secretName,
      secret: snapshot.secret(namespace, req.secretName),
      certificates: snapshot.certificatesFor(namespace, req.secretName),
      requiredDNSNames: req.dnsNames,
      requiredIPAddresses: req.ipAddresses,
      ...(req.member ? { member: req.member } : {}),
      now,
    };
    return { alias: req.alias, secretName: req.secretName, violation: evaluate(input) };
  });
  const failed = results.find((r) => r.violation);
  if (failed?.violation) return { verified: false, reason: failed.violation.reason, message: failed.violation.message, results };
  const names = results.map((r) => r.secretName).join(', ');
  return { verified: true, reason: VERIFIED, message: `verified ${results.length} certificate Secret(s): ${names}`, results };
}

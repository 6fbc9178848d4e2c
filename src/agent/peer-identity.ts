/**
 * Is a certificate a member's of this database? What an agent asks of the client certificate a
 * peer presents on /peer (and of the server certificate it is answered with): issued, through
 * tls.crt's intermediates, by a CA of the database's ca.crt; valid now; and its SANs cover a pod
 * name of this database, `<db>-<i>.<db>-pods.<ns>.svc` (the server certificate's
 * `*.<db>-pods.<ns>.svc` does) — so another database's members, under the same CA, are refused.
 * Pure: certificates and the clock in, a reason out (undefined: a member).
 *
 * The `exposure` branch adds src/tls/member.ts (memberCertificateViolation: also the usages, names
 * that are not the database's, and the very pod a peer claims to be); once it is merged, the agent's
 * server asks that instead and this file goes.
 */
import type { X509Certificate } from 'node:crypto';
import { peerDNS } from '../model/names';
import { chainsTo } from '../tls/pem';

export interface MemberScope {
  database: string;
  namespace: string;
  /** Ordinals to accept: 0..members−1. */
  members: number;
  now: Date;
}

export function memberCertificateProblem(leaf: X509Certificate, intermediates: readonly X509Certificate[], cas: readonly X509Certificate[], scope: MemberScope): string | undefined {
  if (!chainsTo(leaf, intermediates, cas)) return `the certificate (issuer "${leaf.issuer.replace(/\n/g, ', ')}") does not chain to the database's CA`;
  if (scope.now < new Date(leaf.validFrom)) return `the certificate is not valid before ${leaf.validFrom}`;
  if (scope.now > new Date(leaf.validTo)) return `the certificate expired on ${leaf.validTo}`;
  for (let i = 0; i < scope.members; i++) {
    const name = peerDNS(scope.database, scope.namespace, i);
    if (leaf.checkHost(name, { subject: 'never', wildcards: true, partialWildcards: false }) !== undefined) return undefined;
  }
  return `the certificate's names cover no member of ${scope.namespace}/${scope.database} (${peerDNS(scope.database, scope.namespace, 0)} … ${scope.members - 1})`;
}

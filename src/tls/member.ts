/**
 * Is this a member's server certificate? Galera admits any certificate its CA signed (issue 15):
 * a client or exporter certificate of the same CA would be let in. So wherever pxc-tls judges a
 * certificate for a member — the watcher before ungating a pod, the agent before trusting a peer
 * — it asks more than the chain: the certificate must be good for both ends of a TLS connection
 * (Galera members are servers and clients of each other), name at least one of the database's
 * pods, and name no other workload of the cluster (another database, Service or pod). Names
 * outside the cluster — an external DNS name, a load balancer's address — are allowed: KubeDB
 * documents extra server SANs for clients that reach the database from outside (the integrator's
 * decision, docs/security.md). Pure: certificates in, a violation or null out.
 */
import type { X509Certificate } from 'node:crypto';
import { governingServiceName, isDatabaseDNSName, isInClusterDNSName, isMemberDNSName } from '../model/names';
import { chainsTo, x509Date } from './pem';

/** The certificate names another workload of the cluster: an in-cluster name (a Service, a pod, the namespace) that is not the database's. */
export const FOREIGN_NAME = 'ForeignName';
/** The certificate names none of the database's pods: a client or exporter certificate, or another database's. */
export const NO_MEMBER_NAME = 'NoMemberName';
/** Its extended key usage leaves out server auth or client auth, which every member needs. */
export const NOT_FOR_MEMBERS = 'NotForMembers';
/** The certificate does not chain to the members' CA. */
export const UNTRUSTED_MEMBER = 'UntrustedMember';
/** Outside its validity period. */
export const MEMBER_CERTIFICATE_EXPIRED = 'MemberCertificateExpired';
export const MEMBER_CERTIFICATE_NOT_YET_VALID = 'MemberCertificateNotYetValid';
/** The peer's certificate does not name the pod it is supposed to be. */
export const NOT_THIS_MEMBER = 'NotThisMember';

export type MemberReason =
  | typeof FOREIGN_NAME
  | typeof NO_MEMBER_NAME
  | typeof NOT_FOR_MEMBERS
  | typeof UNTRUSTED_MEMBER
  | typeof MEMBER_CERTIFICATE_EXPIRED
  | typeof MEMBER_CERTIFICATE_NOT_YET_VALID
  | typeof NOT_THIS_MEMBER;

export interface MemberViolation {
  reason: MemberReason;
  message: string;
}

/** The database whose members are judged. */
export interface DatabaseIdentity {
  name: string;
  namespace: string;
  clusterDomain: string;
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

/** The DNS and IP SANs of a certificate (node's subjectAltName text; values with commas come quoted). */
export function hostNamesOf(certificate: X509Certificate): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  const text = certificate.subjectAltName ?? '';
  for (const entry of text.match(/(?:[^,"]|"(?:[^"\\]|\\.)*")+/g) ?? []) {
    const item = entry.trim();
    const colon = item.indexOf(':');
    const [kind, raw] = [item.slice(0, colon), item.slice(colon + 1)];
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    if (kind === 'DNS') dnsNames.push(value);
    if (kind === 'IP Address') ipAddresses.push(value);
  }
  return { dnsNames, ipAddresses };
}

/**
 * DNS names on the certificate that cluster DNS answers for (isInClusterDNSName) and that are not
 * the database's: another database's, Service's or pod's. External names are not foreign. IP
 * addresses are not judged: a pod's or a Service's address cannot be told apart from a load
 * balancer's; emails and URIs name no host.
 */
export function foreignNames(certificate: X509Certificate, db: DatabaseIdentity): string[] {
  return hostNamesOf(certificate).dnsNames.filter(
    (name) => isInClusterDNSName(name, db.namespace, db.clusterDomain) && !isDatabaseDNSName(name, db.name, db.namespace, db.clusterDomain),
  );
}

function describe(db: DatabaseIdentity): string {
  return `database ${db.namespace}/${db.name}`;
}

/** Names at least one of the database's pods, and no other workload of the cluster. */
export function memberNamesViolation(certificate: X509Certificate, db: DatabaseIdentity, what: string): MemberViolation | null {
  const foreign = foreignNames(certificate, db);
  if (foreign.length > 0) {
    const which = foreign.length === 1 ? 'an in-cluster name that is' : 'in-cluster names that are';
    return { reason: FOREIGN_NAME, message: `${what} names ${foreign.join(', ')}, ${which} not ${describe(db)}'s: a member's certificate names no other database, Service or pod of the cluster (external names and addresses are allowed)` };
  }
  if (!hostNamesOf(certificate).dnsNames.some((name) => isMemberDNSName(name, db.name, db.namespace, db.clusterDomain))) {
    return { reason: NO_MEMBER_NAME, message: `${what} names no pod of ${describe(db)} (no DNS name under its governing Service): it is not a member's certificate` };
  }
  return null;
}

/** Good for both ends of a TLS connection: no extended key usage at all (any purpose), or both server auth and client auth. */
export function memberUsageViolation(certificate: X509Certificate, what: string): MemberViolation | null {
  const usages = certificate.keyUsage; // node: the extended key usage OIDs, undefined without the extension
  if (!usages || usages.includes(ANY_EXTENDED_KEY_USAGE)) return null;
  const missing = [usages.includes(SERVER_AUTH) ? undefined : 'server auth', usages.includes(CLIENT_AUTH) ? undefined : 'client auth'].filter((u): u is string => u !== undefined);
  return missing.length === 0 ? null : { reason: NOT_FOR_MEMBERS, message: `${what} is not for ${missing.join(' and ')}: members are TLS servers and clients of each other` };
}

export interface PeerCertificate {
  /** The peer's presented chain: leaf first, then any intermediates. */
  chain: readonly X509Certificate[];
  /** The members' trust: the CA certificate(s) of the server certificate's issuer (its Secret's ca.crt). */
  cas: readonly X509Certificate[];
  database: DatabaseIdentity;
  now: Date;
  /** When the peer claims to be a given pod (`<db>-<ordinal>`): its certificate must name that pod. */
  pod?: string;
}

/**
 * The agent's question about a peer (and anyone's about a member): is this a member's server
 * certificate? Chains to the members' CA, valid now, good for server and client auth, names at
 * least one of the database's pods (that very pod when one is claimed) and no other workload of
 * the cluster. The first failure in that order, or null.
 */
export function memberCertificateViolation(peer: PeerCertificate): MemberViolation | null {
  const [leaf, ...intermediates] = peer.chain;
  const what = 'the peer\'s certificate';
  if (!leaf || peer.cas.length === 0 || !chainsTo(leaf, intermediates, peer.cas)) {
    return { reason: UNTRUSTED_MEMBER, message: `${what}${leaf ? ` (issuer "${leaf.issuer.replace(/\n/g, ', ')}")` : ''} does not chain to the members' CA` };
  }
  if (peer.now.getTime() >= x509Date(leaf.validTo).getTime()) return { reason: MEMBER_CERTIFICATE_EXPIRED, message: `${what} expired at ${x509Date(leaf.validTo).toISOString()}` };
  if (peer.now.getTime() < x509Date(leaf.validFrom).getTime()) return { reason: MEMBER_CERTIFICATE_NOT_YET_VALID, message: `${what} is not valid before ${x509Date(leaf.validFrom).toISOString()}` };
  const usage = memberUsageViolation(leaf, what);
  if (usage) return usage;
  const names = memberNamesViolation(leaf, peer.database, what);
  if (names) return names;
  if (peer.pod !== undefined) {
    const { name, namespace, clusterDomain } = peer.database;
    const podDNS = `${peer.pod}.${governingServiceName(name)}.${namespace}.svc`;
    const podNames = [podDNS, `${podDNS}.${clusterDomain}`];
    const covered = podNames.every((host) => leaf.checkHost(host, { subject: 'never', wildcards: true, partialWildcards: false }) !== undefined);
    if (!covered) return { reason: NOT_THIS_MEMBER, message: `${what} does not name ${podNames[0]}, the pod the peer claims to be` };
  }
  return null;
}

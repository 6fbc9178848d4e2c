/**
 * Readiness of one certificate Secret as an ordered chain of named checks (the shape of
 * cert-manager's policy chains): each check is a pure function of one snapshot, safe on its own
 * (it fails closed when what it needs is absent, and says so), and names the failure it detects.
 * The chain's first violation is what users see.
 */
import { createPublicKey } from 'node:crypto';
import { chainsTo, CA_CRT, materialOf, REQUIRED_KEYS, secretValue, TLS_CRT, TLS_KEY, x509Date } from './pem';
import type { CertificateObject, SecretObject } from './objects';
import { DatabaseIdentity, FOREIGN_NAME, memberNamesViolation, memberUsageViolation, NO_MEMBER_NAME, NOT_FOR_MEMBERS } from './member';

export { FOREIGN_NAME, NO_MEMBER_NAME, NOT_FOR_MEMBERS } from './member';

// ---- reasons (CamelCase, as Kubernetes condition reasons) -------------------------------------

/** The Secret a pod mounts does not exist (or lacks the certificate-alias label the watcher selects on). */
export const SECRET_MISSING = 'SecretMissing';
/** `tls.crt`, `tls.key` or `ca.crt` is absent or empty: cert-manager has not filled the placeholder yet. */
export const SECRET_MISSING_DATA = 'SecretMissingData';
/** A key's content is not PEM of the expected kind (certificate or private key). */
export const INVALID_PEM = 'InvalidPEM';
/** `tls.key` is not the private key of the certificate in `tls.crt`. */
export const KEY_MISMATCH = 'KeyMismatch';
/** The certificate in `tls.crt` does not chain to any certificate in `ca.crt`. */
export const UNTRUSTED_ISSUER = 'UntrustedIssuer';
/** The certificate's notAfter has passed. */
export const EXPIRED = 'Expired';
/** The certificate's notBefore is still ahead. */
export const NOT_YET_VALID = 'NotYetValid';
/** The certificate's SANs do not cover a name or address the database's pods need. */
export const SAN_MISSING = 'SANMissing';
/** No cert-manager Certificate writes this Secret (`spec.secretName`). */
export const CERTIFICATE_MISSING = 'CertificateMissing';
/** The Certificate is not Ready=True for the certificate the Secret holds now. */
export const CERTIFICATE_NOT_READY = 'CertificateNotReady';

export type Reason =
  | typeof SECRET_MISSING
  | typeof SECRET_MISSING_DATA
  | typeof INVALID_PEM
  | typeof KEY_MISMATCH
  | typeof UNTRUSTED_ISSUER
  | typeof EXPIRED
  | typeof NOT_YET_VALID
  | typeof SAN_MISSING
  | typeof NOT_FOR_MEMBERS
  | typeof FOREIGN_NAME
  | typeof NO_MEMBER_NAME
  | typeof CERTIFICATE_MISSING
  | typeof CERTIFICATE_NOT_READY;

export interface Violation {
  reason: Reason;
  /** A sentence naming the Secret or Certificate; never any of the material. */
  message: string;
}

/** Everything the checks of one certificate Secret look at: gathered first, then evaluated. */
export interface CertificateInput {
  namespace: string;
  secretName: string;
  secret: SecretObject | undefined;
  /** Every cert-manager Certificate in the namespace whose spec.secretName is secretName. */
  certificates: readonly CertificateObject[];
  /** DNS names the certificate must cover (empty for client-side certificates). */
  requiredDNSNames: readonly string[];
  /** IP addresses the certificate must cover. */
  requiredIPAddresses: readonly string[];
  /** For a member's (server) certificate: the database whose members it must identify, and only them. */
  member?: DatabaseIdentity;
  now: Date;
}

export interface Check {
  name: string;
  run(input: CertificateInput): Violation | null;
}

function violation(reason: Reason, message: string): Violation {
  return { reason, message };
}

function secretRef(input: CertificateInput): string {
  return `Secret ${input.namespace}/${input.secretName}`;
}

// ---- the checks --------------------------------------------------------------------------------

export const secretDoesNotExist: Check = {
  name: 'SecretDoesNotExist',
  run: (input) => (input.secret ? null : violation(SECRET_MISSING, `${secretRef(input)} does not exist`)),
};

export const secretIsMissingData: Check = {
  name: 'SecretIsMissingData',
  run: (input) => {
    if (!input.secret) return violation(SECRET_MISSING_DATA, `${secretRef(input)} does not exist, so it has no ${REQUIRED_KEYS.join(', ')}`);
    const missing = REQUIRED_KEYS.filter((key) => !secretValue(input.secret, key)?.length);
    if (missing.length === 0) return null;
    return violation(SECRET_MISSING_DATA, `${secretRef(input)} has no or empty ${missing.join(', ')}`);
  },
};

export const materialDoesNotParse: Check = {
  name: 'MaterialDoesNotParse',
  run: (input) => {
    const { errors } = materialOf(input.secret);
    return errors.length === 0 ? null : violation(INVALID_PEM, `${secretRef(input)}: ${errors.join('; ')}`);
  },
};

export const keyDoesNotMatchCertificate: Check = {
  name: 'KeyDoesNotMatchCertificate',
  run: (input) => {
    const { leaf, key } = materialOf(input.secret);
    if (!leaf || !key) return violation(KEY_MISMATCH, `${secretRef(input)}: cannot compare ${TLS_KEY} with ${TLS_CRT}: one of them does not parse`);
    let matches = false;
    try {
      const fromKey = createPublicKey(key).export({ type: 'spki', format: 'der' });
      matches = fromKey.equals(leaf.publicKey.export({ type: 'spki', format: 'der' }));
    } catch {
      matches = false;
    }
    return matches ? null : violation(KEY_MISMATCH, `${secretRef(input)}: ${TLS_KEY} is not the private key of the certificate in ${TLS_CRT}`);
  },
};

export const leafDoesNotChainToCA: Check = {
  name: 'LeafDoesNotChainToCA',
  run: (input) => {
    const { leaf, intermediates, cas } = materialOf(input.secret);
    if (!leaf || cas.length === 0) return violation(UNTRUSTED_ISSUER, `${secretRef(input)}: cannot verify the chain: ${TLS_CRT} or ${CA_CRT} does not parse`);
    if (chainsTo(leaf, intermediates, cas)) return null;
    return violation(UNTRUSTED_ISSUER, `${secretRef(input)}: the certificate (issuer "${leaf.issuer.replace(/\n/g, ', ')}") is not signed by any of the ${cas.length} certificate(s) in ${CA_CRT}`);
  },
};

export const certificateHasExpired: Check = {
  name: 'CertificateHasExpired',
  run: (input) => {
    const { leaf } = materialOf(input.secret);
    if (!leaf) return violation(EXPIRED, `${secretRef(input)}: cannot read the validity period: ${TLS_CRT} does not parse`);
    const notAfter = x509Date(leaf.validTo);
    return input.now.getTime() < notAfter.getTime() ? null : violation(EXPIRED, `${secretRef(input)}: the certificate expired at ${notAfter.toISOString()}`);
  },
};

export const certificateIsNotYetValid: Check = {
  name: 'CertificateIsNotYetValid',
  run: (input) => {
    const { leaf } = materialOf(input.secret);
    if (!leaf) return violation(NOT_YET_VALID, `${secretRef(input)}: cannot read the validity period: ${TLS_CRT} does not parse`);
    const notBefore = x509Date(leaf.validFrom);
    return input.now.getTime() >= notBefore.getTime() ? null : violation(NOT_YET_VALID, `${secretRef(input)}: the certificate is not valid before ${notBefore.toISOString()}`);
  },
};

export const sansDoNotCoverPods: Check = {
  name: 'SANsDoNotCoverPods',
  run: (input) => {
    if (input.requiredDNSNames.length === 0 && input.requiredIPAddresses.length === 0) return null;
    const { leaf } = materialOf(input.secret);
    if (!leaf) return violation(SAN_MISSING, `${secretRef(input)}: cannot read the SANs: ${TLS_CRT} does not parse`);
    // SANs only (never the subject's CN), wildcards only as a whole left-most label: what
    // TLS clients verifying the identity accept.
    const missing = [
      ...input.requiredDNSNames.filter((name) => leaf.checkHost(name, { subject: 'never', wildcards: true, partialWildcards: false }) === undefined),
      ...input.requiredIPAddresses.filter((ip) => leaf.checkIP(ip) === undefined),
    ];
    return missing.length === 0 ? null : violation(SAN_MISSING, `${secretRef(input)}: the certificate does not cover ${missing.join(', ')}`);
  },
};

export const certificateIsNotForMembers: Check = {
  name: 'CertificateIsNotForMembers',
  run: (input) => {
    if (!input.member) return null;
    const { leaf } = materialOf(input.secret);
    if (!leaf) return violation(NOT_FOR_MEMBERS, `${secretRef(input)}: cannot read the key usage: ${TLS_CRT} does not parse`);
    const found = memberUsageViolation(leaf, `${secretRef(input)}: the certificate`);
    return found ? violation(found.reason as Reason, found.message) : null;
  },
};

export const namesAreNotTheDatabases: Check = {
  name: 'NamesAreNotTheDatabases',
  run: (input) => {
    if (!input.member) return null;
    const { leaf } = materialOf(input.secret);
    if (!leaf) return violation(FOREIGN_NAME, `${secretRef(input)}: cannot read the SANs: ${TLS_CRT} does not parse`);
    const found = memberNamesViolation(leaf, input.member, `${secretRef(input)}: the certificate`);
    return found ? violation(found.reason as Reason, found.message) : null;
  },
};

/** cert-manager's annotation on the Secrets it issues: the Certificate they were issued for. */
export const CERTIFICATE_NAME_ANNOTATION = 'cert-manager.io/certificate-name';

export const certificateResourceIsNotReady: Check = {
  name: 'CertificateResourceIsNotReady',
  run: (input) => {
    const candidates = input.certificates;
    if (candidates.length === 0) return violation(CERTIFICATE_MISSING, `no cert-manager Certificate in ${input.namespace} has spec.secretName ${input.secretName}`);
    const issuedFor = input.secret?.metadata.annotations?.[CERTIFICATE_NAME_ANNOTATION];
    const certificate = issuedFor ? candidates.find((c) => c.metadata.name === issuedFor) : candidates.length === 1 ? candidates[0] : undefined;
    if (!certificate) {
      const names = candidates.map((c) => c.metadata.name).sort().join(', ');
      return violation(CERTIFICATE_NOT_READY, issuedFor
        ? `${secretRef(input)} was issued for Certificate ${issuedFor}, but Certificate(s) ${names} now write it`
        : `Certificates ${names} all write ${secretRef(input)}`);
    }
    const ref = `Certificate ${input.namespace}/${certificate.metadata.name}`;
    const ready = certificate.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True') {
      const why = ready ? `${ready.reason ?? 'no reason'}: ${ready.message ?? ''}`.trim() : 'no Ready condition yet';
      return violation(CERTIFICATE_NOT_READY, `${ref} is not Ready (${why})`);
    }
    const generation = certificate.metadata.generation;
    if (generation !== undefined && ready.observedGeneration !== undefined && ready.observedGeneration < generation) {
      return violation(CERTIFICATE_NOT_READY, `${ref} is Ready for generation ${ready.observedGeneration}, but its spec is at generation ${generation}`);
    }
    // Ready=True describes the certificate cert-manager read from the Secret (status.notAfter):
    // it must be the one the Secret holds now, not an earlier or later revision.
    const { leaf } = materialOf(input.secret);
    if (!leaf) return violation(CERTIFICATE_NOT_READY, `${ref}: cannot tell which certificate its Ready condition describes: ${TLS_CRT} does not parse`);
    const statusNotAfter = certificate.status?.notAfter ? Date.parse(certificate.status.notAfter) : NaN;
    const leafNotAfter = x509Date(leaf.validTo).getTime();
    if (!Number.isFinite(statusNotAfter) || Math.abs(statusNotAfter - leafNotAfter) >= 1000) {
      return violation(CERTIFICATE_NOT_READY, `${ref} is Ready for a certificate expiring at ${certificate.status?.notAfter ?? '(unknown)'}, but ${secretRef(input)} holds one expiring at ${new Date(leafNotAfter).toISOString()}`);
    }
    return null;
  },
};

/**
 * The readiness chain of a certificate Secret, in the order users should fix things:
 */
export const READINESS_CHAIN: readonly Check[] = [
  secretDoesNotExist, // the pod's Secret is there (the placeholder or cert-manager's)
  secretIsMissingData, // cert-manager has written tls.crt, tls.key and ca.crt
  materialDoesNotParse, // each is PEM of the right kind
  keyDoesNotMatchCertificate, // tls.key belongs to tls.crt
  leafDoesNotChainToCA, // tls.crt is signed by (a certificate in) ca.crt
  certificateHasExpired, // not after notAfter
  certificateIsNotYetValid, // not before notBefore
  sansDoNotCoverPods, // the server certificate names every pod, localhost and 127.0.0.1
  certificateIsNotForMembers, // a member's certificate serves both ends of TLS (server and client auth)
  namesAreNotTheDatabases, // …and names a pod of the database, no other workload of the cluster: a client certificate of the same CA is no member's
  certificateResourceIsNotReady, // cert-manager's Certificate is Ready=True for this very certificate
];

/** The first violation of the chain, or null when the Secret is verified. */
export function evaluate(input: CertificateInput, chain: readonly Check[] = READINESS_CHAIN): Violation | null {
  for (const check of chain) {
    const found = check.run(input);
    if (found) return found;
  }
  return null;
}

/**
 * What a pod serves against what its Secret holds. The watcher reads the certificate a database
 * pod presents to a new client (src/watch/served-probe.ts) and compares it here with the leaf of
 * the Secret the pod mounts: the same certificate, an older one (the renewal not loaded yet, or
 * never), or one about to expire. Pure: `now` and the moment the Secret's certificate appeared
 * come in as arguments; messages name pods, Secrets and fixed dates, never material, and do not
 * change while the state does not (they end up in the StatefulSet's verdict annotation).
 */
import type { X509Certificate } from 'node:crypto';
import { x509Date } from './pem';

// ---- reasons (CamelCase, as Kubernetes condition and Event reasons) ---------------------------

/** The pod serves the certificate its Secret holds (or a newer one: the watcher's copy lags). */
export const SERVED_CURRENT = 'ServedCertificateCurrent';
/** The pod serves an older certificate than its Secret, for less than the grace period so far. */
export const SERVED_PENDING = 'ServedCertificatePending';
/** The pod serves an older certificate than its Secret, for longer than the grace period. */
export const SERVED_STALE = 'ServedCertificateStale';
/** The served certificate expires within the warning window. */
export const SERVED_EXPIRING = 'ServedCertificateExpiringSoon';
/** The served certificate has expired: every client that verifies the server fails. */
export const SERVED_EXPIRED = 'ServedCertificateExpired';
/** The server offers no TLS at all on its SQL port. */
export const SERVED_WITHOUT_TLS = 'ServedWithoutTLS';

export type ServedReason =
  | typeof SERVED_CURRENT
  | typeof SERVED_PENDING
  | typeof SERVED_STALE
  | typeof SERVED_EXPIRING
  | typeof SERVED_EXPIRED
  | typeof SERVED_WITHOUT_TLS;

/** Worst first: the order in which a database's findings are reported. */
export const SERVED_SEVERITY: readonly ServedReason[] = [SERVED_EXPIRED, SERVED_WITHOUT_TLS, SERVED_STALE, SERVED_EXPIRING, SERVED_PENDING, SERVED_CURRENT];
/** The reasons that are warnings (an Event of type Warning, a part of the verdict annotation). */
export const SERVED_WARNINGS: ReadonlySet<ServedReason> = new Set([SERVED_EXPIRED, SERVED_WITHOUT_TLS, SERVED_STALE, SERVED_EXPIRING]);

export interface ServedInput {
  /** `namespace/name` of the pod, for messages. */
  pod: string;
  /** `namespace/name` of the server certificate Secret the pod mounts. */
  secret: string;
  /** The Secret's leaf certificate; undefined when the Secret is missing or does not parse. */
  stored: X509Certificate | undefined;
  /** What the pod presented; undefined when it offers no TLS. */
  served: X509Certificate | undefined;
  /** When the Secret's current certificate appeared: the grace period counts from here. */
  storedSince: Date;
  now: Date;
  graceMs: number;
  /** A served certificate with less than this left is reported as expiring soon. */
  expiryWarningMs: number;
}

export interface ServedFinding {
  pod: string;
  reason: ServedReason;
  warning: boolean;
  /** One sentence naming the pod, the Secret and dates; never material. */
  message: string;
  /** Seconds until the served certificate's notAfter (negative once expired); undefined without TLS. */
  expirySeconds?: number;
  /** SHA-256 fingerprint of the served certificate (public; for logs and tests). */
  fingerprint?: string;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const notBefore = (c: X509Certificate) => x509Date(c.validFrom);
const notAfter = (c: X509Certificate) => x509Date(c.validTo);

/** True when `a` was issued after `b` (later notBefore; on a tie, later notAfter). */
export function issuedAfter(a: X509Certificate, b: X509Certificate): boolean {
  const [na, nb] = [notBefore(a).getTime(), notBefore(b).getTime()];
  return na !== nb ? na > nb : notAfter(a).getTime() > notAfter(b).getTime();
}

/** Human form of a duration for messages: `15m`, `2h30m`, `7d`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  const minutes = Math.round(ms / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : ''].join('') || '0m';
}

function finding(input: ServedInput, reason: ServedReason, message: string): ServedFinding {
  const out: ServedFinding = { pod: input.pod, reason, warning: SERVED_WARNINGS.has(reason), message };
  if (input.served) {
    out.expirySeconds = Math.floor((notAfter(input.served).getTime() - input.now.getTime()) / 1000);
    out.fingerprint = input.served.fingerprint256;
  }
  return out;
}

/**
 * The finding for one pod, worst first: expired; older than the Secret for longer than the grace
 * period; expiring within the window; older than the Secret within the grace period; current.
 */
export function compareServed(input: ServedInput): ServedFinding {
  const { served, stored, now } = input;
  if (!served) return finding(input, SERVED_WITHOUT_TLS, `${input.pod} offers no TLS on its SQL port`);
  const expiresAt = notAfter(served);
  const servedText = `the certificate ${input.pod} serves (valid until ${iso(expiresAt)})`;
  if (expiresAt.getTime() <= now.getTime()) return finding(input, SERVED_EXPIRED, `${servedText} has expired`);

  const same = !!stored && stored.fingerprint256 === served.fingerprint256;
  const older = !!stored && !same && !issuedAfter(served, stored);
  if (older) {
    const dueBy = new Date(input.storedSince.getTime() + input.graceMs);
    const storedText = `Secret ${input.secret} holds a newer one (valid from ${iso(notBefore(stored!))}) since ${iso(input.storedSince)}`;
    if (now.getTime() > dueBy.getTime()) {
      return finding(input, SERVED_STALE, `${servedText} is older than its Secret's: ${storedText}, not loaded within the grace period of ${formatDuration(input.graceMs)}`);
    }
    if (expiresAt.getTime() - now.getTime() < input.expiryWarningMs) {
      return finding(input, SERVED_EXPIRING, `${servedText} expires within ${formatDuration(input.expiryWarningMs)}; ${storedText}, not loaded yet`);
    }
    return finding(input, SERVED_PENDING, `${servedText} is older than its Secret's: ${storedText}; to be loaded by ${iso(dueBy)}`);
  }
  if (expiresAt.getTime() - now.getTime() < input.expiryWarningMs) {
    const why = same ? `: Secret ${input.secret} holds the same certificate, so cert-manager has not renewed it` : '';
    return finding(input, SERVED_EXPIRING, `${servedText} expires within ${formatDuration(input.expiryWarningMs)}${why}`);
  }
  if (!stored) return finding(input, SERVED_CURRENT, `${input.pod} serves a certificate valid until ${iso(expiresAt)}; Secret ${input.secret} holds none to compare with`);
  return finding(input, SERVED_CURRENT, same
    ? `${input.pod} serves the certificate of Secret ${input.secret}`
    : `${input.pod} serves a certificate newer than the watcher's copy of Secret ${input.secret}`);
}

/** A database's served-certificate warning: the worst reason among its pods, with each warning's message. */
export interface ServedSummary {
  reason: ServedReason;
  message: string;
}

/** The worst warning among the findings (pods in name order within a reason); undefined when none warns. */
export function summarizeServed(findings: readonly ServedFinding[]): ServedSummary | undefined {
  const warnings = findings.filter((f) => f.warning);
  if (warnings.length === 0) return undefined;
  const rank = (f: ServedFinding) => SERVED_SEVERITY.indexOf(f.reason);
  const sorted = [...warnings].sort((a, b) => rank(a) - rank(b) || a.pod.localeCompare(b.pod));
  return { reason: sorted[0]!.reason, message: sorted.map((f) => (f.reason === sorted[0]!.reason ? f.message : `${f.reason}: ${f.message}`)).join('; ') };
}

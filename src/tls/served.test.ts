import { X509Certificate } from 'node:crypto';
import {
  compareServed, formatDuration, issuedAfter, SERVED_CURRENT, SERVED_EXPIRED, SERVED_EXPIRING, SERVED_PENDING, SERVED_STALE, SERVED_WITHOUT_TLS,
  summarizeServed, type ServedFinding, type ServedInput, type ServedReason,
} from './served';
import { CertFactory } from './testing/certs';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const GRACE = 15 * 60_000;
const WINDOW = 7 * DAY;
const NOW = new Date();

let certs: CertFactory;
/** Real certificates with chosen validity (openssl), relative to NOW. */
let c: Record<'old' | 'renewed' | 'renewedAgain' | 'oldExpiringSoon' | 'currentExpiringSoon' | 'expired', X509Certificate>;

beforeAll(() => {
  certs = new CertFactory();
  const ca = certs.ca('px-ca');
  const leaf = (fromMs: number, toMs: number) => new X509Certificate(certs.leaf(ca, { dnsNames: ['localhost'], notBefore: new Date(NOW.getTime() + fromMs), notAfter: new Date(NOW.getTime() + toMs) }).cert);
  c = {
    old: leaf(-60 * DAY, 30 * DAY),
    renewed: leaf(-HOUR, 89 * DAY),
    renewedAgain: leaf(-60_000, 90 * DAY),
    oldExpiringSoon: leaf(-85 * DAY, 3 * DAY),
    currentExpiringSoon: leaf(-85 * DAY, 2 * DAY),
    expired: leaf(-90 * DAY, -60_000),
  };
}, 60_000);
afterAll(() => certs.cleanup());

function input(stored: X509Certificate | undefined, served: X509Certificate | undefined, storedSinceAgoMs: number): ServedInput {
  return { pod: 'demo/db-1', secret: 'demo/db-server-cert', stored, served, storedSince: new Date(NOW.getTime() - storedSinceAgoMs), now: NOW, graceMs: GRACE, expiryWarningMs: WINDOW };
}

describe('compareServed: what a pod serves against what its Secret holds', () => {
  const table: Array<[string, () => ServedInput, ServedReason, boolean]> = [
    ['a pod serving its Secret\'s certificate is current', () => input(c.renewed, c.renewed, HOUR), SERVED_CURRENT, false],
    ['a pod serving a newer certificate than the watcher\'s copy of the Secret is current (the cache lags)', () => input(c.renewed, c.renewedAgain, HOUR), SERVED_CURRENT, false],
    ['a pod serving the old certificate within the grace period is pending, not a warning', () => input(c.renewed, c.old, GRACE - 60_000), SERVED_PENDING, false],
    ['a pod serving the old certificate past the grace period is stale', () => input(c.renewed, c.old, GRACE + 60_000), SERVED_STALE, true],
    ['a stale pod is stale however long ago the renewal was', () => input(c.renewed, c.old, 20 * DAY), SERVED_STALE, true],
    ['an old certificate about to expire warns even within the grace period', () => input(c.renewed, c.oldExpiringSoon, 60_000), SERVED_EXPIRING, true],
    ['a current certificate about to expire warns (cert-manager has not renewed it)', () => input(c.currentExpiringSoon, c.currentExpiringSoon, 80 * DAY), SERVED_EXPIRING, true],
    ['an expired served certificate is expired, whatever the Secret holds', () => input(c.renewed, c.expired, HOUR), SERVED_EXPIRED, true],
    ['a server without TLS is reported as such', () => input(c.renewed, undefined, HOUR), SERVED_WITHOUT_TLS, true],
    ['without a stored certificate only the served one\'s own validity counts', () => input(undefined, c.renewed, HOUR), SERVED_CURRENT, false],
    ['without a stored certificate an expiring served one still warns', () => input(undefined, c.oldExpiringSoon, HOUR), SERVED_EXPIRING, true],
  ];
  test.each(table)('%s', (_name, make, reason, warning) => {
    const found = compareServed(make());
    expect({ reason: found.reason, warning: found.warning }).toEqual({ reason, warning });
    expect(found.message).toContain('demo/db-1');
    expect(found.message).not.toMatch(/BEGIN|PRIVATE/);
  });

  test('the expiry seconds are the served certificate\'s, negative once expired; the fingerprint is the served one', () => {
    const current = compareServed(input(c.renewed, c.renewed, HOUR));
    expect(current.expirySeconds).toBeGreaterThan(89 * 86400 - 120);
    expect(current.expirySeconds).toBeLessThanOrEqual(89 * 86400);
    expect(current.fingerprint).toBe(c.renewed.fingerprint256);
    expect(compareServed(input(c.renewed, c.expired, HOUR)).expirySeconds).toBeLessThan(0);
    expect(compareServed(input(c.renewed, undefined, HOUR)).expirySeconds).toBeUndefined();
  });

  test('a stale message names the Secret, the dates and the grace period, and does not change while the state does not', () => {
    const a = compareServed(input(c.renewed, c.old, HOUR));
    const later = compareServed({ ...input(c.renewed, c.old, HOUR), now: new Date(NOW.getTime() + 10 * 60_000) });
    expect(a.message).toMatch(/^the certificate demo\/db-1 serves \(valid until \S+Z\) is older than its Secret's: Secret demo\/db-server-cert holds a newer one \(valid from \S+Z\) since \S+Z, not loaded within the grace period of 15m$/);
    expect(later.message).toBe(a.message);
  });

  test('issuedAfter orders by notBefore, then notAfter', () => {
    expect(issuedAfter(c.renewed, c.old)).toBe(true);
    expect(issuedAfter(c.old, c.renewed)).toBe(false);
    expect(issuedAfter(c.renewed, c.renewed)).toBe(false);
  });

  test.each([[30_000, '30s'], [15 * 60_000, '15m'], [2.5 * HOUR, '2h30m'], [7 * DAY, '7d'], [DAY + 60_000, '1d1m']])('formatDuration(%d) is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('summarizeServed: a database\'s worst warning', () => {
  const f = (pod: string, reason: ServedReason, warning: boolean): ServedFinding => ({ pod, reason, warning, message: `${pod} says ${reason}` });

  test('no warning, no summary', () => {
    expect(summarizeServed([f('db-0', SERVED_CURRENT, false), f('db-1', SERVED_PENDING, false)])).toBeUndefined();
  });

  test('the worst reason leads; pods of that reason in name order, other warnings after with their reason', () => {
    expect(summarizeServed([f('db-2', SERVED_EXPIRING, true), f('db-1', SERVED_STALE, true), f('db-0', SERVED_STALE, true), f('db-3', SERVED_CURRENT, false)])).toEqual({
      reason: SERVED_STALE,
      message: `db-0 says ${SERVED_STALE}; db-1 says ${SERVED_STALE}; ${SERVED_EXPIRING}: db-2 says ${SERVED_EXPIRING}`,
    });
  });
});

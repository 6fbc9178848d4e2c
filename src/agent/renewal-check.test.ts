import { EXPIRED, FOREIGN_NAME, INVALID_PEM, KEY_MISMATCH, SAN_MISSING, UNTRUSTED_ISSUER } from '../tls/checks';
import { CertFactory, type Pem } from '../tls/testing/certs';
import { renewalViolation } from './renewal-check';

const DAY = 86400_000;
const DB = { name: 'db', namespace: 'demo', clusterDomain: 'cluster.local' };
const SANS = { dnsNames: ['*.db-pods.demo.svc', '*.db-pods.demo.svc.cluster.local', 'localhost', 'db.demo.svc'], ipAddresses: ['127.0.0.1'] };

let certs: CertFactory;
let ca: Pem;
let otherCa: Pem;
let served: Pem;

beforeAll(() => {
  certs = new CertFactory();
  ca = certs.ca('px-ca');
  otherCa = certs.ca('px-ca'); // same name, other key
  served = certs.leaf(ca, SANS);
}, 60_000);
afterAll(() => certs.cleanup());

const b = (s: string) => Buffer.from(s);
const judge = (leaf: Pem, caPem = ca, opts: { key?: string } = {}) =>
  renewalViolation({ cert: b(leaf.cert), key: b(opts.key ?? leaf.key), ca: b(caPem.cert), database: DB, ordinal: 1, now: new Date() });

describe('a renewed server certificate swapped into the volume is loaded only when the watcher\'s checks pass', () => {
  test('a renewal of the same Certificate under the same CA is fit to load', () => {
    expect(judge(certs.leaf(ca, SANS))).toBeNull();
  });

  test('another CA with its own ca.crt (self-consistent) passes: a CA change, staged by trust-stage.ts, not refused here', () => {
    expect(judge(certs.leaf(otherCa, SANS), otherCa)).toBeNull();
  });

  test('a leaf that does not chain to the ca.crt beside it is refused', () => {
    expect(judge(certs.leaf(otherCa, SANS))?.reason).toBe(UNTRUSTED_ISSUER);
  });

  test('a key that is not the certificate\'s is refused', () => {
    expect(judge(certs.leaf(ca, SANS), ca, { key: served.key })?.reason).toBe(KEY_MISMATCH);
  });

  test('a certificate without this member\'s names is refused with the missing names', () => {
    const found = judge(certs.leaf(ca, { dnsNames: ['db-0.db-pods.demo.svc', 'localhost'], ipAddresses: ['127.0.0.1'] }));
    expect(found?.reason).toBe(SAN_MISSING);
    expect(found?.message).toMatch(/does not cover db-1\.db-pods\.demo\.svc, db-1\.db-pods\.demo\.svc\.cluster\.local/);
  });

  test('an expired certificate is refused', () => {
    expect(judge(certs.leaf(ca, { ...SANS, notBefore: new Date(Date.now() - 60 * DAY), notAfter: new Date(Date.now() - DAY) }))?.reason).toBe(EXPIRED);
  });

  test('another database\'s names are refused (the member identity of issue 15)', () => {
    expect(judge(certs.leaf(ca, { ...SANS, dnsNames: [...SANS.dnsNames, 'ledger.demo.svc'] }))?.reason).toBe(FOREIGN_NAME);
  });

  test('a torn file is refused, and the message names the volume, never the material', () => {
    const leaf = certs.leaf(ca, SANS);
    const found = renewalViolation({ cert: b(leaf.cert.slice(0, 200)), key: b(leaf.key), ca: b(ca.cert), database: DB, ordinal: 1, now: new Date() });
    expect(found?.reason).toBe(INVALID_PEM);
    expect(found?.message).toMatch(/tls-server-config volume/);
    expect(found?.message).not.toMatch(/BEGIN|MII/);
  });
});

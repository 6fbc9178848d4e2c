import {
  CERTIFICATE_MISSING,
  CERTIFICATE_NOT_READY,
  CertificateInput,
  evaluate,
  EXPIRED,
  FOREIGN_NAME,
  INVALID_PEM,
  KEY_MISMATCH,
  NOT_FOR_MEMBERS,
  NOT_YET_VALID,
  READINESS_CHAIN,
  SAN_MISSING,
  SECRET_MISSING,
  SECRET_MISSING_DATA,
  UNTRUSTED_ISSUER,
} from './checks';
import { CertFactory, certificate, Pem, secret } from './testing/certs';

const NS = 'demo';
const SECRET = 'db-server-cert';
const POD_DNS = ['db-0.db-pods.demo.svc', 'db-0.db-pods.demo.svc.cluster.local', 'localhost'];
const SANS = { dnsNames: ['*.db-pods.demo.svc', '*.db-pods.demo.svc.cluster.local', 'localhost', 'db.demo.svc'], ipAddresses: ['127.0.0.1'] };
const DAY = 86400_000;
const MEMBER = { name: 'db', namespace: NS, clusterDomain: 'cluster.local' };

let certs: CertFactory;
let ca: Pem;
let otherCa: Pem;
let valid: Pem;
let fromOtherCa: Pem;
let expired: Pem;
let notYetValid: Pem;
let withoutLocalhost: Pem;
let strayKey: string;

beforeAll(() => {
  certs = new CertFactory();
  ca = certs.ca('px-ca');
  otherCa = certs.ca('px-ca'); // same name, other key: only the signature differs
  valid = certs.leaf(ca, SANS);
  fromOtherCa = certs.leaf(otherCa, SANS);
  expired = certs.leaf(ca, { ...SANS, notBefore: new Date(Date.now() - 60 * DAY), notAfter: new Date(Date.now() - DAY) });
  notYetValid = certs.leaf(ca, { ...SANS, notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 60 * DAY) });
  withoutLocalhost = certs.leaf(ca, { dnsNames: ['*.db-pods.demo.svc', '*.db-pods.demo.svc.cluster.local'], ipAddresses: ['127.0.0.1'] });
  strayKey = certs.key();
}, 60_000);

afterAll(() => certs.cleanup());

function input(leaf: Pem | undefined, data?: { 'tls.crt'?: string; 'tls.key'?: string; 'ca.crt'?: string }, certificateReady?: { status?: string; reason?: string; message?: string }): CertificateInput {
  const secretData = data ?? { 'tls.crt': leaf!.cert, 'tls.key': leaf!.key, 'ca.crt': ca.cert };
  return {
    namespace: NS,
    secretName: SECRET,
    secret: secret(NS, SECRET, secretData),
    certificates: [certificate(NS, SECRET, SECRET, leaf?.cert, certificateReady)],
    requiredDNSNames: POD_DNS,
    requiredIPAddresses: ['127.0.0.1'],
    now: new Date(),
  };
}

describe('a server certificate is judged as a member\'s: a pod of the database, no other workload of the cluster, for both ends of TLS', () => {
  const asMember = (leaf: Pem): CertificateInput => ({ ...input(leaf), member: MEMBER });
  const cases: Array<[string, () => Pem, string | null, RegExp?]> = [
    ['the rendered default names (pods, Services, localhost, 127.0.0.1) → verified', () => certs.leaf(ca, { dnsNames: ['db', 'db.demo.svc', '*.db.demo.svc', ...SANS.dnsNames], ipAddresses: ['127.0.0.1'] }), null],
    ['an extra external name and a load balancer\'s address (KubeDB\'s extra SANs) → verified', () => certs.leaf(ca, { dnsNames: [...SANS.dnsNames, 'mysql.example.com'], ipAddresses: ['127.0.0.1', '10.20.30.40'] }), null],
    ['also another database\'s Service → ForeignName naming it', () => certs.leaf(ca, { dnsNames: [...SANS.dnsNames, 'ledger.demo.svc'], ipAddresses: ['127.0.0.1'] }), FOREIGN_NAME, /names ledger\.demo\.svc, an in-cluster name that is not database demo\/db's/],
    ['also another database\'s pods → ForeignName', () => certs.leaf(ca, { dnsNames: [...SANS.dnsNames, '*.ledger-pods.demo.svc'], ipAddresses: ['127.0.0.1'] }), FOREIGN_NAME, /\*\.ledger-pods\.demo\.svc/],
    ['a namespace-wide wildcard → ForeignName', () => certs.leaf(ca, { dnsNames: [...SANS.dnsNames, '*.demo.svc'], ipAddresses: ['127.0.0.1'] }), FOREIGN_NAME, /\*\.demo\.svc/],
    ['a pod A record → ForeignName', () => certs.leaf(ca, { dnsNames: [...SANS.dnsNames, '10-1-2-3.demo.pod.cluster.local'], ipAddresses: ['127.0.0.1'] }), FOREIGN_NAME, /10-1-2-3\.demo\.pod\.cluster\.local/],
    ['client auth only (a client certificate with the pods\' names) → NotForMembers', () => certs.leaf(ca, { ...SANS, extendedKeyUsage: 'clientAuth' }), NOT_FOR_MEMBERS, /is not for server auth: members are TLS servers and clients/],
    ['server auth only → NotForMembers', () => certs.leaf(ca, { ...SANS, extendedKeyUsage: 'serverAuth' }), NOT_FOR_MEMBERS, /is not for client auth/],
    ['no extended key usage at all (any purpose) → verified', () => certs.leaf(ca, { ...SANS, extendedKeyUsage: '' }), null],
  ];
  test.each(cases)('%s', (...[, make, reason, message]) => {
    const found = evaluate(asMember(make()));
    if (reason === null) return expect(found).toBeNull();
    expect(found?.reason).toBe(reason);
    expect(found?.message).toMatch(message!);
  });

  test('without a member identity (client and exporter Secrets) names and usages are not judged', () => {
    const client = certs.leaf(ca, { commonName: 'root', extendedKeyUsage: 'clientAuth' });
    expect(evaluate({ ...input(client), requiredDNSNames: [], requiredIPAddresses: [] })).toBeNull();
  });
});

describe('the readiness chain on real certificates', () => {
  const GARBAGE = '-----BEGIN CERTIFICATE-----\nZ2FyYmFnZSwgbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
  const cases: Array<[string, () => CertificateInput, string | null, RegExp?]> = [
    ['a certificate from the CA in ca.crt, covering the pods, Ready → verified', () => input(valid), null],
    ['a certificate signed by another CA of the same name → UntrustedIssuer', () => input(fromOtherCa, { 'tls.crt': fromOtherCa.cert, 'tls.key': fromOtherCa.key, 'ca.crt': ca.cert }), UNTRUSTED_ISSUER, /not signed by any of the 1 certificate\(s\) in ca\.crt/],
    ['an expired certificate → Expired', () => input(expired), EXPIRED, /expired at/],
    ['a certificate valid only from tomorrow → NotYetValid', () => input(notYetValid), NOT_YET_VALID, /not valid before/],
    ['a certificate without localhost → SANMissing naming it', () => input(withoutLocalhost), SAN_MISSING, /does not cover localhost$/],
    ['tls.key of another key pair → KeyMismatch', () => input(valid, { 'tls.crt': valid.cert, 'tls.key': strayKey, 'ca.crt': ca.cert }), KEY_MISMATCH, /not the private key/],
    ['an empty tls.key → SecretMissingData', () => input(valid, { 'tls.crt': valid.cert, 'tls.key': '', 'ca.crt': ca.cert }), SECRET_MISSING_DATA, /has no or empty tls\.key$/],
    ['garbage inside a PEM block → InvalidPEM', () => input(valid, { 'tls.crt': GARBAGE, 'tls.key': valid.key, 'ca.crt': ca.cert }), INVALID_PEM, /tls\.crt: certificate 1 does not parse/],
    ['text that is no PEM at all as ca.crt → InvalidPEM', () => input(valid, { 'tls.crt': valid.cert, 'tls.key': valid.key, 'ca.crt': 'hello' }), INVALID_PEM, /ca\.crt: no PEM CERTIFICATE block/],
    ['a key that is no key → InvalidPEM', () => input(valid, { 'tls.crt': valid.cert, 'tls.key': 'not a key', 'ca.crt': ca.cert }), INVALID_PEM, /tls\.key does not parse as a private key/],
    ['the placeholder Secret, still without data → SecretMissingData', () => ({ ...input(valid), secret: { metadata: { name: SECRET, namespace: NS }, type: 'Opaque' } }), SECRET_MISSING_DATA, /no or empty tls\.crt, tls\.key, ca\.crt/],
    ['no Secret at all → SecretMissing', () => ({ ...input(valid), secret: undefined }), SECRET_MISSING, /does not exist/],
    ['no Certificate writes the Secret → CertificateMissing', () => ({ ...input(valid), certificates: [] }), CERTIFICATE_MISSING, /no cert-manager Certificate in demo has spec\.secretName db-server-cert/],
    ['a Certificate not Ready → CertificateNotReady with cert-manager\'s reason', () => input(valid, undefined, { status: 'False', reason: 'Issuing', message: 'Renewing' }), CERTIFICATE_NOT_READY, /is not Ready \(Issuing: Renewing\)/],
    ['a Certificate Ready for another certificate than the Secret holds → CertificateNotReady', () => ({ ...input(valid), certificates: [certificate(NS, SECRET, SECRET, expired.cert)] }), CERTIFICATE_NOT_READY, /is Ready for a certificate expiring at/],
    ['a Certificate Ready for an older generation → CertificateNotReady', () => {
      const i = input(valid);
      return { ...i, certificates: [{ ...i.certificates[0]!, metadata: { ...i.certificates[0]!.metadata, generation: 2 } }] };
    }, CERTIFICATE_NOT_READY, /generation 1, but its spec is at generation 2/],
  ];

  test.each(cases)('%s', (...[, make, reason, message]) => {
    const found = evaluate(make());
    if (reason === null) {
      expect(found).toBeNull();
      return;
    }
    expect(found?.reason).toBe(reason);
    expect(found?.message).toMatch(message!);
  });

  test('no message ever carries key or certificate material', () => {
    for (const [, make] of cases) {
      const found = evaluate(make());
      expect(found?.message ?? '').not.toMatch(/BEGIN|PRIVATE|MII/);
    }
  });

  test('each check fails closed on its own when what it needs is absent, and never throws', () => {
    const empty: CertificateInput = { namespace: NS, secretName: SECRET, secret: undefined, certificates: [], requiredDNSNames: ['x'], requiredIPAddresses: ['127.0.0.1'], member: MEMBER, now: new Date() };
    for (const check of READINESS_CHAIN) {
      const found = check.run(empty);
      expect({ check: check.name, violated: found !== null }).toEqual({ check: check.name, violated: true });
    }
  });

  test('every check passes the valid certificate on its own (the chain order is not a precondition)', () => {
    const i = input(valid);
    for (const check of READINESS_CHAIN) expect({ check: check.name, found: check.run(i) }).toEqual({ check: check.name, found: null });
  });

  test('ca.crt holding two CAs (a CA rotation bundle) verifies a leaf of either; a CA alone that did not sign it does not', () => {
    const root = certs.ca('root');
    expect(evaluate(input(valid, { 'tls.crt': valid.cert, 'tls.key': valid.key, 'ca.crt': `${root.cert}${ca.cert}` }))).toBeNull();
    expect(evaluate(input(valid, { 'tls.crt': valid.cert, 'tls.key': valid.key, 'ca.crt': root.cert }))?.reason).toBe(UNTRUSTED_ISSUER);
  });

  test('an intermediate CA appended to tls.crt chains the leaf to the root in ca.crt; without it the leaf does not chain', () => {
    const root = certs.ca('root');
    const intermediate = certs.leaf(root, { commonName: 'intermediate', isCA: true });
    const leaf = certs.leaf(intermediate, SANS);
    const data = { 'tls.crt': `${leaf.cert}${intermediate.cert}`, 'tls.key': leaf.key, 'ca.crt': root.cert };
    expect(evaluate({ ...input(leaf, data) })).toBeNull();
    expect(evaluate(input(leaf, { ...data, 'tls.crt': leaf.cert }))?.reason).toBe(UNTRUSTED_ISSUER);
  });

  test('the first failing check decides: an expired certificate from another CA is reported as UntrustedIssuer', () => {
    const expiredOther = certs.leaf(otherCa, { ...SANS, notBefore: new Date(Date.now() - 60 * DAY), notAfter: new Date(Date.now() - DAY) });
    expect(evaluate(input(expiredOther, { 'tls.crt': expiredOther.cert, 'tls.key': expiredOther.key, 'ca.crt': ca.cert }))?.reason).toBe(UNTRUSTED_ISSUER);
  });
});

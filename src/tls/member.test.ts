// The reusable "is this a member's server certificate?" of the watcher and the agent, on real
// certificates made with openssl: the rendered kinds (server, client, exporter), other CAs, other
// databases, wrong pods.
import { X509Certificate } from 'node:crypto';
import { defaultServerDNSNames } from '../model/names';
import { CertFactory, Pem } from './testing/certs';
import {
  canonicalIP,
  FOREIGN_NAME,
  foreignNames,
  hostNamesOf,
  MEMBER_CERTIFICATE_EXPIRED,
  memberCertificateViolation,
  NO_MEMBER_NAME,
  NOT_FOR_MEMBERS,
  NOT_THIS_MEMBER,
  UNTRUSTED_MEMBER,
} from './member';

const DB = { name: 'orders', namespace: 'shop', clusterDomain: 'cluster.local' };
const x509 = (pem: Pem) => new X509Certificate(pem.cert);

let certs: CertFactory;
let ca: Pem;
let otherCa: Pem;
beforeAll(() => {
  certs = new CertFactory();
  ca = certs.ca('px-ca');
  otherCa = certs.ca('px-ca');
}, 60_000);
afterAll(() => certs.cleanup());

/** What the function renders for orders (names.ts defaults; usages from kubedb.ts). */
const serverSpec = () => ({ dnsNames: defaultServerDNSNames('orders', 'shop', 'cluster.local'), ipAddresses: ['127.0.0.1'] });

describe('memberCertificateViolation: is this a member\'s server certificate?', () => {
  const DAY = 86400_000;
  const cases: Array<[string, () => { chain: Pem[]; trust?: Pem; pod?: string }, string | null, RegExp?]> = [
    ['the rendered server certificate, from the members\' CA → a member', () => ({ chain: [certs.leaf(ca, serverSpec())] }), null],
    ['the rendered client certificate of the same CA (CN root, client auth only, no names) → NotForMembers', () => ({ chain: [certs.leaf(ca, { commonName: 'root', extendedKeyUsage: 'clientAuth' })] }), NOT_FOR_MEMBERS, /is not for server auth/],
    ['a client certificate of the same CA with both usages but no names → NoMemberName', () => ({ chain: [certs.leaf(ca, { commonName: 'root' })] }), NO_MEMBER_NAME, /names no pod of database shop\/orders/],
    ['a certificate naming only the Services (no pod) → NoMemberName', () => ({ chain: [certs.leaf(ca, { dnsNames: ['orders.shop.svc', 'localhost'] })] }), NO_MEMBER_NAME],
    ['another database\'s server certificate, same CA → ForeignName', () => ({ chain: [certs.leaf(ca, { dnsNames: defaultServerDNSNames('ledger', 'shop', 'cluster.local'), ipAddresses: ['127.0.0.1'] })] }), FOREIGN_NAME, /ledger/],
    ['a server certificate from another CA of the same name → UntrustedMember', () => ({ chain: [certs.leaf(otherCa, serverSpec())] }), UNTRUSTED_MEMBER, /does not chain to the members' CA/],
    ['an expired member certificate → MemberCertificateExpired', () => ({ chain: [certs.leaf(ca, { ...serverSpec(), notBefore: new Date(Date.now() - 60 * DAY), notAfter: new Date(Date.now() - DAY) })] }), MEMBER_CERTIFICATE_EXPIRED],
    ['no certificate presented → UntrustedMember', () => ({ chain: [] }), UNTRUSTED_MEMBER],
    ['the pods wildcard covers the pod the peer claims to be', () => ({ chain: [certs.leaf(ca, serverSpec())], pod: 'orders-2' }), null],
    ['a certificate naming orders-0 only, presented by a peer claiming orders-1 → NotThisMember', () => ({ chain: [certs.leaf(ca, { dnsNames: ['orders-0.orders-pods.shop.svc', 'orders-0.orders-pods.shop.svc.cluster.local'] })], pod: 'orders-1' }), NOT_THIS_MEMBER, /orders-1\.orders-pods\.shop\.svc/],
    ['a leaf of an intermediate, presented with it, chains to the root the members trust', () => {
      const root = certs.ca('root');
      const intermediate = certs.leaf(root, { commonName: 'intermediate', isCA: true });
      return { chain: [certs.leaf(intermediate, serverSpec()), intermediate], trust: root };
    }, null],
  ];
  test.each(cases)('%s', (...[, make, reason, message]) => {
    const { chain, trust, pod } = make();
    const found = memberCertificateViolation({ chain: chain.map(x509), cas: [x509(trust ?? ca)], database: DB, now: new Date(), ...(pod ? { pod } : {}) });
    if (reason === null) return expect(found).toBeNull();
    expect(found?.reason).toBe(reason);
    if (message) expect(found?.message).toMatch(message);
  });
});

describe('the names on a certificate', () => {
  it.each([['::1', '0:0:0:0:0:0:0:1'], ['0:0:0:0:0:0:0:1', '0:0:0:0:0:0:0:1'], ['FE80::0001', 'fe80:0:0:0:0:0:0:1'], ['127.0.0.1', '127.0.0.1']])('canonicalIP(%s) = %s', (ip, canonical) => expect(canonicalIP(ip)).toBe(canonical));

  it('reads DNS names and IP addresses from the SANs, and judges only those', () => {
    const leaf = x509(certs.leaf(ca, { dnsNames: ['orders.shop.svc', 'mysql.example.com'], ipAddresses: ['127.0.0.1', '::1', '192.0.2.7'] }));
    expect(hostNamesOf(leaf)).toEqual({ dnsNames: ['orders.shop.svc', 'mysql.example.com'], ipAddresses: ['127.0.0.1', expect.stringMatching(/^(::1|0:0:0:0:0:0:0:1)$/), '192.0.2.7'] });
    // ::1 is loopback however node spells it; a link-local IPv6 address is not.
    expect(foreignNames(leaf, DB)).toEqual(['mysql.example.com', '192.0.2.7']);
    expect(foreignNames(x509(certs.leaf(ca, { dnsNames: ['orders-0.orders-pods.shop.svc'], ipAddresses: ['fe80::1'] })), DB)).toEqual([expect.stringMatching(/^fe80/i)]);
  });

  it('every name the function renders into a server certificate by default is the database\'s', () => {
    expect(foreignNames(x509(certs.leaf(ca, serverSpec())), DB)).toEqual([]);
  });
});

// The reusable "is this a member's server certificate?" of the watcher and the agent, on real
// certificates made with openssl: the rendered kinds (server, client, exporter), other CAs, other
// databases, wrong pods; in-cluster names of other workloads against external names.
import { X509Certificate } from 'node:crypto';
import { defaultServerDNSNames } from '../model/names';
import { CertFactory, Pem } from './testing/certs';
import {
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
    ['the server certificate with an external DNS name and a load balancer\'s address (KubeDB\'s extra SANs) → a member', () => ({ chain: [certs.leaf(ca, { dnsNames: [...serverSpec().dnsNames, 'orders.shop.example.com', '*.db.example.com'], ipAddresses: ['127.0.0.1', '10.20.30.40', '2001:db8::7'] })] }), null],
    ['the server certificate that also names another database\'s pods → ForeignName', () => ({ chain: [certs.leaf(ca, { ...serverSpec(), dnsNames: [...serverSpec().dnsNames, 'ledger-0.ledger-pods.shop.svc'] })] }), FOREIGN_NAME, /names ledger-0\.ledger-pods\.shop\.svc, an in-cluster name that is not database shop\/orders's/],
    ['the server certificate that also names a Service of another namespace, in its short and full forms → ForeignName naming both', () => ({ chain: [certs.leaf(ca, { ...serverSpec(), dnsNames: [...serverSpec().dnsNames, 'web.apps.svc', 'web.apps.svc.cluster.local'] })] }), FOREIGN_NAME, /names web\.apps\.svc, web\.apps\.svc\.cluster\.local, in-cluster names that are not/],
    ['the server certificate with the namespace\'s wildcard → ForeignName', () => ({ chain: [certs.leaf(ca, { ...serverSpec(), dnsNames: [...serverSpec().dnsNames, '*.shop.svc'] })] }), FOREIGN_NAME, /\*\.shop\.svc/],
    ['the server certificate with a pod A record → ForeignName', () => ({ chain: [certs.leaf(ca, { ...serverSpec(), dnsNames: [...serverSpec().dnsNames, '10-1-2-3.shop.pod.cluster.local'] })] }), FOREIGN_NAME, /10-1-2-3\.shop\.pod/],
    ['the server certificate with another Service\'s short name → ForeignName', () => ({ chain: [certs.leaf(ca, { ...serverSpec(), dnsNames: [...serverSpec().dnsNames, 'web'] })] }), FOREIGN_NAME, /names web, /],
    ['only external names, no pod → NoMemberName', () => ({ chain: [certs.leaf(ca, { dnsNames: ['orders.shop.example.com'], ipAddresses: ['10.20.30.40'] })] }), NO_MEMBER_NAME],
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
  it('reads DNS names and IP addresses from the SANs; only in-cluster DNS names that are not the database\'s are foreign', () => {
    const leaf = x509(certs.leaf(ca, { dnsNames: ['orders.shop.svc', 'mysql.example.com', 'ledger.shop.svc', 'ledger'], ipAddresses: ['127.0.0.1', '::1', '192.0.2.7'] }));
    expect(hostNamesOf(leaf)).toEqual({ dnsNames: ['orders.shop.svc', 'mysql.example.com', 'ledger.shop.svc', 'ledger'], ipAddresses: ['127.0.0.1', expect.stringMatching(/^(::1|0:0:0:0:0:0:0:1)$/), '192.0.2.7'] });
    // The database's own Service and the external name pass; addresses are never judged.
    expect(foreignNames(leaf, DB)).toEqual(['ledger.shop.svc', 'ledger']);
  });

  it('every name the function renders into a server certificate by default is the database\'s', () => {
    expect(foreignNames(x509(certs.leaf(ca, serverSpec())), DB)).toEqual([]);
  });
});

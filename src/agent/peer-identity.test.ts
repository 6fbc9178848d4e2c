import { X509Certificate } from 'node:crypto';
import { memberCertificateProblem } from './peer-identity';
import { CertFactory } from '../tls/testing/certs';

const certs = new CertFactory();
afterAll(() => certs.cleanup());
const ca = certs.ca('px-issuer-ca');
const otherCa = certs.ca('px-issuer-ca'); // the same name, another key
const x = (pem: string) => new X509Certificate(pem);
const scope = { database: 'orders', namespace: 'demo', members: 3, now: new Date() };
const server = (issuer = ca, dnsNames = ['orders', 'orders.demo.svc', '*.orders-pods.demo.svc', 'localhost'], dates: { notBefore?: Date; notAfter?: Date } = {}) =>
  x(certs.leaf(issuer, { dnsNames, ipAddresses: ['127.0.0.1'], ...dates }).cert);

test.each([
  ['the database\'s server certificate (its pods wildcard) is a member\'s', () => server(), undefined],
  ['a certificate naming one pod is a member\'s', () => server(ca, ['orders-2.orders-pods.demo.svc']), undefined],
  ['another database\'s server certificate from the same CA is refused', () => server(ca, ['*.ledger-pods.demo.svc']), /cover no member of demo\/orders/],
  ['the same database\'s name in another namespace is refused', () => server(ca, ['*.orders-pods.prod.svc']), /cover no member/],
  ['a pod name beyond the members is refused', () => server(ca, ['orders-3.orders-pods.demo.svc']), /cover no member/],
  ['a certificate of another CA (same CA name) is refused', () => server(otherCa), /does not chain to the database's CA/],
  ['an expired certificate is refused', () => server(ca, undefined, { notBefore: new Date(Date.now() - 3 * 86400_000), notAfter: new Date(Date.now() - 86400_000) }), /expired/],
  ['a partial wildcard is not a wildcard', () => server(ca, ['orders-*.orders-pods.demo.svc']), /cover no member/],
])('%s', (_name, make, expected) => {
  const problem = memberCertificateProblem(make(), [], [x(ca.cert)], scope);
  if (expected === undefined) expect(problem).toBeUndefined();
  else expect(problem).toMatch(expected);
});

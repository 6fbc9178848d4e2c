// The stages as a table (the reloader around them: tls-reload.test.ts; on real servers: test/db/agent-reload.test.ts).
import { X509Certificate } from 'node:crypto';
import type { CaChangeOrder } from '../model/galera';
import { parseCertificates } from '../tls/pem';
import { CertFactory, type Pem } from '../tls/testing/certs';
import { materialFiles, type MaterialFiles } from './material';
import { planStage } from './trust-stage';

const DB = { name: 'db', namespace: 'demo', clusterDomain: 'cluster.local' };
const SANS = { dnsNames: ['*.db-pods.demo.svc', '*.db-pods.demo.svc.cluster.local', 'localhost'], ipAddresses: ['127.0.0.1'] };

let certs: CertFactory;
let oldCa: Pem;
let newCa: Pem;
beforeAll(() => {
  certs = new CertFactory();
  oldCa = certs.ca('px-ca');
  newCa = certs.ca('px-ca'); // re-keyed: same name, other key (cert-manager ≥ 1.18's default)
}, 60_000);
afterAll(() => certs.cleanup());

function files(leaf: Pem, ...cas: Pem[]): MaterialFiles {
  return materialFiles(Buffer.from(leaf.cert), Buffer.from(leaf.key), Buffer.from(cas.map((c) => c.cert).join('')));
}
const fp = (p: Pem) => new X509Certificate(p.cert).fingerprint256;
const plan = (mounted: MaterialFiles, copies: MaterialFiles | undefined, order?: CaChangeOrder) =>
  planStage({ mounted, copies, order, database: DB, ordinal: 0, now: new Date() });
const trustOf = (p: ReturnType<typeof plan>) => (p.kind === 'write' && p.change.trust ? parseCertificates(p.change.trust).map((c) => c.fingerprint256) : undefined);

test('a new pod in the middle of a CA change copies what its Secret holds: the new leaf, trusting the new CA only', () => {
  const p = plan(files(certs.leaf(newCa, SANS), newCa), undefined);
  expect(p).toMatchObject({ kind: 'write', step: 'first' });
  expect(trustOf(p)).toEqual([fp(newCa)]);
});

test('a renewal under the CA served while the bundle still holds two: the leaf at once, the bundle untouched', () => {
  const served = certs.leaf(newCa, SANS);
  const p = plan(files(certs.leaf(newCa, SANS), newCa), files(served, oldCa, newCa));
  expect(p).toMatchObject({ kind: 'write', step: 'renewal' });
  expect(p.kind === 'write' && p.change.trust).toBeFalsy();
});

test('retire is for the CA the member serves with only: a member still on the old leaf keeps both', () => {
  const old = certs.leaf(oldCa, SANS);
  expect(plan(files(old, oldCa), files(old, oldCa, newCa), { ca: fp(newCa), stage: 'retire' })).toEqual({ kind: 'keep' });
});

test('a retire order also lets a waiting leaf of that CA be served (the member missed present)', () => {
  const waiting = certs.leaf(newCa, SANS);
  const p = plan(files(waiting, newCa), files(certs.leaf(oldCa, SANS), oldCa, newCa), { ca: fp(newCa), stage: 'retire' });
  expect(p).toMatchObject({ kind: 'write', step: 'present' });
});

test('a bad renewal is refused before any stage: the bundle never grows for a leaf that fails the checks', () => {
  const expired = certs.leaf(newCa, { ...SANS, notBefore: new Date(Date.now() - 9e9), notAfter: new Date(Date.now() - 1e9) });
  const p = plan(files(expired, newCa), files(certs.leaf(oldCa, SANS), oldCa));
  expect(p).toMatchObject({ kind: 'refuse', violation: { reason: 'Expired' } });
});

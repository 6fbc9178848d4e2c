// The served copies on disk (served-copies.ts) and the agent's port material read from them.
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertFactory, type Pem } from '../tls/testing/certs';
import { ServerMaterial } from './material';
import { ServedCopies } from './served-copies';

let certs: CertFactory;
let ca: Pem;
let otherCa: Pem;
let root: string;
beforeAll(() => {
  certs = new CertFactory();
  ca = certs.ca('px-ca');
  otherCa = certs.ca('px-ca');
  root = mkdtempSync(join(tmpdir(), 'pxc-tls-copies-'));
}, 60_000);
afterAll(() => {
  certs.cleanup();
  rmSync(root, { recursive: true, force: true });
});

const b = (s: string) => Buffer.from(s);
let n = 0;
function fresh(keyLike?: string): ServedCopies {
  n++;
  const leafDir = mkdtempSync(join(root, `leaf-${n}-`));
  const trustDir = mkdtempSync(join(root, `trust-${n}-`));
  return new ServedCopies(leafDir, trustDir, keyLike);
}

test('nothing is read before the first write; the agent port cannot serve yet', () => {
  const copies = fresh();
  expect(copies.read()).toBeUndefined();
  expect(() => new ServerMaterial(() => copies.read()).current()).toThrow(/not written yet/);
});

test('the leaf is laid out the kubelet\'s way (..data swap, file links through it), the key not world-readable; old directories go', () => {
  const copies = fresh();
  const first = certs.leaf(ca, { dnsNames: ['localhost'] });
  copies.write({ leaf: { cert: b(first.cert), key: b(first.key) }, trust: b(ca.cert) });
  expect(readlinkSync(join(copies.leafDir, 'tls.crt'))).toBe(join('..data', 'tls.crt'));
  expect(lstatSync(join(copies.leafDir, '..data')).isSymbolicLink()).toBe(true);
  expect(statSync(join(copies.leafDir, 'tls.key')).mode & 0o007).toBe(0);
  expect(readFileSync(join(copies.trustDir, 'ca.crt'), 'utf8')).toBe(ca.cert);
  const second = certs.leaf(ca, { dnsNames: ['localhost'] });
  copies.write({ leaf: { cert: b(second.cert), key: b(second.key) } });
  const read = copies.read()!;
  expect(read.cert.toString()).toBe(second.cert);
  expect(read.key.toString()).toBe(second.key);
  expect(read.ca.toString()).toBe(ca.cert); // the bundle untouched by a leaf write
  expect(readdirSync(copies.leafDir).filter((e) => e.startsWith('..') && e !== '..data')).toHaveLength(1);
});

test('a trust write replaces the bundle alone; the version follows every file', () => {
  const copies = fresh();
  const leaf = certs.leaf(ca, { dnsNames: ['localhost'] });
  copies.write({ leaf: { cert: b(leaf.cert), key: b(leaf.key) }, trust: b(ca.cert) });
  const before = copies.read()!.version;
  copies.write({ trust: b(`${ca.cert}${otherCa.cert}`) });
  const after = copies.read()!;
  expect(after.version).not.toBe(before);
  expect(after.cert.toString()).toBe(leaf.cert);
  expect(after.ca.toString()).toBe(`${ca.cert}${otherCa.cert}`);
});

test('the port material follows the copies by content, at most every refreshMs', () => {
  const copies = fresh();
  const first = certs.leaf(ca, { dnsNames: ['localhost'] });
  copies.write({ leaf: { cert: b(first.cert), key: b(first.key) }, trust: b(ca.cert) });
  let clock = 0;
  const material = new ServerMaterial(() => copies.read(), 1000, () => clock);
  expect(material.current().cert.toString()).toBe(first.cert);
  const second = certs.leaf(ca, { dnsNames: ['localhost'] });
  copies.write({ leaf: { cert: b(second.cert), key: b(second.key) } });
  expect(material.current().cert.toString()).toBe(first.cert);
  clock = 1000;
  expect(material.current().cert.toString()).toBe(second.cert);
  expect(material.current().cas).toHaveLength(1);
});

test('the copied key is exactly as readable as the mounted Secret\'s key (the kubelet\'s defaultMode)', () => {
  const mounted = join(root, 'mounted-tls.key');
  writeFileSync(mounted, 'x', { mode: 0o640 });
  chmodSync(mounted, 0o640);
  const copies = fresh(mounted);
  const leaf = certs.leaf(ca, { dnsNames: ['localhost'] });
  copies.write({ leaf: { cert: b(leaf.cert), key: b(leaf.key) }, trust: b(ca.cert) });
  expect(statSync(join(copies.leafDir, 'tls.key')).mode & 0o777).toBe(0o640);
});

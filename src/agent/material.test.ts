import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertFactory, type Pem } from '../tls/testing/certs';
import { ServerMaterial } from './material';

let certs: CertFactory;
let ca: Pem;
let dir: string;
beforeAll(() => {
  certs = new CertFactory();
  ca = certs.ca('px-ca');
  dir = mkdtempSync(join(tmpdir(), 'pxc-tls-material-'));
}, 60_000);
afterAll(() => {
  certs.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const write = (leaf: Pem) => {
  writeFileSync(join(dir, 'tls.crt'), leaf.cert);
  writeFileSync(join(dir, 'tls.key'), leaf.key);
  writeFileSync(join(dir, 'ca.crt'), ca.cert);
};

test('new files replace the material only when accepted; the first material is always taken', () => {
  let accept = false;
  const first = certs.leaf(ca, { dnsNames: ['localhost'] });
  write(first);
  const material = new ServerMaterial(dir, 0, () => 0, () => accept);
  expect(material.current().cert.toString()).toBe(first.cert);
  const second = certs.leaf(ca, { dnsNames: ['localhost'] });
  write(second);
  expect(material.current().cert.toString()).toBe(first.cert); // refused: the old one stays
  accept = true;
  expect(material.current().cert.toString()).toBe(second.cert);
});

// Test support (never bundled): real X.509 material made with the openssl CLI — CAs, leaves
// with chosen SANs and validity dates (`openssl ca -startdate/-enddate`: expired and
// not-yet-valid certificates are real ones, not a faked clock), and the Secrets and
// Certificates that carry them.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CertificateObject, SecretObject } from '../objects';

export interface Pem {
  cert: string;
  key: string;
}

export class CertFactory {
  readonly dir = mkdtempSync(join(tmpdir(), 'pxc-tls-watch-certs-'));
  private n = 0;

  private path(name: string): string {
    return join(this.dir, name);
  }

  private ossl(args: string[]): void {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  key(): string {
    const file = this.path(`k${++this.n}.key`);
    this.ossl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
    return readFileSync(file, 'utf8');
  }

  /** A self-signed CA. Two CAs may share a name: only the signature tells them apart. */
  ca(commonName: string): Pem {
    const key = this.key();
    const id = ++this.n;
    writeFileSync(this.path(`ca${id}.key`), key);
    this.ossl(['req', '-x509', '-new', '-key', this.path(`ca${id}.key`), '-subj', `/CN=${commonName}`, '-days', '30', '-out', this.path(`ca${id}.crt`),
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    return { cert: readFileSync(this.path(`ca${id}.crt`), 'utf8'), key };
  }

  /**
   * A leaf signed by `ca`. Dates as openssl's YYYYMMDDHHMMSSZ; default: valid from an hour ago for
   * 30 days.
   */
  leaf(ca: Pem, opts: { commonName?: string; dnsNames?: string[]; ipAddresses?: string[]; notBefore?: Date; notAfter?: Date; isCA?: boolean; extendedKeyUsage?: string } = {}): Pem {
    const id = ++this.n;
    const d = (name: string) => this.path(`l${id}-${name}`);
    const key = this.key();
    writeFileSync(d('key'), key);
    writeFileSync(d('ca.crt'), ca.cert);
    writeFileSync(d('ca.key'), ca.key);
    writeFileSync(d('index.txt'), '');
    writeFileSync(d('serial'), `${(1000 + id).toString(16).padStart(4, '0')}\n`);
    const sans = [...(opts.dnsNames ?? []).map((n) => `DNS:${n}`), ...(opts.ipAddresses ?? []).map((ip) => `IP:${ip}`)];
    const usage = opts.isCA ? 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' : `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n${opts.extendedKeyUsage === '' ? '' : `extendedKeyUsage=${opts.extendedKeyUsage ?? 'serverAuth,clientAuth'}\n`}`;
    writeFileSync(d('ext'), `${usage}${sans.length ? `subjectAltName=${sans.join(',')}\n` : ''}`);
    writeFileSync(d('ca.cnf'), `[ca]\ndefault_ca=d\n[d]\ndatabase=${d('index.txt')}\nnew_certs_dir=${this.dir}\nserial=${d('serial')}\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n`);
    this.ossl(['req', '-new', '-key', d('key'), '-subj', `/CN=${opts.commonName ?? 'leaf'}`, '-out', d('csr')]);
    const notBefore = opts.notBefore ?? new Date(Date.now() - 3600_000);
    const notAfter = opts.notAfter ?? new Date(Date.now() + 30 * 86400_000);
    this.ossl(['ca', '-batch', '-notext', '-config', d('ca.cnf'), '-cert', d('ca.crt'), '-keyfile', d('ca.key'), '-in', d('csr'), '-out', d('crt'),
      '-extfile', d('ext'), '-startdate', opensslDate(notBefore), '-enddate', opensslDate(notAfter)]);
    return { cert: readFileSync(d('crt'), 'utf8'), key };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function opensslDate(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** A certificate Secret as the API serves it (base64 data), with cert-manager's annotation. */
export function secret(namespace: string, name: string, data: { 'tls.crt'?: string; 'tls.key'?: string; 'ca.crt'?: string }, certificateName = name): SecretObject {
  return {
    metadata: { name, namespace, resourceVersion: '1', annotations: { 'cert-manager.io/certificate-name': certificateName } },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v ?? '')])),
  };
}

/** A cert-manager Certificate writing `secretName`; Ready=True for `leafPem` unless told otherwise. */
export function certificate(namespace: string, name: string, secretName: string, leafPem: string | undefined, ready: { status?: string; reason?: string; message?: string } = {}): CertificateObject {
  const notAfter = leafPem ? new Date(new X509Certificate(leafPem).validTo).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
  return {
    metadata: { name, namespace, generation: 1 },
    spec: { secretName },
    status: {
      ...(notAfter ? { notAfter } : {}),
      conditions: [{ type: 'Ready', status: ready.status ?? 'True', reason: ready.reason ?? 'Ready', message: ready.message ?? 'Certificate is up to date and has not expired', observedGeneration: 1 }],
    },
  };
}

// Certificates for the database tests, from the Certificate specs the function renders.
//
// Two implementations of one interface:
//  (a) cert-manager: the real controller on the test control plane (test/cluster, which exports
//      PXC_TLS_KUBECONFIG): a CA Issuer named as the rendered issuerRef in a fresh namespace, the
//      rendered Certificates applied there, waited Ready, their Secrets read back;
//  (b) local-ca: a CA made in the test with openssl that signs the same specs (CN, subject, DNS/IP/
//      URI/email SANs, usages, duration, key algorithm/size/encoding) the way cert-manager's CA
//      issuer would, for a run without the rig.
// makeIssuer() picks (a) when PXC_TLS_KUBECONFIG is set (PXC_TLS_DB_ISSUER=local-ca forces (b)); the
// tests log which one ran.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KObject } from './rendered-wiring';

export type SecretData = Record<string, Buffer>;

export interface Issuer {
  readonly kind: 'cert-manager' | 'local-ca';
  /** One line for the test log: which issuer, which CA. */
  readonly description: string;
  /** The CA certificate every issued Secret carries as ca.crt. */
  caCert(): Buffer;
  /** Issues every Certificate; returns Secret data (ca.crt, tls.crt, tls.key) by secretName. */
  issue(certificates: KObject[]): Promise<Map<string, SecretData>>;
  /** Issues one Certificate again, from the spec given (new key, new certificate), and returns the new Secret data. */
  renew(certificate: KObject): Promise<SecretData>;
}

/** cert-manager when the control-plane rig runs (PXC_TLS_KUBECONFIG), else a local openssl CA. */
export async function makeIssuer(dir: string, label: string, issuerRef: IssuerRef): Promise<Issuer> {
  const forced = process.env.PXC_TLS_DB_ISSUER;
  if (forced && forced !== 'cert-manager' && forced !== 'local-ca') throw new Error(`PXC_TLS_DB_ISSUER=${forced}: expected cert-manager or local-ca`);
  const useCertManager = forced ? forced === 'cert-manager' : !!process.env.PXC_TLS_KUBECONFIG;
  return useCertManager ? certManagerIssuer(dir, label, issuerRef) : localCA(dir, label);
}

export interface IssuerRef {
  name: string;
  kind?: string;
  group?: string;
}

// ---- openssl ----------------------------------------------------------------------------------

function openssl(args: string[], cwd: string): Promise<string> {
  return new Promise((res, rej) =>
    execFile('openssl', args, { cwd, timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      err ? rej(new Error(`openssl ${args[0]} failed: ${stderr.trim() || err.message}`)) : res(stdout),
    ),
  );
}

/** A self-signed CA (key never leaves `dir`). */
async function makeCA(dir: string, cn: string): Promise<{ cert: string; key: string }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = join(dir, 'ca.key');
  const cert = join(dir, 'ca.crt');
  await openssl(['genrsa', '-out', key, '2048'], dir);
  await openssl(
    ['req', '-x509', '-new', '-key', key, '-out', cert, '-days', '3', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
  return { cert, key };
}

// cert-manager usage names (KeyUsage) → OpenSSL extension names.
const KEY_USAGE: Record<string, string> = {
  'digital signature': 'digitalSignature',
  'content commitment': 'nonRepudiation',
  'key encipherment': 'keyEncipherment',
  'data encipherment': 'dataEncipherment',
  'key agreement': 'keyAgreement',
  'cert sign': 'keyCertSign',
  'crl sign': 'cRLSign',
  'encipher only': 'encipherOnly',
  'decipher only': 'decipherOnly',
};
const EXT_KEY_USAGE: Record<string, string> = {
  'server auth': 'serverAuth',
  'client auth': 'clientAuth',
  'code signing': 'codeSigning',
  'email protection': 'emailProtection',
  timestamping: 'timeStamping',
  'ocsp signing': 'OCSPSigning',
};

function goDurationHours(d: string): number {
  let h = 0;
  const re = /(\d+(?:\.\d+)?)(h|m|s|ms)/g;
  let m: RegExpExecArray | null;
  let seen = '';
  while ((m = re.exec(d))) {
    seen += m[0];
    h += Number(m[1]) * ({ h: 1, m: 1 / 60, s: 1 / 3600, ms: 1 / 3_600_000 } as Record<string, number>)[m[2]!]!;
  }
  if (seen !== d) throw new Error(`duration ${d} is not a Go duration`);
  return h;
}

function subjectOf(spec: any): string {
  const esc = (v: string) => v.replace(/[\\/=+]/g, (c) => `\\${c}`);
  const s = spec.subject ?? {};
  const parts: [string, string[] | undefined][] = [
    ['C', s.countries], ['ST', s.provinces], ['L', s.localities], ['street', s.streetAddresses],
    ['postalCode', s.postalCodes], ['O', s.organizations], ['OU', s.organizationalUnits],
  ];
  let out = '';
  for (const [k, vs] of parts) for (const v of vs ?? []) out += `/${k}=${esc(v)}`;
  if (s.serialNumber) out += `/serialNumber=${esc(s.serialNumber)}`;
  if (spec.commonName) out += `/CN=${esc(spec.commonName)}`;
  return out || '/';
}

/** Signs one Certificate spec with the CA in `caDir`; writes tls.key/tls.crt under `dir`. */
async function signSpec(spec: any, ca: { cert: string; key: string }, dir: string): Promise<SecretData> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyPath = join(dir, 'tls.key');
  const pk = spec.privateKey ?? {};
  const algorithm = String(pk.algorithm ?? 'RSA').toUpperCase();
  const pkcs8 = String(pk.encoding ?? 'PKCS1').toUpperCase() === 'PKCS8';
  // cert-manager's defaults: RSA 2048, PKCS#1 encoding (ECDSA 256 for ECDSA).
  if (algorithm === 'RSA') {
    await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${pk.size ?? 2048}`, '-out', keyPath], dir);
    if (!pkcs8) await openssl(['rsa', '-in', keyPath, '-traditional', '-out', keyPath], dir);
  } else if (algorithm === 'ECDSA') {
    const curve = ({ 256: 'prime256v1', 384: 'secp384r1', 521: 'secp521r1' } as Record<number, string>)[pk.size ?? 256];
    if (!curve) throw new Error(`ECDSA size ${pk.size} unsupported`);
    await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-out', keyPath], dir);
    if (!pkcs8) await openssl(['ec', '-in', keyPath, '-out', keyPath], dir);
  } else if (algorithm === 'ED25519') {
    await openssl(['genpkey', '-algorithm', 'ED25519', '-out', keyPath], dir);
  } else {
    throw new Error(`privateKey.algorithm ${pk.algorithm} unsupported`);
  }

  const usages: string[] = spec.usages?.length ? spec.usages : ['digital signature', 'key encipherment'];
  const ku = usages.filter((u) => KEY_USAGE[u]).map((u) => KEY_USAGE[u]!);
  const eku = usages.filter((u) => EXT_KEY_USAGE[u]).map((u) => EXT_KEY_USAGE[u]!);
  const unknown = usages.filter((u) => !KEY_USAGE[u] && !EXT_KEY_USAGE[u] && u !== 'signing');
  if (unknown.length) throw new Error(`unknown usages ${unknown.join(', ')}`);
  if (usages.includes('signing') && !ku.includes('digitalSignature')) ku.push('digitalSignature');
  const san = [
    ...(spec.dnsNames ?? []).map((n: string) => `DNS:${n}`),
    ...(spec.ipAddresses ?? []).map((n: string) => `IP:${n}`),
    ...(spec.uris ?? []).map((n: string) => `URI:${n}`),
    ...(spec.emailAddresses ?? []).map((n: string) => `email:${n}`),
  ];
  const ext = [
    '[v3]',
    `basicConstraints=critical,CA:${spec.isCA ? 'TRUE' : 'FALSE'}`,
    ...(ku.length ? [`keyUsage=critical,${ku.join(',')}`] : []),
    ...(eku.length ? [`extendedKeyUsage=${eku.join(',')}`] : []),
    ...(san.length ? [`subjectAltName=${san.join(',')}`] : []),
    'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid',
  ].join('\n');
  writeFileSync(join(dir, 'ext.cnf'), `${ext}\n`);
  await openssl(['req', '-new', '-key', keyPath, '-subj', subjectOf(spec), '-out', join(dir, 'tls.csr')], dir);
  const days = Math.max(1, Math.ceil(goDurationHours(spec.duration ?? '2160h') / 24));
  await openssl(
    ['x509', '-req', '-in', join(dir, 'tls.csr'), '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${randomBytes(16).toString('hex')}`,
      '-days', String(days), '-extfile', join(dir, 'ext.cnf'), '-extensions', 'v3', '-out', join(dir, 'tls.crt')],
    dir,
  );
  return { 'ca.crt': readFileSync(ca.cert), 'tls.crt': readFileSync(join(dir, 'tls.crt')), 'tls.key': readFileSync(keyPath) };
}

// ---- (b) local CA ---------------------------------------------------------------------------------

export async function localCA(dir: string, label: string): Promise<Issuer> {
  const base = join(dir, `issuer-${label}`);
  const ca = await makeCA(join(base, 'ca'), `pxc-tls test CA ${label}`);
  let n = 0;
  const sign = (cert: KObject) => signSpec(cert.spec, ca, join(base, `${cert.metadata.name}-${n++}`));
  return {
    kind: 'local-ca',
    description: `local openssl CA "${label}" signing the rendered Certificate specs (cert-manager rig not used)`,
    caCert: () => readFileSync(ca.cert),
    async issue(certificates) {
      const out = new Map<string, SecretData>();
      for (const c of certificates) out.set(c.spec.secretName, await sign(c));
      return out;
    },
    renew: sign,
  };
}

// ---- (a) cert-manager on the control-plane rig --------------------------------------------------------

function kubectl(args: string[], input?: string, timeoutMs = 120_000): Promise<string> {
  const kubeconfig = process.env.PXC_TLS_KUBECONFIG;
  if (!kubeconfig) throw new Error('PXC_TLS_KUBECONFIG is not set');
  return new Promise((res, rej) => {
    const p = execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? rej(new Error(`kubectl ${args.join(' ')}: ${stderr.trim() || err.message}`)) : res(stdout),
    );
    p.stdin?.end(input ?? '');
  });
}

async function readSecret(namespace: string, name: string): Promise<SecretData | undefined> {
  try {
    const s = JSON.parse(await kubectl(['get', 'secret', name, '-n', namespace, '-o', 'json']));
    return Object.fromEntries(Object.entries((s.data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
  } catch (e) {
    if (/NotFound|not found/.test((e as Error).message)) return undefined;
    throw e;
  }
}

export async function certManagerIssuer(dir: string, label: string, issuerRef: IssuerRef): Promise<Issuer> {
  if ((issuerRef.kind ?? 'Issuer') !== 'Issuer') throw new Error(`the db tests create namespaced CA Issuers; rendered issuerRef kind ${issuerRef.kind}`);
  const namespace = `db-${label}-${randomBytes(3).toString('hex')}`.toLowerCase();
  const base = join(dir, `issuer-${label}`);
  const ca = await makeCA(join(base, 'ca'), `pxc-tls test CA ${label}`);
  await kubectl(['create', 'namespace', namespace]);
  await kubectl(['create', 'secret', 'tls', `${issuerRef.name}-ca`, `--cert=${ca.cert}`, `--key=${ca.key}`, '-n', namespace]);
  await kubectl(['apply', '-n', namespace, '-f', '-'], JSON.stringify({
    apiVersion: 'cert-manager.io/v1',
    kind: 'Issuer',
    metadata: { name: issuerRef.name, namespace },
    spec: { ca: { secretName: `${issuerRef.name}-ca` } },
  }));
  await kubectl(['wait', `issuer/${issuerRef.name}`, '-n', namespace, '--for=condition=Ready', '--timeout=60s'], undefined, 90_000);

  const waitIssued = async (cert: KObject, notTlsCrt?: Buffer): Promise<SecretData> => {
    const end = Date.now() + 90_000;
    for (;;) {
      const c = JSON.parse(await kubectl(['get', 'certificate', cert.metadata.name, '-n', namespace, '-o', 'json']));
      const ready = (c.status?.conditions ?? []).some((x: any) => x.type === 'Ready' && x.status === 'True');
      if (ready) {
        const s = await readSecret(namespace, cert.spec.secretName);
        if (s?.['tls.crt']?.length && s['tls.key']?.length && s['ca.crt']?.length && !(notTlsCrt && s['tls.crt'].equals(notTlsCrt))) return s;
      }
      if (Date.now() > end) throw new Error(`Certificate ${namespace}/${cert.metadata.name} not issued in 90 s: ${JSON.stringify(c.status ?? {})}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  };

  return {
    kind: 'cert-manager',
    description: `cert-manager ${process.env.PXC_TLS_CERT_MANAGER_VERSION ?? ''} on the test control plane, CA Issuer ${namespace}/${issuerRef.name} ("${label}")`,
    caCert: () => readFileSync(ca.cert),
    async issue(certificates) {
      // The rendered objects as they are, moved into the fresh namespace. Owner references (none
      // are expected) would name a PerconaXtraDB uid that does not exist here, so they are dropped.
      const docs = certificates.map((c) => {
        const { ownerReferences: _o, namespace: _n, ...meta } = c.metadata as any;
        return { ...c, metadata: { ...meta, namespace } };
      });
      await kubectl(['apply', '--server-side', '--field-manager=pxc-tls-db-test', '-n', namespace, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs }));
      const out = new Map<string, SecretData>();
      for (const c of certificates) out.set(c.spec.secretName, await waitIssued(c));
      return out;
    },
    async renew(cert) {
      // The Certificate as given (a test may change its spec on purpose), then cert-manager issues
      // again when the Secret disappears (a new key: the old one went with it).
      const { ownerReferences: _o, namespace: _n, ...meta } = cert.metadata as any;
      await kubectl(['apply', '--server-side', '--field-manager=pxc-tls-db-test', '-n', namespace, '-f', '-'], JSON.stringify({ ...cert, metadata: { ...meta, namespace } }));
      const before = await readSecret(namespace, cert.spec.secretName);
      await kubectl(['delete', 'secret', cert.spec.secretName, '-n', namespace]);
      return waitIssued(cert, before?.['tls.crt']);
    },
  };
}

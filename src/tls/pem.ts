/**
 * Parses the material of a certificate Secret (`tls.crt`, `tls.key`, `ca.crt`) with node:crypto,
 * once per Secret object while it is among the last few parsed (the informer cache hands out the
 * same object until it changes; one verdict reads each of its Secrets several times).
 * Errors say what failed to parse, never what the bytes were.
 */
import { KeyObject, X509Certificate, createPrivateKey } from 'node:crypto';
import type { SecretObject } from './objects';

export const TLS_CRT = 'tls.crt';
export const TLS_KEY = 'tls.key';
export const CA_CRT = 'ca.crt';
/** The keys every certificate Secret must carry (cert-manager writes exactly these). */
export const REQUIRED_KEYS = [TLS_CRT, TLS_KEY, CA_CRT] as const;

export interface Material {
  /** First certificate of tls.crt. */
  leaf?: X509Certificate;
  /** The rest of tls.crt (intermediates cert-manager appends). */
  intermediates: X509Certificate[];
  /** Every certificate of ca.crt. */
  cas: X509Certificate[];
  key?: KeyObject;
  /** One sentence per key that did not parse. */
  errors: string[];
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The bytes of a Secret key, or undefined when absent. */
export function secretValue(secret: SecretObject | undefined, key: string): Buffer | undefined {
  const value = secret?.data?.[key];
  return typeof value === 'string' ? Buffer.from(value, 'base64') : undefined;
}

/** Every PEM CERTIFICATE block of `pem`; throws when there is none or one does not parse. */
export function parseCertificates(pem: Buffer): X509Certificate[] {
  const blocks = pem.toString('latin1').match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new Error('no PEM CERTIFICATE block');
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new Error(`certificate ${i + 1} does not parse (${(error as Error).message})`);
    }
  });
}

/**
 * Bounded: parsed certificates and keys are native OpenSSL objects of a few kilobytes each; kept
 * for every cached Secret they would outweigh the cache itself at 1,000 databases, and a settled
 * database is not judged again. A verdict reads at most three Secrets (one per alias).
 */
const MATERIAL_CACHE_SIZE = 64;
const cache = new Map<SecretObject, Material>();

function remember(secret: SecretObject, material: Material): void {
  if (cache.size >= MATERIAL_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(secret, material);
}

/** The parsed material of a Secret; memoised per object, for the last MATERIAL_CACHE_SIZE objects. */
export function materialOf(secret: SecretObject | undefined): Material {
  if (!secret) return { intermediates: [], cas: [], errors: ['the Secret does not exist'] };
  const cached = cache.get(secret);
  if (cached) return cached;
  const material: Material = { intermediates: [], cas: [], errors: [] };
  const crt = secretValue(secret, TLS_CRT);
  const key = secretValue(secret, TLS_KEY);
  const ca = secretValue(secret, CA_CRT);
  if (!crt?.length) material.errors.push(`${TLS_CRT} is missing or empty`);
  else {
    try {
      const [leaf, ...rest] = parseCertificates(crt);
      material.leaf = leaf;
      material.intermediates = rest;
    } catch (error) {
      material.errors.push(`${TLS_CRT}: ${(error as Error).message}`);
    }
  }
  if (!key?.length) material.errors.push(`${TLS_KEY} is missing or empty`);
  else {
    try {
      material.key = createPrivateKey(key);
    } catch (error) {
      material.errors.push(`${TLS_KEY} does not parse as a private key (${(error as Error).message})`);
    }
  }
  if (!ca?.length) material.errors.push(`${CA_CRT} is missing or empty`);
  else {
    try {
      material.cas = parseCertificates(ca);
    } catch (error) {
      material.errors.push(`${CA_CRT}: ${(error as Error).message}`);
    }
  }
  remember(secret, material);
  return material;
}

/** `Nov 28 06:02:00 2025 GMT` (X509Certificate.validTo) → Date. */
export function x509Date(text: string): Date {
  return new Date(text);
}

/** True when `issuer` issued `cert`: names (and key identifiers) match and the signature verifies. */
export function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * True when the leaf chains to one of `cas`, through the intermediates of tls.crt if needed; a
 * self-signed leaf that is itself in ca.crt is its own anchor.
 */
export function chainsTo(leaf: X509Certificate, intermediates: readonly X509Certificate[], cas: readonly X509Certificate[]): boolean {
  if (cas.some((ca) => ca.fingerprint256 === leaf.fingerprint256 && issuedBy(leaf, leaf))) return true;
  let current = leaf;
  const used = new Set<string>();
  for (let depth = 0; depth < 8; depth++) {
    if (cas.some((ca) => issuedBy(current, ca))) return true;
    const next = intermediates.find((c) => !used.has(c.fingerprint256) && issuedBy(current, c));
    if (!next) return false;
    used.add(next.fingerprint256);
    current = next;
  }
  return false;
}

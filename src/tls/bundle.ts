/**
 * Trust bundles (issue 12.3): the ca.crt mysqld and Galera verify with while a CA change is staged
 * holds the old and the new CA. Pure: PEM in, certificates and PEM out.
 */
import { X509Certificate } from 'node:crypto';
import { chainsTo, parseCertificates } from './pem';

/** The CA of `cas` a certificate file (leaf first, then any intermediates) chains to, if any. */
export function anchorOf(certPem: Buffer, cas: readonly X509Certificate[]): X509Certificate | undefined {
  const [leaf, ...intermediates] = parseCertificates(certPem);
  return cas.find((ca) => chainsTo(leaf!, intermediates, [ca]));
}

/** The certificates of a bundle, each CA once (by fingerprint), in their first order. */
export function uniqueCertificates(cas: readonly X509Certificate[]): X509Certificate[] {
  const seen = new Set<string>();
  return cas.filter((ca) => !seen.has(ca.fingerprint256) && seen.add(ca.fingerprint256));
}

/** The bundle file's content: each CA once, as PEM, one after the other. */
export function bundlePem(cas: readonly X509Certificate[]): Buffer {
  return Buffer.from(uniqueCertificates(cas).map((ca) => ca.toString().trim()).join('\n') + '\n');
}

export const fingerprints = (cas: readonly X509Certificate[]): string[] => cas.map((ca) => ca.fingerprint256);

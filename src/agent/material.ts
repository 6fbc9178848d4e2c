/**
 * The pod's server certificate: read from the `tls-server-config` Secret volume (the renewal
 * check's input) and, as the agent serves its port with it and presents it to its peers as a
 * client certificate (its usages include client auth), from the served copies mysqld loads too
 * (served-copies.ts). Re-read at most every `refreshMs`, by content.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { parseCertificates } from '../tls/pem';

export interface Material {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
  cas: X509Certificate[];
  /** Changes whenever any of the three files does. */
  version: string;
}

/** The three files as they are now, unparsed, with the content hash that tells a swap. */
export interface MaterialFiles {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
  version: string;
}

/**
 * Reads tls.crt, tls.key and ca.crt of the volume; throws when one is missing. In a kubelet-written
 * volume the three are read from the one directory `..data` points at, so a swap between two reads
 * never mixes an old certificate with a new key (the old directory may vanish under us: read again).
 */
export function readMaterialFiles(dir: string, bundle?: Buffer): MaterialFiles {
  for (let attempt = 0; ; attempt++) {
    let base = dir;
    try {
      base = realpathSync(join(dir, '..data'));
    } catch {
      // not a kubelet atomic-writer volume: the files themselves
    }
    try {
      return readFrom(base, bundle);
    } catch (error) {
      if (base === dir || attempt >= 2 || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/** `bundle`: ca.crt kept apart (the served copies' trust bundle), else the directory's own. */
function readFrom(dir: string, bundle?: Buffer): MaterialFiles {
  const cert = readFileSync(join(dir, 'tls.crt'));
  const key = readFileSync(join(dir, 'tls.key'));
  return materialFiles(cert, key, bundle ?? readFileSync(join(dir, 'ca.crt')));
}

/** The three files with their version: a content hash that changes whenever any of them does. */
export function materialFiles(cert: Buffer, key: Buffer, ca: Buffer): MaterialFiles {
  return { cert, key, ca, version: createHash('sha256').update(cert).update(key).update(ca).digest('hex').slice(0, 16) };
}

export class ServerMaterial {
  private material: Material | undefined;
  private checkedAt = -Infinity;

  /** `read`: the files to serve (the served copies: verified before they were written). */
  constructor(
    private readonly read: () => MaterialFiles | undefined,
    private readonly refreshMs = 10_000,
    private readonly monotonic = () => performance.now(),
  ) {}

  /** The material now; throws when the files are missing or do not parse (the pod cannot serve yet). */
  current(): Material {
    const now = this.monotonic();
    if (this.material && now - this.checkedAt < this.refreshMs) return this.material;
    this.checkedAt = now;
    const files = this.read();
    if (!files) throw new Error('the served copies of the server certificate are not written yet');
    const { cert, key, ca, version } = files;
    if (this.material?.version === version) return this.material;
    this.material = { cert, key, ca, cas: parseCertificates(ca), version };
    return this.material;
  }
}

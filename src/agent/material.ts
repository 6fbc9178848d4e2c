/**
 * The pod's server certificate (the `tls-server-config` Secret volume): the agent serves its port
 * with it and presents it to its peers as a client certificate (its usages include client auth).
 * Re-read when kubelet swaps the volume's files (cert-manager renewed them): checked by content,
 * at most every `refreshMs`.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

export class ServerMaterial {
  private material: Material | undefined;
  private checkedAt = -Infinity;

  constructor(private readonly dir: string, private readonly refreshMs = 10_000, private readonly monotonic = () => performance.now()) {}

  /** The material now; throws when the files are missing or do not parse (the pod cannot serve yet). */
  current(): Material {
    const now = this.monotonic();
    if (this.material && now - this.checkedAt < this.refreshMs) return this.material;
    this.checkedAt = now;
    const cert = readFileSync(join(this.dir, 'tls.crt'));
    const key = readFileSync(join(this.dir, 'tls.key'));
    const ca = readFileSync(join(this.dir, 'ca.crt'));
    const version = createHash('sha256').update(cert).update(key).update(ca).digest('hex').slice(0, 16);
    if (this.material?.version === version) return this.material;
    this.material = { cert, key, ca, cas: parseCertificates(ca), version };
    return this.material;
  }
}

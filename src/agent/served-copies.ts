/**
 * The served copies (issue 12.2 revisited, 12.3): what mysqld and Galera load, written by the agent
 * only after the mounted Secret passed its checks (trust-stage.ts decides what to write). Two
 * emptyDirs (src/model/project.ts): the leaf (tls.crt + tls.key) and the trust bundle (ca.crt).
 * The leaf is written the kubelet's way — a new hidden directory, then `..data` renamed over — so a
 * reader never sees a certificate beside another certificate's key; the bundle, one file, by
 * rename. Writes are whole or not at all; reads are of what is there.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMaterialFiles, type MaterialFiles } from './material';
import { CA_CRT, TLS_CRT, TLS_KEY } from '../tls/pem';

export interface CopiesChange {
  leaf?: { cert: Buffer; key: Buffer };
  trust?: Buffer;
}

const DATA = '..data';

function writeWhole(path: string, content: Buffer, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode });
  renameSync(temporary, path);
}

export class ServedCopies {
  /**
   * `keyLike`: the mounted Secret's tls.key: the copy of the key gets its mode (the kubelet's
   * defaultMode, 0440 as rendered: the pod's user and fsGroup, nobody else), so it is exactly as
   * readable as the Secret's own file; 0440 when it cannot be read.
   */
  constructor(readonly leafDir: string, readonly trustDir: string, private readonly keyLike?: string) {}

  private keyMode(): number {
    try {
      return this.keyLike ? statSync(this.keyLike).mode & 0o777 : 0o440;
    } catch {
      return 0o440;
    }
  }

  /** The copies as they are, or undefined before the first write (a new pod's empty volumes). */
  read(): MaterialFiles | undefined {
    let leaf: MaterialFiles;
    let ca: Buffer;
    try {
      ca = readFileSync(join(this.trustDir, CA_CRT));
      // readMaterialFiles wants the three files in one directory: the leaf's, with the bundle beside.
      leaf = readMaterialFiles(this.leafDir, ca);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return leaf;
  }

  write(change: CopiesChange): void {
    if (change.trust) writeWhole(join(this.trustDir, CA_CRT), change.trust, 0o444);
    if (change.leaf) this.writeLeaf(change.leaf.cert, change.leaf.key);
  }

  private writeLeaf(cert: Buffer, key: Buffer): void {
    const version = `..${createHash('sha256').update(cert).update(key).digest('hex').slice(0, 16)}.${Date.now()}`;
    const dir = join(this.leafDir, version);
    mkdirSync(dir, { mode: 0o755 });
    writeFileSync(join(dir, TLS_CRT), cert, { mode: 0o444 });
    writeFileSync(join(dir, TLS_KEY), key, { mode: this.keyMode() });
    const temporary = join(this.leafDir, `${DATA}_tmp`);
    rmSync(temporary, { force: true });
    symlinkSync(version, temporary);
    renameSync(temporary, join(this.leafDir, DATA));
    for (const file of [TLS_CRT, TLS_KEY]) {
      const link = join(this.leafDir, file);
      try {
        symlinkSync(join(DATA, file), link);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    // The directories no `..data` points at any more: a reader of the old one has its bytes already.
    for (const entry of readdirSync(this.leafDir)) {
      if (entry.startsWith('..') && entry !== DATA && entry !== version) rmSync(join(this.leafDir, entry), { recursive: true, force: true });
    }
  }
}

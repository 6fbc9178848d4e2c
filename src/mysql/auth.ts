/**
 * The client's proof of its password for the two authentication plugins the clients meet:
 * mysql_native_password (MariaDB's default; SHA1) and caching_sha2_password (MySQL 8's; SHA-256
 * fast authentication — its full authentication sends the password itself, over TLS only).
 */
import { createHash } from 'node:crypto';
import { MysqlError, NATIVE_PASSWORD } from './packets';

export const CACHING_SHA2 = 'caching_sha2_password';

const sha1 = (...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash('sha1')).digest();
const sha256 = (...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();
const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((byte, i) => byte ^ b[i % b.length]!));

/** The client's proof for an authentication plugin and the server's scramble; empty for an empty password. */
export function authResponse(plugin: string, password: string, scramble: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const pw = Buffer.from(password, 'utf8');
  if (plugin === NATIVE_PASSWORD) return xor(sha1(pw), sha1(scramble, sha1(sha1(pw))));
  if (plugin === CACHING_SHA2) return xor(sha256(pw), sha256(sha256(sha256(pw)), scramble));
  throw new MysqlError(`unsupported authentication plugin ${plugin}`);
}

/** caching_sha2_password's AuthMoreData status bytes after the fast authentication. */
export const CACHING_SHA2_STATUS = { FAST_AUTH_OK: 0x03, FULL_AUTH: 0x04 } as const;

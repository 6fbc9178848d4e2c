// The client's proofs, checked the way the server checks them: from what it stores (never the
// password) and the scramble it sent, it recovers the client's first hash and compares its hash
// with what it stores.
import { createHash, randomBytes } from 'node:crypto';
import { authResponse } from './auth';
import { MysqlError } from './packets';

const hash = (algorithm: string, ...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash(algorithm)).digest();
const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((byte, i) => byte ^ b[i]!));

test('mysql_native_password: the server recovers SHA1(password) from the response with the hash it stores', () => {
  // What MySQL and MariaDB store for 'password' (PASSWORD('password'), a published value).
  const stored = Buffer.from('2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19', 'hex');
  const scramble = randomBytes(20);
  const response = authResponse('mysql_native_password', 'password', scramble);
  expect(response).toHaveLength(20);
  const candidate = xor(response, hash('sha1', scramble, stored));
  expect(hash('sha1', candidate).equals(stored)).toBe(true);
  expect(hash('sha1', xor(authResponse('mysql_native_password', 'passwore', scramble), hash('sha1', scramble, stored))).equals(stored)).toBe(false);
});

test('caching_sha2_password: the server\'s cache entry SHA256(SHA256(password)) verifies the fast response', () => {
  const cached = hash('sha256', hash('sha256', Buffer.from('s3cret-ü')));
  const scramble = randomBytes(20);
  const response = authResponse('caching_sha2_password', 's3cret-ü', scramble);
  expect(response).toHaveLength(32);
  expect(hash('sha256', xor(response, hash('sha256', cached, scramble))).equals(cached)).toBe(true);
});

test('an empty password is an empty response, whatever the plugin', () => {
  expect(authResponse('mysql_native_password', '', randomBytes(20))).toHaveLength(0);
  expect(authResponse('caching_sha2_password', '', randomBytes(20))).toHaveLength(0);
});

test('a plugin the client does not know is a clear error', () => {
  expect(() => authResponse('auth_gssapi_client', 'pw', randomBytes(20))).toThrow(new MysqlError('unsupported authentication plugin auth_gssapi_client'));
});

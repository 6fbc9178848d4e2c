import {
  CAPABILITY, clientCapabilities, handshakeResponse, isEof, lengthEncodedInt, MysqlError, packet, PacketReader, parseAuthSwitch, parseError, parseGreeting, parseTextRow,
  ProtocolError, readLengthEncoded, ServerError, sslRequest,
} from './packets';

// Captured from MariaDB 10.11.19 (Debian's package, test/db's server) on this machine with a bare
// TCP read: its greeting, and the error it sends a blocked host instead of a greeting.
const MARIADB_GREETING = Buffer.from(
  '640000000a352e352e352d31302e31312e31392d4d6172696144422d302b6465623132753100180000007b233934385d4a3c00feff080200ff81150000000000001d0000002b64367e3b4a40426a71767b006d7973716c5f6e61746976655f70617373776f726400',
  'hex',
);
const MARIADB_HOST_BLOCKED = Buffer.from(
  '6a000000ff6904486f737420273139322e302e322e322720697320626c6f636b65642062656361757365206f66206d616e7920636f6e6e656374696f6e206572726f72733b20756e626c6f636b207769746820276d6172696164622d61646d696e20666c7573682d686f73747327',
  'hex',
);

function onePacket(bytes: Buffer): { seq: number; payload: Buffer } {
  const reader = new PacketReader();
  reader.push(bytes);
  const p = reader.next();
  if (!p) throw new Error('no whole packet');
  return p;
}

describe('the greeting', () => {
  test('MariaDB\'s greeting gives its version, its capabilities (TLS offered) and its authentication plugin', () => {
    const { seq, payload } = onePacket(MARIADB_GREETING);
    expect(seq).toBe(0);
    const greeting = parseGreeting(payload);
    expect(greeting.serverVersion).toBe('5.5.5-10.11.19-MariaDB-0+deb12u1');
    expect(greeting.capabilities & CAPABILITY.SSL).toBe(CAPABILITY.SSL);
    expect(greeting.capabilities & CAPABILITY.PLUGIN_AUTH).toBe(CAPABILITY.PLUGIN_AUTH);
    expect(greeting.plugin).toBe('mysql_native_password');
    // auth-plugin-data part 1 (8 bytes after the connection id) and part 2 (12 bytes before its NUL).
    expect(greeting.scramble.toString('hex')).toBe('7b233934385d4a3c' + '2b64367e3b4a40426a71767b');
  });

  test('an error instead of a greeting (a blocked host) throws ServerError with the server\'s code and text', () => {
    const { payload } = onePacket(MARIADB_HOST_BLOCKED);
    expect(() => parseGreeting(payload)).toThrow(ServerError);
    expect(() => parseGreeting(payload)).toThrow(MysqlError);
    const error = parseError(payload);
    expect(error.code).toBe(1129);
    expect(error.message).toBe("Host '192.0.2.2' is blocked because of many connection errors; unblock with 'mariadb-admin flush-hosts' (1129)");
  });

  test('an error with a SQL state (after the greeting) drops the state from the text', () => {
    const payload = Buffer.concat([Buffer.from([0xff, 0x15, 0x04]), Buffer.from("#28000Access denied for user 'pxc-tls-probe'@'10.0.0.9' (using password: NO)")]);
    expect(parseError(payload)).toMatchObject({ code: 1045, message: "Access denied for user 'pxc-tls-probe'@'10.0.0.9' (using password: NO) (1045)" });
  });

  test.each([
    ['an HTTP answer', Buffer.from('HTTP/1.1 400 Bad Request\r\n')],
    ['protocol 9', Buffer.from([9, 0x35, 0])],
    ['a truncated greeting', Buffer.from([10, 0x35, 0x2e, 0x35])],
  ])('%s is not a MySQL greeting', (_name, payload) => {
    expect(() => parseGreeting(payload)).toThrow(ProtocolError);
  });
});

describe('the client packets', () => {
  const server = parseGreeting(onePacket(MARIADB_GREETING).payload).capabilities;

  test('a client gets what it wants within what the server offers', () => {
    expect(clientCapabilities(CAPABILITY.PROTOCOL_41 | CAPABILITY.SSL, CAPABILITY.PROTOCOL_41)).toBe(CAPABILITY.PROTOCOL_41);
    expect(clientCapabilities(CAPABILITY.SSL, server)).toBe(CAPABILITY.SSL);
  });

  test('the SSLRequest is the 32-byte head of a handshake response with the SSL flag and nothing else', () => {
    const request = sslRequest(CAPABILITY.PROTOCOL_41 | CAPABILITY.SECURE_CONNECTION);
    expect(request).toHaveLength(32);
    expect(request.readUInt32LE(0)).toBe(CAPABILITY.PROTOCOL_41 | CAPABILITY.SECURE_CONNECTION | CAPABILITY.SSL);
    expect(request.readUInt32LE(4)).toBe(0x01000000);
    expect(request[8]).toBe(45); // utf8mb4_general_ci
    expect(request.subarray(9).every((b: number) => b === 0)).toBe(true);
  });

  const login = { user: 'monitor', auth: Buffer.alloc(20, 0xab), plugin: 'mysql_native_password' };
  test.each([
    ['a length-encoded response', CAPABILITY.PLUGIN_AUTH_LENENC_CLIENT_DATA | CAPABILITY.SECURE_CONNECTION | CAPABILITY.PLUGIN_AUTH, Buffer.concat([Buffer.from('monitor\0'), Buffer.from([20]), login.auth, Buffer.from('mysql_native_password\0')])],
    ['a one-byte length (SECURE_CONNECTION)', CAPABILITY.SECURE_CONNECTION | CAPABILITY.PLUGIN_AUTH, Buffer.concat([Buffer.from('monitor\0'), Buffer.from([20]), login.auth, Buffer.from('mysql_native_password\0')])],
    ['no plugin name without PLUGIN_AUTH', CAPABILITY.SECURE_CONNECTION, Buffer.concat([Buffer.from('monitor\0'), Buffer.from([20]), login.auth])],
  ])('the handshake response carries the user, %s and the plugin it was agreed', (_name, capabilities, tail) => {
    const response = handshakeResponse(capabilities | CAPABILITY.PROTOCOL_41, login);
    expect(response.readUInt32LE(0)).toBe(capabilities | CAPABILITY.PROTOCOL_41);
    expect(response.subarray(32).toString('hex')).toBe(tail.toString('hex'));
  });

  test('an authentication switch names the new plugin and carries a new 20-byte scramble', () => {
    const scramble = Buffer.alloc(20, 7);
    const payload = Buffer.concat([Buffer.from([0xfe]), Buffer.from('caching_sha2_password\0'), scramble, Buffer.from([0])]);
    expect(parseAuthSwitch(payload)).toEqual({ plugin: 'caching_sha2_password', scramble });
    expect(() => parseAuthSwitch(Buffer.from([0xfe, 0x61]))).toThrow(ProtocolError);
  });

  test('packets carry a 3-byte length and the sequence id; the reader splits a stream at any boundary', () => {
    const stream = Buffer.concat([packet(1, Buffer.from('abc')), packet(2, Buffer.alloc(0)), packet(3, Buffer.from('z'))]);
    const reader = new PacketReader();
    const got: string[] = [];
    for (const byte of stream) {
      reader.push(Buffer.from([byte]));
      for (let p = reader.next(); p; p = reader.next()) got.push(`${p.seq}:${p.payload.toString()}`);
    }
    expect(got).toEqual(['1:abc', '2:', '3:z']);
    expect(reader.pending()).toBe(0);
  });

  test('a packet longer than the reader expects is refused; a payload continued in the next packet always is', () => {
    const small = new PacketReader(64 * 1024);
    small.push(Buffer.from([0xff, 0xff, 0x7f, 0]));
    expect(() => small.next()).toThrow(ProtocolError);
    const any = new PacketReader();
    any.push(Buffer.from([0xff, 0xff, 0x7f, 0]));
    expect(any.next()).toBeUndefined(); // 8 MiB: waits for the rest
    const continued = new PacketReader();
    continued.push(Buffer.from([0xff, 0xff, 0xff, 0]));
    expect(() => continued.next()).toThrow(ProtocolError);
  });
});

describe('the text result set', () => {
  test.each([
    [250, 'fa'],
    [251, 'fcfb00'],
    [0xffff, 'fcffff'],
    [0x10000, 'fd000001'],
  ])('%d is length-encoded as %s and reads back', (n, hex) => {
    expect(lengthEncodedInt(n).toString('hex')).toBe(hex);
    expect(readLengthEncoded(Buffer.from(hex, 'hex'), 0)).toEqual({ value: n, pos: hex.length / 2 });
  });

  test('a row gives its values as text, NULL as null, empty as empty', () => {
    const long = 'x'.repeat(300);
    const payload = Buffer.concat([Buffer.from([11]), Buffer.from('wsrep_ready'), Buffer.from([0xfb]), Buffer.from([0]), Buffer.from([0xfc, 300 & 0xff, 300 >> 8]), Buffer.from(long)]);
    expect(parseTextRow(payload, 4)).toEqual(['wsrep_ready', null, '', long]);
  });

  test('an EOF packet is short; a row that starts with a 0xfe length is not one', () => {
    expect(isEof(Buffer.from([0xfe, 0, 0, 2, 0]))).toBe(true);
    expect(isEof(Buffer.concat([Buffer.from([0xfe]), Buffer.alloc(20)]))).toBe(false);
  });
});

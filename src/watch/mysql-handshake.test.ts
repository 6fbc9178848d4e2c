import {
  CAPABILITY, clientCapabilities, handshakeResponse, packet, PacketReader, parseError, parseGreeting, PROBE_AUTH_PLUGIN, PROBE_USER, ProtocolError, ServerError, sslRequest,
} from './mysql-handshake';

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
  });

  test('an error instead of a greeting (a blocked host) throws ServerError with the server\'s code and text', () => {
    const { payload } = onePacket(MARIADB_HOST_BLOCKED);
    expect(() => parseGreeting(payload)).toThrow(ServerError);
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

  test('the probe asks for TLS only when upgrading, and never for more than the server offers', () => {
    expect(clientCapabilities(server, true) & CAPABILITY.SSL).toBe(CAPABILITY.SSL);
    expect(clientCapabilities(server, false) & CAPABILITY.SSL).toBe(0);
    expect(clientCapabilities(CAPABILITY.PROTOCOL_41, true)).toBe(CAPABILITY.PROTOCOL_41);
  });

  test('the SSLRequest is the 32-byte head of a handshake response with the SSL flag and nothing else', () => {
    const request = sslRequest(clientCapabilities(server, true));
    expect(request).toHaveLength(32);
    expect(request.readUInt32LE(0) & CAPABILITY.SSL).toBe(CAPABILITY.SSL);
    expect(request.readUInt32LE(4)).toBe(0x01000000);
    expect(request.subarray(9).every((b) => b === 0)).toBe(true);
  });

  test('the handshake response names the probe\'s account, an empty password and the plugin', () => {
    const response = handshakeResponse(clientCapabilities(server, true));
    expect(response.subarray(0, 32).equals(sslRequest(clientCapabilities(server, true)))).toBe(true);
    expect(response.subarray(32).toString('latin1')).toBe(`${PROBE_USER}\0\0${PROBE_AUTH_PLUGIN}\0`);
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

  test('an implausibly long packet is not the MySQL handshake', () => {
    const reader = new PacketReader();
    reader.push(Buffer.from([0xff, 0xff, 0x7f, 0]));
    expect(() => reader.next()).toThrow(ProtocolError);
  });
});

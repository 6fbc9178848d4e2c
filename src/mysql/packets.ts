/**
 * The MySQL client/server protocol's packets, as pure functions of bytes (the sockets are
 * wire.ts): framing, the server's greeting (Protocol::HandshakeV10), error packets, the
 * SSLRequest that upgrades a connection to TLS, HandshakeResponse41, and the text result set's
 * length-encoded values. Spoken by the agent's client (src/agent/mysql.ts) and the watcher's
 * served-certificate probe (src/watch/served-probe.ts).
 *
 * Protocol reference: MySQL's "Client/Server Protocol" (dev.mysql.com/doc/dev/mysql-server/latest/
 * PAGE_PROTOCOL.html), MariaDB's "Clients & Connectors / Client/Server Protocol".
 */

/** Capability flags (Protocol::CapabilityFlags) the two clients use. */
export const CAPABILITY = {
  LONG_PASSWORD: 0x1,
  LONG_FLAG: 0x4,
  PROTOCOL_41: 0x200,
  SSL: 0x800,
  TRANSACTIONS: 0x2000,
  SECURE_CONNECTION: 0x8000,
  MULTI_RESULTS: 0x20000,
  PLUGIN_AUTH: 0x80000,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 0x200000,
} as const;

/** The first byte of a reply: OK, more authentication data, an authentication switch (or EOF), an error. */
export const REPLY = { OK: 0x00, MORE_DATA: 0x01, AUTH_SWITCH: 0xfe, EOF: 0xfe, ERROR: 0xff } as const;
/** Command bytes. */
export const COMMAND = { QUIT: 0x01, QUERY: 0x03 } as const;
/** The plugin a server without PLUGIN_AUTH uses, and the one MariaDB announces by default. */
export const NATIVE_PASSWORD = 'mysql_native_password';

/** utf8mb4_general_ci: known to MySQL 5.7+, 8.x and MariaDB. */
const CHARSET = 45;
const MAX_PACKET = 0x01000000;
/** A payload of 0xffffff bytes continues in the next packet; neither client reads such a thing. */
const LARGEST_SINGLE_PAYLOAD = 0xfffffe;

/** Anything that went wrong speaking MySQL; `code` is the server's error code when it sent one. */
export class MysqlError extends Error {
  constructor(message: string, readonly code?: number) {
    super(message);
  }
}

/** The server answered with an error packet (e.g. 1129 host blocked, 1130 host not allowed, 1040 too many connections, 1045 access denied). */
export class ServerError extends MysqlError {
  declare readonly code: number;
  constructor(code: number, message: string) {
    super(message, code);
  }
}

/** The bytes are not the MySQL protocol (another service on the port, or garbage). */
export class ProtocolError extends MysqlError {}

export interface Greeting {
  serverVersion: string;
  /** The server's capability flags (lower and upper halves joined). */
  capabilities: number;
  /** The authentication plugin it announces, if any. */
  plugin?: string;
  /** The 20 bytes of auth-plugin-data the password scrambles are made with. */
  scramble: Buffer;
}

export function parseError(payload: Buffer): ServerError {
  if (payload.length < 3) return new ServerError(0, 'error packet without a code');
  const code = payload.readUInt16LE(1);
  // With PROTOCOL_41 a '#' and a five-character SQL state precede the message; the greeting's error has neither.
  const text = payload[3] === 0x23 ? payload.toString('utf8', 9) : payload.toString('utf8', 3);
  return new ServerError(code, `${text} (${code})`);
}

/** Parses Protocol::HandshakeV10; an error packet (the server refusing the client outright) throws ServerError. */
export function parseGreeting(payload: Buffer): Greeting {
  if (payload[0] === REPLY.ERROR) throw parseError(payload);
  if (payload[0] !== 10) throw new ProtocolError(`not a MySQL greeting (protocol byte ${payload[0]})`);
  const versionEnd = payload.indexOf(0, 1);
  if (versionEnd < 0) throw new ProtocolError('truncated greeting');
  const serverVersion = payload.toString('latin1', 1, versionEnd);
  let pos = versionEnd + 1 + 4; // connection id
  const part1 = payload.subarray(pos, pos + 8);
  pos += 8 + 1; // auth-plugin-data part 1, filler
  if (payload.length < pos + 2) throw new ProtocolError('truncated greeting');
  let capabilities = payload.readUInt16LE(pos);
  pos += 2;
  let part2: Buffer = Buffer.alloc(0);
  let plugin: string | undefined;
  if (payload.length >= pos + 1 + 2 + 2 + 1 + 10) {
    pos += 1 + 2; // character set, status flags
    capabilities |= payload.readUInt16LE(pos) << 16;
    pos += 2;
    const authDataLength = payload[pos]!;
    pos += 1 + 10; // reserved
    if (capabilities & CAPABILITY.SECURE_CONNECTION) {
      const n = Math.max(13, authDataLength - 8);
      part2 = payload.subarray(pos, pos + n);
      pos += n;
    }
    if (capabilities & CAPABILITY.PLUGIN_AUTH && pos < payload.length) {
      const end = payload.indexOf(0, pos);
      plugin = payload.toString('latin1', pos, end < 0 ? payload.length : end);
    }
  }
  // part 2 ends with a NUL that is not part of the scramble.
  const scramble = Buffer.concat([part1, part2]).subarray(0, 20);
  return { serverVersion, capabilities: capabilities >>> 0, ...(plugin ? { plugin } : {}), scramble };
}

/** The capabilities a client asks for: what it wants, within what the server offers. */
export function clientCapabilities(wanted: number, server: number): number {
  return (wanted & server) >>> 0;
}

function header(capabilities: number): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt32LE(capabilities >>> 0, 0);
  b.writeUInt32LE(MAX_PACKET, 4);
  b[8] = CHARSET;
  return b;
}

/** Protocol::SSLRequest: the first 32 bytes of a HandshakeResponse41, with the SSL flag; TLS starts right after it. */
export function sslRequest(capabilities: number): Buffer {
  return header(capabilities | CAPABILITY.SSL);
}

export interface Login {
  user: string;
  /** The authentication response (authResponse in auth.ts); empty for no password. */
  auth: Buffer;
  /** The plugin `auth` was made for; sent when PLUGIN_AUTH was agreed. */
  plugin: string;
}

/** Protocol::HandshakeResponse41 (no database, no connection attributes). */
export function handshakeResponse(capabilities: number, login: Login): Buffer {
  const parts = [header(capabilities), Buffer.from(`${login.user}\0`, 'utf8')];
  if (capabilities & CAPABILITY.PLUGIN_AUTH_LENENC_CLIENT_DATA) parts.push(lengthEncodedInt(login.auth.length), login.auth);
  else if (capabilities & CAPABILITY.SECURE_CONNECTION) parts.push(Buffer.from([login.auth.length]), login.auth);
  else parts.push(login.auth, Buffer.from([0]));
  if (capabilities & CAPABILITY.PLUGIN_AUTH) parts.push(Buffer.from(`${login.plugin}\0`, 'latin1'));
  return Buffer.concat(parts);
}

/** Protocol::AuthSwitchRequest: the plugin the server switches to and its new scramble. */
export function parseAuthSwitch(payload: Buffer): { plugin: string; scramble: Buffer } {
  const end = payload.indexOf(0, 1);
  if (end < 0) throw new ProtocolError('truncated authentication switch');
  return { plugin: payload.toString('latin1', 1, end), scramble: payload.subarray(end + 1, end + 21) };
}

/** One packet on the wire: 3-byte length, sequence id, payload. */
export function packet(seq: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUIntLE(payload.length, 0, 3);
  h[3] = seq & 0xff;
  return Buffer.concat([h, payload]);
}

export interface Packet {
  seq: number;
  payload: Buffer;
}

/** Splits a byte stream into packets. */
export class PacketReader {
  private buffer: Buffer = Buffer.alloc(0);

  /** `maxPayload`: longer packets are not the exchange the client expects (a probe's handshake is small). */
  constructor(private readonly maxPayload = LARGEST_SINGLE_PAYLOAD) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
  }

  /** The next whole packet, or undefined until more bytes arrive. Throws ProtocolError on a longer packet than expected. */
  next(): Packet | undefined {
    if (this.buffer.length < 4) return undefined;
    const length = this.buffer.readUIntLE(0, 3);
    if (length > this.maxPayload) throw new ProtocolError(`a packet of ${length} bytes, more than the ${this.maxPayload} expected here`);
    if (this.buffer.length < 4 + length) return undefined;
    const seq = this.buffer[3]!;
    const payload = this.buffer.subarray(4, 4 + length);
    this.buffer = this.buffer.subarray(4 + length);
    return { seq, payload };
  }

  /** Bytes read past the last packet (none may follow the SSLRequest before TLS starts). */
  pending(): number {
    return this.buffer.length;
  }
}

export function lengthEncodedInt(n: number): Buffer {
  if (n < 0xfb) return Buffer.from([n]);
  if (n < 0x10000) return Buffer.from([0xfc, n & 0xff, n >> 8]);
  const b = Buffer.alloc(4);
  b[0] = 0xfd;
  b.writeUIntLE(n, 1, 3);
  return b;
}

/** A length-encoded integer at `pos`; 0xfb is NULL in a text row. */
export function readLengthEncoded(p: Buffer, pos: number): { value: number | null; pos: number } {
  const first = p[pos]!;
  if (first < 0xfb) return { value: first, pos: pos + 1 };
  if (first === 0xfb) return { value: null, pos: pos + 1 };
  if (first === 0xfc) return { value: p.readUInt16LE(pos + 1), pos: pos + 3 };
  if (first === 0xfd) return { value: p.readUIntLE(pos + 1, 3), pos: pos + 4 };
  return { value: Number(p.readBigUInt64LE(pos + 1)), pos: pos + 9 };
}

/** An EOF packet (0xfe and short: a row starting with a 0xfe length is at least 9 bytes). */
export const isEof = (p: Buffer): boolean => p[0] === REPLY.EOF && p.length < 9;

/** A ProtocolText::ResultsetRow of `columns` values (NULL as null). */
export function parseTextRow(payload: Buffer, columns: number): Array<string | null> {
  const row: Array<string | null> = [];
  let pos = 0;
  for (let i = 0; i < columns; i++) {
    const length = readLengthEncoded(payload, pos);
    if (length.value === null) {
      row.push(null);
      pos = length.pos;
    } else {
      row.push(payload.toString('utf8', length.pos, length.pos + length.value));
      pos = length.pos + length.value;
    }
  }
  return row;
}

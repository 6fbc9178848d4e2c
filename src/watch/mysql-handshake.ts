/**
 * The few packets of the MySQL client/server protocol the served-certificate probe speaks, as pure
 * functions of bytes (the socket is served-probe.ts): the server's greeting
 * (Protocol::HandshakeV10), the SSLRequest that upgrades the connection to TLS, and a
 * HandshakeResponse41 for an account that does not exist.
 *
 * Why log in at all, with no credentials: a client that closes after the TLS handshake has
 * "interrupted" the handshake, and MySQL and MariaDB count each one against the client's host
 * (performance_schema.host_cache SUM_CONNECT_ERRORS); after max_connect_errors of them (100 by
 * default) the host is blocked ("Host … is blocked because of many connection errors") — the
 * watcher, probing every minute, would be locked out within two hours. A failed login is not an
 * interrupted handshake and is not counted (measured on MariaDB 10.11: test/db/served.test.ts).
 *
 * The agent's own client (src/agent/mysql.ts, on its branch) parses the same greeting: these
 * functions are meant to move into a room both share.
 * Protocol reference: MySQL's "Client/Server Protocol" (dev.mysql.com/doc/dev/mysql-server/latest/
 * PAGE_PROTOCOL.html), MariaDB's "Clients & Connectors / Client/Server Protocol".
 */

export const CAPABILITY = {
  LONG_PASSWORD: 0x1,
  PROTOCOL_41: 0x200,
  SSL: 0x800,
  SECURE_CONNECTION: 0x8000,
  PLUGIN_AUTH: 0x80000,
} as const;

/** The account the probe "logs in" as: it must not exist, so the login fails (and the server's log says who tried). */
export const PROBE_USER = 'pxc-tls-probe';
/** The authentication method the probe names; the server may switch to another (handled by the probe). */
export const PROBE_AUTH_PLUGIN = 'mysql_native_password';
/** utf8mb4_general_ci: known to MySQL 5.7+, 8.x and MariaDB. */
const CHARSET = 45;
const MAX_PACKET = 0x01000000;
/** Greetings and login replies are small; anything larger is not a MySQL server talking. */
const MAX_PAYLOAD = 64 * 1024;

/** Packet type bytes of the replies to a login. */
export const REPLY = { OK: 0x00, MORE_DATA: 0x01, AUTH_SWITCH: 0xfe, ERROR: 0xff } as const;

/** The server answered with an error packet (e.g. 1129 host blocked, 1130 host not allowed, 1040 too many connections). */
export class ServerError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** The bytes are not the MySQL protocol (another service on the port, or garbage). */
export class ProtocolError extends Error {}

export interface Greeting {
  serverVersion: string;
  /** The server's capability flags (lower and upper halves joined). */
  capabilities: number;
  /** The authentication plugin it announces, if any. */
  plugin?: string;
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
  let pos = versionEnd + 1 + 4 + 8 + 1; // connection id, auth-plugin-data part 1, filler
  if (payload.length < pos + 2) throw new ProtocolError('truncated greeting');
  let capabilities = payload.readUInt16LE(pos);
  pos += 2;
  let plugin: string | undefined;
  if (payload.length >= pos + 1 + 2 + 2 + 1 + 10) {
    pos += 1 + 2; // character set, status flags
    capabilities |= payload.readUInt16LE(pos) << 16;
    pos += 2;
    const authDataLength = payload[pos]!;
    pos += 1 + 10; // reserved
    if (capabilities & CAPABILITY.SECURE_CONNECTION) pos += Math.max(13, authDataLength - 8);
    if (capabilities & CAPABILITY.PLUGIN_AUTH && pos < payload.length) {
      const end = payload.indexOf(0, pos);
      plugin = payload.toString('latin1', pos, end < 0 ? payload.length : end);
    }
  }
  return { serverVersion, capabilities: capabilities >>> 0, ...(plugin ? { plugin } : {}) };
}

/** The capabilities the probe asks for, within what the server offers (SSL only when upgrading). */
export function clientCapabilities(server: number, tls: boolean): number {
  const wanted = CAPABILITY.LONG_PASSWORD | CAPABILITY.PROTOCOL_41 | CAPABILITY.SECURE_CONNECTION | CAPABILITY.PLUGIN_AUTH | (tls ? CAPABILITY.SSL : 0);
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

/** Protocol::HandshakeResponse41 for PROBE_USER with an empty authentication response. */
export function handshakeResponse(capabilities: number): Buffer {
  const parts = [header(capabilities), Buffer.from(`${PROBE_USER}\0`, 'latin1')];
  // An empty response: a length byte of 0 (SECURE_CONNECTION), or an empty NUL-terminated string — one 0 byte either way.
  parts.push(Buffer.from([0]));
  if (capabilities & CAPABILITY.PLUGIN_AUTH) parts.push(Buffer.from(`${PROBE_AUTH_PLUGIN}\0`, 'latin1'));
  return Buffer.concat(parts);
}

/** One packet on the wire: 3-byte length, sequence id, payload. */
export function packet(seq: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUIntLE(payload.length, 0, 3);
  h[3] = seq & 0xff;
  return Buffer.concat([h, payload]);
}

/** Splits a byte stream into packets. */
export class PacketReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
  }

  /** The next whole packet, or undefined until more bytes arrive. Throws ProtocolError on an implausible length. */
  next(): { seq: number; payload: Buffer } | undefined {
    if (this.buffer.length < 4) return undefined;
    const length = this.buffer.readUIntLE(0, 3);
    if (length > MAX_PAYLOAD) throw new ProtocolError(`a packet of ${length} bytes: not a MySQL handshake`);
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

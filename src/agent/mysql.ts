/**
 * Just enough of the MySQL client/server protocol for the agent to ask its own mysqld how it stands
 * in the cluster (`SHOW GLOBAL STATUS LIKE 'wsrep%'`), over TLS, as the monitor user: the
 * handshake (protocol 10), the TLS upgrade, the mysql_native_password and caching_sha2_password
 * authentications (MariaDB's and MySQL 8's defaults; the latter's full authentication only over
 * TLS), COM_QUERY with text result sets. No dependency: a MySQL driver would be most of the
 * agent's bundle and memory for one statement.
 *
 * Protocol reference: MySQL's "Client/Server Protocol" (dev.mysql.com/doc/dev/mysql-server/latest/
 * PAGE_PROTOCOL.html) and MariaDB's "Clients & Connectors / Client/Server Protocol".
 */
import { createHash } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

const CAP = {
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
/** utf8mb4_general_ci: known to MySQL 5.7+, 8.x and MariaDB. */
const CHARSET = 45;
const MAX_PACKET = 0x01000000;
const COM_QUERY = 0x03;

export class MysqlError extends Error {
  constructor(message: string, readonly code?: number) {
    super(message);
  }
}

export interface MysqlOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The CA the server's certificate must chain to (its name is checked against `host`). Without it, no TLS. */
  ca?: Buffer;
  timeoutMs: number;
}

/** A length-prefixed packet stream over a socket that may be swapped for its TLS upgrade. */
class Wire {
  private buffer: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;
  private socket!: Socket;
  private readonly onData = (chunk: Buffer) => {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    this.wake();
  };
  private readonly onError = (error: Error) => {
    this.failure ??= error;
    this.wake();
  };
  private readonly onClose = () => {
    this.failure ??= new MysqlError('the server closed the connection');
    this.wake();
  };

  constructor(socket: Socket) {
    this.attach(socket);
  }

  attach(socket: Socket): void {
    if (this.socket) for (const [e, f] of [['data', this.onData], ['error', this.onError], ['close', this.onClose]] as const) this.socket.off(e, f as never);
    this.socket = socket;
    socket.on('data', this.onData).on('error', this.onError).on('close', this.onClose);
  }

  get raw(): Socket {
    return this.socket;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  async read(): Promise<{ seq: number; payload: Buffer }> {
    for (;;) {
      if (this.buffer.length >= 4) {
        const length = this.buffer.readUIntLE(0, 3);
        if (length === 0xffffff) throw new MysqlError('a packet of 16 MiB or more: not expected for a status query');
        if (this.buffer.length >= 4 + length) {
          const seq = this.buffer[3]!;
          const payload = this.buffer.subarray(4, 4 + length);
          this.buffer = this.buffer.subarray(4 + length);
          return { seq, payload };
        }
      }
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  write(seq: number, payload: Buffer): void {
    const header = Buffer.alloc(4);
    header.writeUIntLE(payload.length, 0, 3);
    header[3] = seq & 0xff;
    this.socket.write(Buffer.concat([header, payload]));
  }

  destroy(): void {
    this.socket.destroy();
  }
}

interface Greeting {
  capabilities: number;
  scramble: Buffer;
  plugin: string;
  serverVersion: string;
}

function parseGreeting(p: Buffer): Greeting {
  if (p[0] === 0xff) throw errorOf(p);
  if (p[0] !== 10) throw new MysqlError(`unsupported handshake protocol ${p[0]}`);
  let pos = p.indexOf(0, 1);
  const serverVersion = p.toString('latin1', 1, pos);
  pos += 1 + 4; // connection id
  const part1 = p.subarray(pos, pos + 8);
  pos += 8 + 1;
  let capabilities = p.readUInt16LE(pos);
  pos += 2;
  let part2: Buffer = Buffer.alloc(0);
  let plugin = 'mysql_native_password';
  if (p.length > pos) {
    pos += 1 + 2; // charset, status
    capabilities |= p.readUInt16LE(pos) << 16;
    pos += 2;
    const authLength = p[pos]!;
    pos += 1 + 10;
    if (capabilities & CAP.SECURE_CONNECTION) {
      const n = Math.max(13, authLength - 8);
      part2 = p.subarray(pos, pos + n);
      pos += n;
    }
    if (capabilities & CAP.PLUGIN_AUTH) {
      const end = p.indexOf(0, pos);
      plugin = p.toString('latin1', pos, end < 0 ? p.length : end);
    }
  }
  const scramble = Buffer.concat([part1, part2]).subarray(0, 20);
  return { capabilities: capabilities >>> 0, scramble, plugin, serverVersion };
}

function errorOf(p: Buffer): MysqlError {
  const code = p.readUInt16LE(1);
  const message = p[3] === 0x23 ? p.toString('utf8', 9) : p.toString('utf8', 3);
  return new MysqlError(`${message} (${code})`, code);
}

const sha1 = (...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash('sha1')).digest();
const sha256 = (...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();
const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((byte, i) => byte ^ b[i % b.length]!));

/** The client's proof for an authentication plugin and the server's scramble. */
export function authResponse(plugin: string, password: string, scramble: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const pw = Buffer.from(password, 'utf8');
  if (plugin === 'mysql_native_password') return xor(sha1(pw), sha1(scramble, sha1(sha1(pw))));
  if (plugin === 'caching_sha2_password') return xor(sha256(pw), sha256(sha256(sha256(pw)), scramble));
  throw new MysqlError(`unsupported authentication plugin ${plugin}`);
}

function lengthEncodedInt(n: number): Buffer {
  if (n < 0xfb) return Buffer.from([n]);
  if (n < 0x10000) return Buffer.from([0xfc, n & 0xff, n >> 8]);
  const b = Buffer.alloc(4);
  b[0] = 0xfd;
  b.writeUIntLE(n, 1, 3);
  return b;
}

function readLengthEncoded(p: Buffer, pos: number): { value: number | null; pos: number } {
  const first = p[pos]!;
  if (first < 0xfb) return { value: first, pos: pos + 1 };
  if (first === 0xfb) return { value: null, pos: pos + 1 };
  if (first === 0xfc) return { value: p.readUInt16LE(pos + 1), pos: pos + 3 };
  if (first === 0xfd) return { value: p.readUIntLE(pos + 1, 3), pos: pos + 4 };
  return { value: Number(p.readBigUInt64LE(pos + 1)), pos: pos + 9 };
}

const isEof = (p: Buffer) => p[0] === 0xfe && p.length < 9;

function clientHeader(capabilities: number): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt32LE(capabilities >>> 0, 0);
  b.writeUInt32LE(MAX_PACKET, 4);
  b[8] = CHARSET;
  return b;
}

export class MysqlConnection {
  private constructor(private readonly wire: Wire, readonly serverVersion: string) {}

  static async connect(options: MysqlOptions): Promise<MysqlConnection> {
    const socket = netConnect({ host: options.host, port: options.port });
    socket.setTimeout(options.timeoutMs, () => socket.destroy(new MysqlError(`no answer from ${options.host}:${options.port} within ${options.timeoutMs} ms`)));
    const wire = new Wire(socket);
    try {
      return await MysqlConnection.handshake(wire, options);
    } catch (error) {
      wire.destroy();
      throw error;
    }
  }

  private static async handshake(wire: Wire, options: MysqlOptions): Promise<MysqlConnection> {
    const greeting = parseGreeting((await wire.read()).payload);
    let seq = 1;
    let capabilities = CAP.LONG_PASSWORD | CAP.LONG_FLAG | CAP.PROTOCOL_41 | CAP.TRANSACTIONS | CAP.SECURE_CONNECTION | CAP.MULTI_RESULTS | CAP.PLUGIN_AUTH | CAP.PLUGIN_AUTH_LENENC_CLIENT_DATA;
    const secure = options.ca !== undefined;
    if (secure) {
      if (!(greeting.capabilities & CAP.SSL)) throw new MysqlError('the server does not offer TLS');
      capabilities |= CAP.SSL;
    }
    capabilities &= greeting.capabilities | CAP.SSL;
    if (secure) {
      wire.write(seq++, clientHeader(capabilities));
      const raw = wire.raw;
      const tls = tlsConnect({ socket: raw, ca: options.ca, host: options.host, servername: undefined });
      await new Promise<void>((resolve, reject) => {
        tls.once('secureConnect', resolve);
        tls.once('error', reject);
      });
      tls.setTimeout(options.timeoutMs, () => tls.destroy(new MysqlError(`no answer within ${options.timeoutMs} ms`)));
      wire.attach(tls);
    }
    let plugin = greeting.plugin;
    const response = authResponse(plugin, options.password, greeting.scramble);
    wire.write(seq++, Buffer.concat([
      clientHeader(capabilities), Buffer.from(`${options.user}\0`, 'utf8'), lengthEncodedInt(response.length), response, Buffer.from(`${plugin}\0`, 'latin1'),
    ]));
    for (;;) {
      const { seq: got, payload } = await wire.read();
      seq = got + 1;
      if (payload[0] === 0x00) return new MysqlConnection(wire, greeting.serverVersion);
      if (payload[0] === 0xff) throw errorOf(payload);
      if (payload[0] === 0xfe) {
        // AuthSwitchRequest: another plugin, a new scramble.
        const end = payload.indexOf(0, 1);
        plugin = payload.toString('latin1', 1, end);
        const scramble = payload.subarray(end + 1, end + 21);
        wire.write(seq, authResponse(plugin, options.password, scramble));
        continue;
      }
      if (payload[0] === 0x01 && plugin === 'caching_sha2_password') {
        if (payload[1] === 0x03) continue; // fast authentication succeeded: an OK follows
        if (payload[1] === 0x04) {
          // Full authentication: the password itself, which only an encrypted channel may carry.
          if (!secure) throw new MysqlError('caching_sha2_password full authentication needs TLS');
          wire.write(seq, Buffer.from(`${options.password}\0`, 'utf8'));
          continue;
        }
      }
      throw new MysqlError(`unexpected packet 0x${payload[0]?.toString(16)} during authentication`);
    }
  }

  /** A statement's rows as text (NULL as null). */
  async query(sql: string): Promise<Array<Array<string | null>>> {
    this.wire.write(0, Buffer.concat([Buffer.from([COM_QUERY]), Buffer.from(sql, 'utf8')]));
    const first = (await this.wire.read()).payload;
    if (first[0] === 0xff) throw errorOf(first);
    if (first[0] === 0x00) return [];
    const columns = readLengthEncoded(first, 0).value ?? 0;
    for (let i = 0; i < columns; i++) await this.wire.read();
    if (!isEof((await this.wire.read()).payload)) throw new MysqlError('expected the end of the column definitions');
    const rows: Array<Array<string | null>> = [];
    for (;;) {
      const { payload } = await this.wire.read();
      if (payload[0] === 0xff) throw errorOf(payload);
      if (isEof(payload)) return rows;
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
      rows.push(row);
    }
  }

  close(): void {
    try {
      this.wire.write(0, Buffer.from([0x01])); // COM_QUIT
    } catch {
      // closing anyway
    }
    this.wire.destroy();
  }
}

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
import { connect as netConnect } from 'node:net';
import { authResponse, CACHING_SHA2, CACHING_SHA2_STATUS } from '../mysql/auth';
import {
  CAPABILITY, clientCapabilities, COMMAND, handshakeResponse, isEof, MysqlError, NATIVE_PASSWORD, parseAuthSwitch, parseError, parseGreeting, parseTextRow, readLengthEncoded, REPLY,
} from '../mysql/packets';
import { Packets, tlsHandshake, upgradeToTls } from '../mysql/wire';

export { MysqlError };

/** What the agent asks for (within what the server offers). */
const WANTED = CAPABILITY.LONG_PASSWORD | CAPABILITY.LONG_FLAG | CAPABILITY.PROTOCOL_41 | CAPABILITY.TRANSACTIONS | CAPABILITY.SECURE_CONNECTION
  | CAPABILITY.MULTI_RESULTS | CAPABILITY.PLUGIN_AUTH | CAPABILITY.PLUGIN_AUTH_LENENC_CLIENT_DATA;

export interface MysqlOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The CA the server's certificate must chain to (its name is checked against `host`). Without it, no TLS. */
  ca?: Buffer;
  timeoutMs: number;
}

export class MysqlConnection {
  private constructor(private readonly wire: Packets, readonly serverVersion: string) {}

  static async connect(options: MysqlOptions): Promise<MysqlConnection> {
    const socket = netConnect({ host: options.host, port: options.port });
    socket.setTimeout(options.timeoutMs, () => socket.destroy(new MysqlError(`no answer from ${options.host}:${options.port} within ${options.timeoutMs} ms`)));
    const wire = new Packets(socket);
    try {
      return await MysqlConnection.handshake(wire, options);
    } catch (error) {
      wire.destroy();
      throw error;
    }
  }

  private static async handshake(wire: Packets, options: MysqlOptions): Promise<MysqlConnection> {
    const greeting = parseGreeting((await wire.read()).payload);
    let seq = 1;
    const secure = options.ca !== undefined;
    if (secure && !(greeting.capabilities & CAPABILITY.SSL)) throw new MysqlError('the server does not offer TLS');
    const capabilities = clientCapabilities(WANTED | (secure ? CAPABILITY.SSL : 0), greeting.capabilities);
    if (secure) {
      const tls = upgradeToTls(wire, seq++, capabilities, { ca: options.ca, host: options.host, servername: undefined });
      await tlsHandshake(tls);
      tls.setTimeout(options.timeoutMs, () => tls.destroy(new MysqlError(`no answer within ${options.timeoutMs} ms`)));
    }
    let plugin = greeting.plugin ?? NATIVE_PASSWORD;
    wire.send(seq++, handshakeResponse(capabilities, { user: options.user, auth: authResponse(plugin, options.password, greeting.scramble), plugin }));
    for (;;) {
      const { seq: got, payload } = await wire.read();
      seq = got + 1;
      if (payload[0] === REPLY.OK) return new MysqlConnection(wire, greeting.serverVersion);
      if (payload[0] === REPLY.ERROR) throw parseError(payload);
      if (payload[0] === REPLY.AUTH_SWITCH) {
        // Another plugin, a new scramble.
        const request = parseAuthSwitch(payload);
        plugin = request.plugin;
        wire.send(seq, authResponse(plugin, options.password, request.scramble));
        continue;
      }
      if (payload[0] === REPLY.MORE_DATA && plugin === CACHING_SHA2) {
        if (payload[1] === CACHING_SHA2_STATUS.FAST_AUTH_OK) continue; // an OK follows
        if (payload[1] === CACHING_SHA2_STATUS.FULL_AUTH) {
          // Full authentication: the password itself, which only an encrypted channel may carry.
          if (!secure) throw new MysqlError('caching_sha2_password full authentication needs TLS');
          wire.send(seq, Buffer.from(`${options.password}\0`, 'utf8'));
          continue;
        }
      }
      throw new MysqlError(`unexpected packet 0x${payload[0]?.toString(16)} during authentication`);
    }
  }

  /** A statement's rows as text (NULL as null). */
  async query(sql: string): Promise<Array<Array<string | null>>> {
    this.wire.send(0, Buffer.concat([Buffer.from([COMMAND.QUERY]), Buffer.from(sql, 'utf8')]));
    const first = (await this.wire.read()).payload;
    if (first[0] === REPLY.ERROR) throw parseError(first);
    if (first[0] === REPLY.OK) return [];
    const columns = readLengthEncoded(first, 0).value ?? 0;
    for (let i = 0; i < columns; i++) await this.wire.read();
    if (!isEof((await this.wire.read()).payload)) throw new MysqlError('expected the end of the column definitions');
    const rows: Array<Array<string | null>> = [];
    for (;;) {
      const { payload } = await this.wire.read();
      if (payload[0] === REPLY.ERROR) throw parseError(payload);
      if (isEof(payload)) return rows;
      rows.push(parseTextRow(payload, columns));
    }
  }

  close(): void {
    try {
      this.wire.send(0, Buffer.from([COMMAND.QUIT]));
    } catch {
      // closing anyway
    }
    this.wire.destroy();
  }
}

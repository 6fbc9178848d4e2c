/**
 * Reads the certificate a database pod serves, the way a client sees it: a TCP connection to its
 * SQL port, the server's greeting, an SSLRequest, the TLS handshake (no verification: the point
 * is to see what is served, whatever it is), the peer certificate — then a login as an account
 * that does not exist, so the server closes the connection as a failed login. No credentials, no
 * query. The packets and the TLS upgrade are src/mysql's, shared with the agent's client.
 *
 * Why log in at all, with no credentials: a client that closes after the TLS handshake has
 * "interrupted" the handshake, and MySQL and MariaDB count each one against the client's host
 * (performance_schema.host_cache SUM_CONNECT_ERRORS); after max_connect_errors of them (100 by
 * default) the host is blocked ("Host … is blocked because of many connection errors") — the
 * watcher, probing every minute, would be locked out within two hours. A failed login is not an
 * interrupted handshake and is not counted (measured on MariaDB 10.11: test/db/served.test.ts).
 *
 * Its own sockets, one per probe: nothing is shared with the connection pool to the API server.
 */
import type { X509Certificate } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import {
  CAPABILITY, clientCapabilities, COMMAND, handshakeResponse, NATIVE_PASSWORD, parseError, parseGreeting, ProtocolError, REPLY, ServerError,
} from '../mysql/packets';
import { Packets, tlsHandshake, upgradeToTls } from '../mysql/wire';

/** The account the probe "logs in" as: it must not exist, so the login fails (and the server's log says who tried). */
export const PROBE_USER = 'pxc-tls-probe';
/** The authentication method the probe names; the server may switch to another (answered with an empty response). */
export const PROBE_AUTH_PLUGIN = NATIVE_PASSWORD;
/** Greetings and login replies are small; anything larger is not a MySQL server talking. */
const MAX_PAYLOAD = 64 * 1024;

/** The capabilities the probe asks for, within what the server offers (SSL only when upgrading). */
export function probeCapabilities(server: number, tls: boolean): number {
  const wanted = CAPABILITY.LONG_PASSWORD | CAPABILITY.PROTOCOL_41 | CAPABILITY.SECURE_CONNECTION | CAPABILITY.PLUGIN_AUTH | (tls ? CAPABILITY.SSL : 0);
  return clientCapabilities(wanted, server);
}

/** Protocol::HandshakeResponse41 for PROBE_USER with an empty authentication response. */
export function probeLogin(capabilities: number): Buffer {
  return handshakeResponse(capabilities, { user: PROBE_USER, auth: Buffer.alloc(0), plugin: PROBE_AUTH_PLUGIN });
}

export interface ProbeTarget {
  host: string;
  port: number;
  /** The source address to connect from (tests: a loopback address other than 127.0.0.1, which servers never host-block). */
  localAddress?: string;
  /** For the whole exchange, connect to close. */
  timeoutMs: number;
}

export interface ProbeResult {
  serverVersion: string;
  /** undefined when the server offers no TLS. */
  certificate?: X509Certificate;
  /** How the login as the probe's non-existent account ended: `denied` is the expected end. */
  ended: 'denied' | 'accepted' | 'closed' | 'abandoned';
  /** Milliseconds from connect to the peer certificate (or to the greeting, without TLS). */
  handshakeMs: number;
}

/** Why a probe got no certificate: for the metric's label and the log. */
export type ProbeFailure = 'connect' | 'timeout' | 'refused' | 'protocol' | 'tls';

export class ProbeError extends Error {
  constructor(readonly kind: ProbeFailure, message: string, readonly code?: number) {
    super(message);
  }
}

/** One TLS context for every probe: building one per connection costs as much as reading the peer certificate (bench/served.ts). */
let sharedContext: SecureContext | undefined;

/** At most this many replies are answered before the probe gives up on a clean end (an auth switch or two). */
const MAX_LOGIN_ROUNDS = 3;

/**
 * Connects, upgrades to TLS, reads the served certificate and ends with a failed login.
 * Throws ProbeError (connect, timeout, refused by the server, not MySQL, TLS failed).
 */
export async function probeServedCertificate(target: ProbeTarget): Promise<ProbeResult> {
  const started = process.hrtime.bigint();
  const elapsed = () => Number((process.hrtime.bigint() - started) / 1_000_000n);
  const plain = netConnect({ host: target.host, port: target.port, ...(target.localAddress ? { localAddress: target.localAddress } : {}) });
  plain.on('error', () => {}); // observed where it matters (connect, Packets); never an uncaught 'error'
  let secure: TLSSocket | undefined;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    (secure ?? plain).destroy(new Error('timed out'));
    plain.destroy();
  }, target.timeoutMs);
  const where = `${target.host}:${target.port}`;
  try {
    await new Promise<void>((resolve, reject) => {
      plain.once('connect', resolve);
      plain.once('error', reject);
    }).catch((error: Error) => {
      throw new ProbeError(timedOut ? 'timeout' : 'connect', `cannot connect to ${where}: ${timedOut ? `no connection within ${target.timeoutMs} ms` : error.message}`);
    });
    const packets = new Packets(plain, MAX_PAYLOAD);
    const first = await packets.next();
    if (!first) throw new ProbeError('protocol', `${where} closed the connection before its greeting`);
    const greeting = parseGreeting(first.payload);
    const tls = (greeting.capabilities & CAPABILITY.SSL) !== 0;
    const capabilities = probeCapabilities(greeting.capabilities, tls);
    let seq = first.seq + 1;
    let certificate: X509Certificate | undefined;
    let handshakeMs = elapsed();
    if (tls) {
      // No verification: the probe reports what is served, whatever it is; the comparison judges it.
      sharedContext ??= createSecureContext({});
      secure = upgradeToTls(packets, seq++, capabilities, { rejectUnauthorized: false, secureContext: sharedContext });
      secure.on('error', () => {}); // as above
      await tlsHandshake(secure).catch((error: Error) => {
        throw new ProbeError(timedOut ? 'timeout' : 'tls', `TLS handshake with ${where} failed: ${timedOut ? `not done within ${target.timeoutMs} ms` : error.message}`);
      });
      certificate = secure.getPeerX509Certificate();
      handshakeMs = elapsed();
      if (!certificate) throw new ProbeError('tls', `${where} presented no certificate`);
    }
    const ended = await failLogin(packets, seq, capabilities);
    return { serverVersion: greeting.serverVersion, ...(certificate ? { certificate } : {}), ended, handshakeMs };
  } catch (error) {
    if (error instanceof ProbeError) throw error;
    if (error instanceof ServerError) throw new ProbeError('refused', `${where} refused the connection: ${error.message}`, error.code);
    if (error instanceof ProtocolError) throw new ProbeError('protocol', `${where} does not speak the MySQL protocol: ${error.message}`);
    if (timedOut) throw new ProbeError('timeout', `${where}: no answer within ${target.timeoutMs} ms`);
    throw new ProbeError('protocol', `${where}: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
    secure?.destroy();
    plain.destroy();
  }
}

/**
 * Logs in as the probe's non-existent account and reads the server's answer: an error (denied,
 * the expected end), an authentication switch (answered with an empty response), or an OK (an
 * account of that name exists without a password: the probe says goodbye with COM_QUIT).
 */
async function failLogin(packets: Packets, firstSeq: number, capabilities: number): Promise<ProbeResult['ended']> {
  packets.send(firstSeq, probeLogin(capabilities));
  for (let round = 0; round < MAX_LOGIN_ROUNDS; round++) {
    const reply = await packets.next();
    if (!reply) return 'closed';
    const type = reply.payload[0];
    if (type === REPLY.ERROR) {
      parseError(reply.payload); // a well-formed refusal; its text (Access denied …) is not needed
      return 'denied';
    }
    if (type === REPLY.OK) {
      packets.send(0, Buffer.from([COMMAND.QUIT]));
      return 'accepted';
    }
    // An authentication switch or more data: answer with an empty response and read on.
    packets.send(reply.seq + 1, Buffer.alloc(0));
  }
  return 'abandoned';
}

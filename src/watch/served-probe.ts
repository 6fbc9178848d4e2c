/**
 * Reads the certificate a database pod serves, the way a client sees it: a TCP connection to its
 * SQL port, the server's greeting, an SSLRequest, the TLS handshake (no verification: the point
 * is to see what is served, whatever it is), the peer certificate — then a login as an account
 * that does not exist, so the server closes the connection as a failed login and never counts it
 * toward blocking the watcher's host (mysql-handshake.ts says why). No credentials, no query.
 *
 * Its own sockets, one per probe: nothing is shared with the connection pool to the API server.
 */
import type { X509Certificate } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import {
  clientCapabilities, CAPABILITY, handshakeResponse, packet, PacketReader, parseError, parseGreeting, ProtocolError, REPLY, ServerError, sslRequest,
} from './mysql-handshake';

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

/** A socket's packets, awaited one at a time; the socket may be replaced by its TLS upgrade. */
class Packets {
  private readonly reader = new PacketReader();
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  private closed = false;
  private socket!: Socket;
  private readonly onData = (chunk: Buffer) => {
    this.reader.push(chunk);
    this.notify();
  };
  private readonly onError = (error: Error) => {
    this.failure ??= error;
    this.notify();
  };
  private readonly onClose = () => {
    this.closed = true;
    this.notify();
  };

  constructor(socket: Socket) {
    this.use(socket);
  }

  /** Reads from `socket` from now on (the TLS socket after the upgrade). */
  use(socket: Socket): void {
    if (this.socket) this.socket.off('data', this.onData).off('error', this.onError).off('close', this.onClose);
    this.socket = socket;
    socket.on('data', this.onData).on('error', this.onError).on('close', this.onClose);
  }

  /** Stops reading the plain socket without consuming what follows (the TLS handshake). */
  detach(): void {
    this.socket.off('data', this.onData).off('error', this.onError).off('close', this.onClose);
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** The next packet; undefined once the server has closed the connection. */
  async next(): Promise<{ seq: number; payload: Buffer } | undefined> {
    for (;;) {
      const p = this.reader.next();
      if (p) return p;
      if (this.failure) throw this.failure;
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  pending(): number {
    return this.reader.pending();
  }

  send(seq: number, payload: Buffer): void {
    this.socket.write(packet(seq, payload));
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
    const packets = new Packets(plain);
    const first = await packets.next();
    if (!first) throw new ProbeError('protocol', `${where} closed the connection before its greeting`);
    const greeting = parseGreeting(first.payload);
    const tls = (greeting.capabilities & CAPABILITY.SSL) !== 0;
    const capabilities = clientCapabilities(greeting.capabilities, tls);
    let seq = first.seq + 1;
    let certificate: X509Certificate | undefined;
    let handshakeMs = elapsed();
    if (tls) {
      packets.send(seq++, sslRequest(capabilities));
      if (packets.pending() > 0) throw new ProbeError('protocol', `${where} sent data after its greeting, before the TLS upgrade`);
      packets.detach();
      // No verification: the probe reports what is served, whatever it is; the comparison judges it.
      sharedContext ??= createSecureContext({});
      secure = tlsConnect({ socket: plain, rejectUnauthorized: false, secureContext: sharedContext });
      secure.on('error', () => {}); // as above
      await new Promise<void>((resolve, reject) => {
        secure!.once('secureConnect', resolve);
        secure!.once('error', reject);
      }).catch((error: Error) => {
        throw new ProbeError(timedOut ? 'timeout' : 'tls', `TLS handshake with ${where} failed: ${timedOut ? `not done within ${target.timeoutMs} ms` : error.message}`);
      });
      certificate = secure.getPeerX509Certificate();
      handshakeMs = elapsed();
      if (!certificate) throw new ProbeError('tls', `${where} presented no certificate`);
      packets.use(secure);
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
  packets.send(firstSeq, handshakeResponse(capabilities));
  for (let round = 0; round < MAX_LOGIN_ROUNDS; round++) {
    const reply = await packets.next();
    if (!reply) return 'closed';
    const type = reply.payload[0];
    if (type === REPLY.ERROR) {
      parseError(reply.payload); // a well-formed refusal; its text (Access denied …) is not needed
      return 'denied';
    }
    if (type === REPLY.OK) {
      packets.send(0, Buffer.from([0x01])); // COM_QUIT
      return 'accepted';
    }
    // An authentication switch or more data: answer with an empty response and read on.
    packets.send(reply.seq + 1, Buffer.alloc(0));
  }
  return 'abandoned';
}

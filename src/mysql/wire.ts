/**
 * The socket side both clients share: a connection's packets, awaited one at a time, and the TLS
 * upgrade (SSLRequest, then TLS over the same socket). Connecting, timeouts and what the TLS
 * socket verifies are the caller's: the agent verifies its server against the CA, the watcher's
 * probe reads whatever is served.
 */
import type { Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { MysqlError, packet, type Packet, PacketReader, ProtocolError, sslRequest } from './packets';

/** A socket's packets, awaited one at a time; the socket may be replaced by its TLS upgrade. */
export class Packets {
  private readonly reader: PacketReader;
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  private closed = false;
  private current: Socket | undefined;
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

  /** `maxPayload`: see PacketReader. */
  constructor(socket: Socket, maxPayload?: number) {
    this.reader = new PacketReader(maxPayload);
    this.use(socket);
  }

  /** The socket packets are read from and written to. */
  get socket(): Socket {
    return this.current!;
  }

  /** Reads from `socket` from now on (the TLS socket after the upgrade). */
  use(socket: Socket): void {
    this.detach();
    this.current = socket;
    socket.on('data', this.onData).on('error', this.onError).on('close', this.onClose);
  }

  /** Stops reading the current socket without consuming what follows (the TLS handshake). */
  detach(): void {
    this.current?.off('data', this.onData).off('error', this.onError).off('close', this.onClose);
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** The next packet; undefined once the server has closed the connection. Throws the socket's error. */
  async next(): Promise<Packet | undefined> {
    for (;;) {
      const p = this.reader.next();
      if (p) return p;
      if (this.failure) throw this.failure;
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** The next packet, which must come: a closed connection is an error. */
  async read(): Promise<Packet> {
    const p = await this.next();
    if (!p) throw new MysqlError('the server closed the connection');
    return p;
  }

  pending(): number {
    return this.reader.pending();
  }

  send(seq: number, payload: Buffer): void {
    this.current!.write(packet(seq, payload));
  }

  destroy(): void {
    this.current?.destroy();
  }
}

/**
 * Sends the SSLRequest (sequence `seq`) and starts TLS over the connection's socket, with the
 * caller's TLS options; packets are read from the TLS socket from then on. Await tlsHandshake().
 * Throws ProtocolError when the server sent anything between its greeting and the upgrade.
 */
export function upgradeToTls(packets: Packets, seq: number, capabilities: number, options: Omit<ConnectionOptions, 'socket'>): TLSSocket {
  packets.send(seq, sslRequest(capabilities));
  if (packets.pending() > 0) throw new ProtocolError('the server sent data after its greeting, before the TLS upgrade');
  const plain = packets.socket;
  packets.detach(); // the TLS handshake's bytes are the TLS socket's
  const secure = tlsConnect({ ...options, socket: plain });
  packets.use(secure);
  return secure;
}

/** Resolves when the TLS handshake is done; rejects with its error. */
export function tlsHandshake(secure: TLSSocket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
}

// The packet stream on a real loopback socket: packets split anywhere arrive whole, a closed
// connection ends the stream (or is an error where a packet must come), and the TLS upgrade is
// refused when the server spoke out of turn. The TLS upgrade itself runs against MariaDB
// (test/db/served.test.ts, test/db/agent-status.test.ts).
import { connect, createServer, type Server, type Socket } from 'node:net';
import { MysqlError, packet, ProtocolError } from './packets';
import { Packets, upgradeToTls } from './wire';

let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  sockets.splice(0).forEach((s) => s.destroy());
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

/** A connection to a server that sends `bytes` in one-byte writes, then does what `then` says. */
async function serving(bytes: Buffer, then: 'end' | 'stay'): Promise<Socket> {
  server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    for (const byte of bytes) s.write(Buffer.from([byte]));
    if (then === 'end') s.end();
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const client = connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
  sockets.push(client);
  client.on('error', () => {});
  return client;
}

test('packets written a byte at a time arrive whole and in order; then the closed connection ends the stream', async () => {
  const packets = new Packets(await serving(Buffer.concat([packet(0, Buffer.from('greeting')), packet(1, Buffer.from('ok'))]), 'end'));
  expect((await packets.next())?.payload.toString()).toBe('greeting');
  expect(await packets.next()).toMatchObject({ seq: 1 });
  expect(await packets.next()).toBeUndefined();
  await expect(packets.read()).rejects.toThrow(new MysqlError('the server closed the connection'));
});

test('a packet longer than the stream allows fails the read', async () => {
  const packets = new Packets(await serving(packet(0, Buffer.alloc(100)), 'stay'), 50);
  await expect(packets.next()).rejects.toThrow(ProtocolError);
});

test('the TLS upgrade is refused when the server sent more than its greeting', async () => {
  const packets = new Packets(await serving(Buffer.concat([packet(0, Buffer.from('greeting')), packet(1, Buffer.from('extra'))]), 'stay'));
  await packets.next();
  for (let i = 0; i < 500 && packets.pending() === 0; i++) await new Promise((r) => setTimeout(r, 10));
  expect(() => upgradeToTls(packets, 1, 0, {})).toThrow(ProtocolError);
});

// The probe against peers that are not MySQL servers: a closed port, a listener that never
// speaks, another protocol, a server that refuses the client before its greeting (the bytes
// MariaDB sends a blocked host, captured in src/mysql/packets.test.ts). What a real server serves,
// and how it ends the connection, is tested on MariaDB in test/db/served.test.ts.
import { createServer, type Server, type Socket } from 'node:net';
import { CAPABILITY, packet, sslRequest } from '../mysql/packets';
import { probeCapabilities, probeLogin, probeServedCertificate, ProbeError, PROBE_AUTH_PLUGIN, PROBE_USER } from './served-probe';

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  sockets.forEach((s) => s.destroy());
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

async function failure(port: number, timeoutMs = 2000): Promise<ProbeError> {
  const error = await probeServedCertificate({ host: '127.0.0.1', port, timeoutMs }).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ProbeError);
  return error as ProbeError;
}

test('a closed port is a connect failure', async () => {
  const port = await listen(() => {});
  await new Promise((r) => servers.pop()!.close(r));
  expect((await failure(port)).kind).toBe('connect');
});

test('a listener that never speaks is a timeout, within the budget', async () => {
  const port = await listen(() => {});
  const t0 = Date.now();
  const error = await failure(port, 300);
  expect(error.kind).toBe('timeout');
  expect(Date.now() - t0).toBeLessThan(2000);
});

test('another protocol is not taken for MySQL', async () => {
  const port = await listen((s) => s.end('SSH-2.0-OpenSSH_9.2\r\n'));
  expect((await failure(port)).kind).toBe('protocol');
});

test('a server that refuses the client before its greeting is reported with its code and text', async () => {
  const blocked = Buffer.concat([Buffer.from([0xff, 0x69, 0x04]), Buffer.from("Host '10.0.0.9' is blocked because of many connection errors")]);
  const port = await listen((s) => s.end(packet(0, blocked)));
  const error = await failure(port);
  expect(error).toMatchObject({ kind: 'refused', code: 1129 });
  expect(error.message).toContain('is blocked because of many connection errors');
});

test('a server that closes right after connecting gave no greeting', async () => {
  const port = await listen((s) => s.end());
  expect((await failure(port)).kind).toBe('protocol');
});

describe('the probe\'s packets', () => {
  // MariaDB 10.11.19's capabilities, TLS offered (from the greeting src/mysql/packets.test.ts parses).
  const server = 0x81fffffe;

  test('the probe asks for TLS only when upgrading, and never for more than the server offers', () => {
    expect(probeCapabilities(server, true) & CAPABILITY.SSL).toBe(CAPABILITY.SSL);
    expect(probeCapabilities(server, false) & CAPABILITY.SSL).toBe(0);
    expect(probeCapabilities(CAPABILITY.PROTOCOL_41, true)).toBe(CAPABILITY.PROTOCOL_41);
  });

  test('its login names the probe\'s account, an empty password and the plugin, after the SSLRequest\'s head', () => {
    const capabilities = probeCapabilities(server, true);
    const response = probeLogin(capabilities);
    expect(response.subarray(0, 32).equals(sslRequest(capabilities))).toBe(true);
    expect(response.subarray(32).toString('latin1')).toBe(`${PROBE_USER}\0\0${PROBE_AUTH_PLUGIN}\0`);
  });
});

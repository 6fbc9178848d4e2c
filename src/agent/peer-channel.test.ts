// The channel between agents, over real TLS on loopback with certificates made by openssl: /peer
// answers only a member of this database (mutual TLS), the probes answer anyone (kubelet presents
// no certificate), and a peer is believed only when its server certificate names the member asked.
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:https';
import { CertFactory, type Pem } from '../tls/testing/certs';
import { GALERA_PROTOCOL, type MemberFacts } from '../model/galera';
import { ServerMaterial } from './material';
import { ServedCopies } from './served-copies';
import { PeerClient } from './peers';
import { createAgentServer, listenOn } from './server';

const certs = new CertFactory();
const dirs: string[] = [];
const servers: Server[] = [];
afterAll(() => {
  servers.forEach((s) => s.close());
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  certs.cleanup();
});

const ca = certs.ca('px-issuer-ca');
const otherCa = certs.ca('px-issuer-ca');
const serverCert = (issuer: Pem, db: string) => certs.leaf(issuer, { dnsNames: [`*.${db}-pods.demo.svc`, 'localhost'], ipAddresses: ['127.0.0.1'] });

/** The served copies (the agent serves its port with what mysqld loads), as served-copies.ts writes them. */
function material(leaf: Pem, trust: Pem): ServerMaterial {
  const leafDir = mkdtempSync(join(tmpdir(), 'pxc-tls-agent-tls-'));
  const trustDir = mkdtempSync(join(tmpdir(), 'pxc-tls-agent-trust-'));
  dirs.push(leafDir, trustDir);
  const copies = new ServedCopies(leafDir, trustDir);
  copies.write({ leaf: { cert: Buffer.from(leaf.cert), key: Buffer.from(leaf.key) }, trust: Buffer.from(trust.cert) });
  return new ServerMaterial(() => copies.read());
}

const facts: MemberFacts = { protocol: GALERA_PROTOCOL, member: 'orders-1', round: 'r', stage: 'running', dataDir: 'initialised', safeToBootstrap: false, mysqldExits: 0,
  wsrep: { clusterStatus: 'Primary', localState: 'Synced', clusterSize: 3, clusterStateUuid: '11111111-1111-4111-8111-111111111111' } };
const refused: string[] = [];

/** orders-1's agent port. */
async function startMember(): Promise<number> {
  const m = material(serverCert(ca, 'orders'), ca);
  const server = createAgentServer(() => m.current(), {
    alive: () => true,
    notReady: () => undefined,
    peerFacts: () => JSON.stringify(facts),
    metrics: () => 'pxc_tls_agent_ready 1\n',
    scope: () => ({ database: 'orders', namespace: 'demo', members: 3 }),
    onPeerRefused: (reason) => refused.push(reason),
  });
  servers.push(server);
  return listenOn(server, '127.0.0.1', 0);
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject).end();
  });
}

let port: number;
beforeAll(async () => {
  port = await startMember();
}, 30_000);

const peer = (member: string) => ({ member, servername: `${member}.orders-pods.demo.svc`, host: '127.0.0.1', port });

test('a member of the database (its server certificate as client certificate) gets the facts', async () => {
  const client = new PeerClient(() => material(serverCert(ca, 'orders'), ca).current());
  expect(await client.ask(peer('orders-1'))).toEqual({ member: 'orders-1', facts });
  client.close();
});

test('another database\'s member, under the same CA, is refused', async () => {
  const client = new PeerClient(() => material(serverCert(ca, 'ledger'), ca).current());
  expect(await client.ask(peer('orders-1'))).toEqual({ member: 'orders-1', error: 'HTTP 403' });
  expect(refused.at(-1)).toMatch(/cover no member of demo\/orders/);
  client.close();
});

test('a certificate of another CA is refused', async () => {
  // It trusts our CA (to get past its own check of the server) but presents another CA's certificate.
  const client = new PeerClient(() => material(serverCert(otherCa, 'orders'), ca).current());
  expect(await client.ask(peer('orders-1'))).toEqual({ member: 'orders-1', error: 'HTTP 403' });
  expect(refused.at(-1)).toMatch(/not trusted/);
  client.close();
});

test('without a client certificate /peer is refused, the probes and metrics answer (kubelet presents none)', async () => {
  expect(await get(port, '/peer')).toMatchObject({ status: 403 });
  expect(await get(port, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
  expect(await get(port, '/readyz')).toEqual({ status: 200, body: 'ok\n' });
  expect((await get(port, '/metrics')).body).toBe('pxc_tls_agent_ready 1\n');
});

test('a server whose certificate does not chain to our CA is not believed', async () => {
  const client = new PeerClient(() => material(serverCert(ca, 'orders'), otherCa).current());
  const answer = await client.ask(peer('orders-1'));
  expect('error' in answer && answer.error).toMatch(/certificate/);
  client.close();
});

test('an answer is believed only for the member asked: the name checked is the peer\'s pod DNS name', async () => {
  const client = new PeerClient(() => material(serverCert(ca, 'orders'), ca).current());
  // The server certificate covers *.orders-pods.demo.svc, not ledger's names.
  const answer = await client.ask({ member: 'ledger-1', servername: 'ledger-1.ledger-pods.demo.svc', host: '127.0.0.1', port });
  expect('error' in answer && answer.error).toMatch(/does not match|altnames/i);
  // And an answer naming another member than the one asked is not taken.
  const wrong = await client.ask({ ...peer('orders-1'), member: 'orders-2', servername: 'orders-2.orders-pods.demo.svc' });
  expect(wrong).toEqual({ member: 'orders-2', error: 'answered as orders-1' });
  client.close();
});

import type { AddressInfo } from 'node:net';
import { get } from 'node:http';
import { createProbeServer, listen } from './server';

function fetchText(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    }).on('error', reject);
  });
}

describe('/healthz, /readyz and /metrics on one port', () => {
  const state = { notReady: ['secrets'], shuttingDown: false };
  const server = createProbeServer({ notReady: () => state.notReady, metrics: () => 'pxc_tls_leader 1\n', shuttingDown: () => state.shuttingDown });
  let port = 0;
  beforeAll(async () => {
    port = await listen(server, '127.0.0.1', 0);
    expect(port).toBe((server.address() as AddressInfo).port);
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('readyz is 503 naming the informers not synced yet, then 200; healthz is 200 meanwhile', async () => {
    expect(await fetchText(port, '/readyz')).toMatchObject({ status: 503, body: 'not synced: secrets\n' });
    expect(await fetchText(port, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
    state.notReady = [];
    expect(await fetchText(port, '/readyz')).toMatchObject({ status: 200, body: 'ok\n' });
  });

  test('metrics in the Prometheus text format; unknown paths 404', async () => {
    expect(await fetchText(port, '/metrics')).toEqual({ status: 200, type: 'text/plain; version=0.0.4; charset=utf-8', body: 'pxc_tls_leader 1\n' });
    expect((await fetchText(port, '/nope')).status).toBe(404);
  });

  test('while shutting down both probes fail', async () => {
    state.shuttingDown = true;
    expect((await fetchText(port, '/healthz')).status).toBe(503);
    expect((await fetchText(port, '/readyz')).status).toBe(503);
  });
});

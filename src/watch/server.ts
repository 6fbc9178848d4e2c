/**
 * One port: /healthz (the process answers), /readyz (every informer has listed once; 503 with
 * the missing ones otherwise, and while shutting down), /metrics (Prometheus text).
 */
import { createServer, type Server } from 'node:http';
import { CONTENT_TYPE } from './metrics';

export interface Probes {
  /** Names of what is not ready yet; empty when ready. */
  notReady(): string[];
  metrics(): string;
  shuttingDown(): boolean;
}

export function createProbeServer(probes: Probes): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed\n');
    if (path === '/healthz') return probes.shuttingDown() ? reply(503, 'shutting down\n') : reply(200, 'ok\n');
    if (path === '/readyz') {
      if (probes.shuttingDown()) return reply(503, 'shutting down\n');
      const missing = probes.notReady();
      return missing.length === 0 ? reply(200, 'ok\n') : reply(503, `not synced: ${missing.join(', ')}\n`);
    }
    if (path === '/metrics') return reply(200, probes.metrics(), CONTENT_TYPE);
    return reply(404, 'not found\n');
  });
}

export { listen } from '../observe/http';

/**
 * The agent's port (9608, `agent`), HTTPS with the pod's server certificate:
 *  - /healthz  liveness: the agent's own loop ticks (never mysqld: a state transfer can take hours);
 *  - /readyz   readiness: this member holds the whole state in a Primary component (readiness.ts);
 *  - /peer     the member's facts, for the other members' agents only: mutual TLS, a client
 *              certificate that chains to the database's CA and names one of its pods;
 *  - /metrics  Prometheus text.
 * Kubelet's probes present no client certificate (and do not verify ours), so the certificate is
 * requested, not required, and only /peer insists on it.
 */
import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { CONTENT_TYPE } from '../observe/prometheus';
export { listen as listenOn } from '../observe/http';
import { memberCertificateProblem, type MemberScope } from './peer-identity';
import type { Material } from './material';

export interface AgentEndpoints {
  alive(): boolean;
  /** undefined when ready; else why not. */
  notReady(): string | undefined;
  /** The facts as JSON, undefined before the first tick. */
  peerFacts(): string | undefined;
  metrics(): string;
  scope(): Omit<MemberScope, 'now'>;
  onPeerRefused(reason: string): void;
}

export function createAgentServer(material: () => Material, endpoints: AgentEndpoints): Server {
  const m = material();
  let version = m.version;
  const server = createServer({ cert: m.cert, key: m.key, ca: m.ca, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    // A renewed certificate is served from the next handshake on.
    try {
      const now = material();
      if (now.version !== version) {
        server.setSecureContext({ cert: now.cert, key: now.key, ca: now.ca });
        version = now.version;
      }
    } catch {
      // keep serving the material we have
    }
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed\n');
    if (path === '/healthz') return endpoints.alive() ? reply(200, 'ok\n') : reply(503, 'the agent loop is stuck\n');
    if (path === '/readyz') {
      const why = endpoints.notReady();
      return why === undefined ? reply(200, 'ok\n') : reply(503, `${why}\n`);
    }
    if (path === '/metrics') return reply(200, endpoints.metrics(), CONTENT_TYPE);
    if (path === '/peer') {
      const problem = peerProblem(req.socket as TLSSocket, material(), endpoints.scope());
      if (problem) {
        endpoints.onPeerRefused(problem);
        return reply(403, `${problem}\n`);
      }
      const facts = endpoints.peerFacts();
      return facts === undefined ? reply(503, 'no facts yet\n') : reply(200, facts, 'application/json');
    }
    return reply(404, 'not found\n');
  });
  return server;
}

/** Why a peer's client certificate is not a member's of this database (undefined: it is). */
function peerProblem(socket: TLSSocket, material: Material, scope: Omit<MemberScope, 'now'>): string | undefined {
  const presented = socket.getPeerCertificate(true);
  if (!presented?.raw) return 'no client certificate: /peer answers the database\'s members only';
  if (!socket.authorized) return `the client certificate is not trusted: ${String(socket.authorizationError)}`;
  const leaf = new X509Certificate(presented.raw);
  const intermediates: X509Certificate[] = [];
  for (let c = presented.issuerCertificate; c && c.raw && c !== c.issuerCertificate; c = c.issuerCertificate) intermediates.push(new X509Certificate(c.raw));
  return memberCertificateProblem(leaf, intermediates, material.cas, { ...scope, now: new Date() });
}

/**
 * Asking the other members' agents how they stand (GET /peer over mutual TLS): this agent presents
 * the pod's server certificate as its client certificate, and accepts an answer only from a
 * server whose certificate chains to the database's CA and names the peer asked for (Node's TLS
 * verification against the peer's DNS name, which the `*.<db>-pods.<ns>.svc` SAN covers).
 */
import { Agent, request } from 'node:https';
import { checkServerIdentity } from 'node:tls';
import { parseMemberFacts, type MemberFacts } from '../model/galera';
import type { Material } from './material';

export interface PeerAddress {
  member: string;
  /** The name the peer's certificate must cover (its pod DNS name). */
  servername: string;
  host: string;
  port: number;
}

export type PeerAnswer = { member: string; facts: MemberFacts } | { member: string; error: string };

const MAX_BODY = 64 * 1024;

export class PeerClient {
  private agent: Agent | undefined;
  private version = '';

  constructor(private readonly material: () => Material, private readonly timeoutMs = 2_000) {}

  private agentFor(): Agent {
    const m = this.material();
    if (!this.agent || this.version !== m.version) {
      this.agent?.destroy();
      this.agent = new Agent({ keepAlive: true, maxSockets: 1, cert: m.cert, key: m.key, ca: m.ca });
      this.version = m.version;
    }
    return this.agent;
  }

  ask(peer: PeerAddress): Promise<PeerAnswer> {
    let agent: Agent;
    try {
      agent = this.agentFor();
    } catch (error) {
      return Promise.resolve({ member: peer.member, error: `no certificate to present: ${(error as Error).message}` });
    }
    return new Promise((resolve) => {
      const done = (answer: PeerAnswer) => resolve(answer);
      const req = request({ host: peer.host, port: peer.port, path: '/peer', method: 'GET', servername: peer.servername, agent, timeout: this.timeoutMs,
        // The name checked is the peer's DNS name even when the address is an IP (tests, or a resolved host).
        checkServerIdentity: (_host, cert) => checkServerIdentity(peer.servername, cert) }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) req.destroy(new Error('answer too large'));
          else chunks.push(c);
        });
        res.on('end', () => {
          if (res.statusCode !== 200) return done({ member: peer.member, error: `HTTP ${res.statusCode}` });
          const parsed = parseMemberFacts(Buffer.concat(chunks).toString('utf8'));
          if (!parsed.ok) return done({ member: peer.member, error: parsed.error });
          if (parsed.value.member !== peer.member) return done({ member: peer.member, error: `answered as ${parsed.value.member}` });
          done({ member: peer.member, facts: parsed.value });
        });
        res.on('error', (e) => done({ member: peer.member, error: e.message }));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (e) => done({ member: peer.member, error: e.message }));
      req.end();
    });
  }

  askAll(peers: readonly PeerAddress[]): Promise<PeerAnswer[]> {
    return Promise.all(peers.map((p) => this.ask(p)));
  }

  close(): void {
    this.agent?.destroy();
  }
}

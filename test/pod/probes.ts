// Probe handlers as the kubelet runs them: exec inside the container (exit 0 = success), httpGet
// from the node to the pod IP (any 200–399; HTTPS without verifying the certificate, as the kubelet
// does), tcpSocket (a connection opens). Also used for lifecycle hooks (preStop, postStart).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';

export interface ProbeTarget {
  podIP: string;
  ports: { name?: string; containerPort: number }[];
  exec(argv: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string; timedOut: boolean }>;
}

export interface ProbeResult {
  ok: boolean;
  message: string;
}

function portOf(port: number | string, target: ProbeTarget): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const p = target.ports.find((x) => x.name === port);
  if (!p) throw new Error(`port ${port} is not a named port of the container`);
  return p.containerPort;
}

export async function runHandler(handler: any, target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  try {
    if (handler.exec) {
      const r = await target.exec(handler.exec.command, timeoutMs);
      if (r.timedOut) return { ok: false, message: `command timed out after ${timeoutMs} ms` };
      return { ok: r.code === 0, message: `exit ${r.code}: ${(r.stdout + r.stderr).trim().slice(0, 300)}` };
    }
    if (handler.httpGet) return await httpGet(handler.httpGet, target, timeoutMs);
    if (handler.tcpSocket) return await tcp(handler.tcpSocket.host ?? target.podIP, portOf(handler.tcpSocket.port, target), timeoutMs);
    if (handler.sleep) {
      await new Promise((r) => setTimeout(r, handler.sleep.seconds * 1000));
      return { ok: true, message: 'slept' };
    }
    return { ok: false, message: `unsupported handler ${Object.keys(handler).join(',')}` };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

function httpGet(h: any, target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const https = String(h.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
  const headers: Record<string, string> = { 'user-agent': 'kube-probe/sandbox' };
  for (const x of h.httpHeaders ?? []) headers[x.name] = x.value;
  return new Promise((res) => {
    const req = (https ? httpsRequest : httpRequest)(
      { host: h.host ?? target.podIP, port: portOf(h.port, target), path: h.path ?? '/', method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false },
      (r) => {
        r.resume();
        const code = r.statusCode ?? 0;
        res({ ok: code >= 200 && code < 400, message: `HTTP ${code}` });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', (e) => res({ ok: false, message: e.message }));
    req.end();
  });
}

function tcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((res) => {
    const s = connect({ host, port, timeout: timeoutMs }, () => {
      s.destroy();
      res({ ok: true, message: 'connected' });
    });
    s.on('timeout', () => {
      s.destroy();
      res({ ok: false, message: `timeout after ${timeoutMs} ms` });
    });
    s.on('error', (e) => res({ ok: false, message: e.message }));
  });
}

/** A probe's schedule and thresholds (API defaults). */
export function probeTiming(p: any): { initialDelayMs: number; periodMs: number; timeoutMs: number; failureThreshold: number; successThreshold: number } {
  return {
    initialDelayMs: (p.initialDelaySeconds ?? 0) * 1000,
    periodMs: (p.periodSeconds ?? 10) * 1000,
    timeoutMs: (p.timeoutSeconds ?? 1) * 1000,
    failureThreshold: p.failureThreshold ?? 3,
    successThreshold: p.successThreshold ?? 1,
  };
}

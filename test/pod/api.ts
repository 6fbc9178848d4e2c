// A small REST client for the rig's kube-apiserver, as the sandbox kubelet needs it: JSON requests
// and watch streams over one keep-alive HTTPS agent, authenticated with the kubeconfig's client
// certificate (the rig's admin: the rig runs no Node authorizer, so the sandbox kubelet cannot be
// narrowed to node rights the way a real kubelet is).
import { Agent, request } from 'node:https';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; [k: string]: any };
  [k: string]: any;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly reason: string, message: string) {
    super(message);
  }
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject;
}

export interface Api {
  server: string;
  caPath: string;
  request<T = any>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>;
  get<T = KubeObject>(path: string): Promise<T | undefined>;
  /** Lists, then streams events from the list's resourceVersion; relists when the stream breaks or
   * the version is gone. Returns a stop function. */
  watch(path: string, query: Record<string, string>, onEvent: (e: WatchEvent) => void, onError?: (e: Error) => void): () => void;
  close(): void;
}

/** A client for the cluster of a kubeconfig file that uses file references (the rig's admin.kubeconfig). */
export function apiFromKubeconfig(kubeconfigPath: string): Api {
  const cfg = parse(readFileSync(kubeconfigPath, 'utf8'));
  const ctx = cfg.contexts.find((c: any) => c.name === cfg['current-context'])?.context ?? cfg.contexts[0].context;
  const cluster = cfg.clusters.find((c: any) => c.name === ctx.cluster).cluster;
  const user = cfg.users.find((u: any) => u.name === ctx.user).user;
  const base = dirname(kubeconfigPath);
  const file = (p: string) => readFileSync(resolve(base, p));
  const caPath = resolve(base, cluster['certificate-authority']);
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 16,
    ca: file(cluster['certificate-authority']),
    cert: file(user['client-certificate']),
    key: file(user['client-key']),
  });
  const server: string = cluster.server;

  const req = <T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> =>
    new Promise((res, rej) => {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const r = request(
        `${server}${path}`,
        { method, agent, timeout: 30_000, headers: { accept: 'application/json', ...(data ? { 'content-type': contentType, 'content-length': data.length } : {}) } },
        (resp) => {
          const chunks: Buffer[] = [];
          resp.on('data', (c: Buffer) => chunks.push(c));
          resp.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            const json = text ? safeJson(text) : undefined;
            if ((resp.statusCode ?? 0) >= 300) {
              return rej(new ApiError(resp.statusCode ?? 0, json?.reason ?? '', `${method} ${path}: HTTP ${resp.statusCode} ${json?.message ?? text.slice(0, 300)}`));
            }
            res(json as T);
          });
        },
      );
      r.on('timeout', () => r.destroy(new Error(`${method} ${path}: timed out`)));
      r.on('error', rej);
      r.end(data);
    });

  let closed = false;
  const watchers = new Set<() => void>();
  return {
    server,
    caPath,
    request: req,
    async get(path) {
      try {
        return await req('GET', path);
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return undefined;
        throw e;
      }
    },
    watch(path, query, onEvent, onError = () => {}) {
      let stopped = false;
      let current: ReturnType<typeof request> | undefined;
      let known = new Map<string, KubeObject>();
      const qs = (extra: Record<string, string>) => new URLSearchParams({ ...query, ...extra }).toString();
      const loop = async () => {
        while (!stopped && !closed) {
          try {
            const list = await req<{ metadata: { resourceVersion: string }; items: KubeObject[] }>('GET', `${path}?${qs({})}`);
            // A relist: what vanished while we were not watching is reported as DELETED.
            const seen = new Map(list.items.map((o) => [o.metadata.uid!, o]));
            for (const [uid, o] of known) if (!seen.has(uid)) onEvent({ type: 'DELETED', object: o });
            for (const o of list.items) onEvent({ type: known.has(o.metadata.uid!) ? 'MODIFIED' : 'ADDED', object: o });
            known = seen;
            let rv = list.metadata.resourceVersion;
            for (;;) {
              if (stopped || closed) return;
              const outcome = await new Promise<'again' | 'relist'>((res) => {
                let buf = '';
                current = request(`${server}${path}?${qs({ watch: '1', resourceVersion: rv, allowWatchBookmarks: 'true', timeoutSeconds: '240' })}`, { agent, headers: { accept: 'application/json' } }, (resp) => {
                  if (resp.statusCode !== 200) {
                    resp.resume();
                    return res('relist');
                  }
                  resp.on('data', (c: Buffer) => {
                    buf += c.toString();
                    let i: number;
                    while ((i = buf.indexOf('\n')) >= 0) {
                      const line = buf.slice(0, i);
                      buf = buf.slice(i + 1);
                      if (!line.trim()) continue;
                      const ev = safeJson(line) as WatchEvent | undefined;
                      if (!ev) continue;
                      if (ev.type === 'ERROR') return res('relist'); // 410 Gone and friends
                      if (ev.object?.metadata?.resourceVersion) rv = ev.object.metadata.resourceVersion;
                      if (ev.type === 'BOOKMARK') continue;
                      if (ev.type === 'DELETED') known.delete(ev.object.metadata.uid!);
                      else known.set(ev.object.metadata.uid!, ev.object);
                      onEvent(ev);
                    }
                  });
                  resp.on('end', () => res('again'));
                  resp.on('error', () => res('relist'));
                });
                current.on('error', () => res('relist'));
                current.end();
              });
              if (outcome === 'relist') break;
            }
          } catch (e) {
            if (!stopped && !closed) onError(e as Error);
            await new Promise((r) => setTimeout(r, 1000));
          }
        }
      };
      void loop();
      const stop = () => {
        stopped = true;
        current?.destroy();
        watchers.delete(stop);
      };
      watchers.add(stop);
      return stop;
    },
    close() {
      closed = true;
      for (const stop of [...watchers]) stop();
      agent.destroy();
    },
  };
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const isNotFound = (e: unknown) => e instanceof ApiError && e.status === 404;
export const isConflict = (e: unknown) => e instanceof ApiError && e.status === 409;

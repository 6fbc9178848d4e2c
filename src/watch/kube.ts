/**
 * The only module that uses @kubernetes/client-node (1.4.x): configuration and credentials
 * (in-cluster or a kubeconfig, with its auth plugins), informers (client-node's ListWatch +
 * Watch), and the writes. Every request goes through one entry of API_CALLS (api-calls.ts), the
 * list the RBAC of examples/watcher/ is tested against.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { KubeConfig, ListWatch, Watch, type KubernetesObject } from '@kubernetes/client-node';
import { API_CALLS, type ApiCall } from './api-calls';
import type { Writer } from './controller';
import type { ListWatchLike } from './informers';
import { ConflictError, type LeaseRecord, type LeaseSnapshot, type LeaseStore } from './leader';
import { FIELD_MANAGER } from './record';
import { trimCertificate, trimPod, trimSecret } from './trim';
import type { IssuerLookup } from './renewal';
import type { IssuerObject, StatefulSetObject } from './types';

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
const REQUEST_TIMEOUT_MS = 60_000;
/** Objects per list request. */
const LIST_PAGE_SIZE = 500;
/** Connections to the API server for lists and writes (the watches have their own). */
const MAX_SOCKETS = 8;
const JSON_PATCH = 'application/json-patch+json';
const MERGE_PATCH = 'application/merge-patch+json';
const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';

export type Resource = 'pods' | 'secrets' | 'certificates';

const RESOURCE_PATH: Record<Resource, { prefix: string; list: ApiCall; watch: ApiCall; trim: (obj: any) => unknown }> = {
  pods: { prefix: '/api/v1', list: API_CALLS.listPods, watch: API_CALLS.watchPods, trim: trimPod },
  secrets: { prefix: '/api/v1', list: API_CALLS.listSecrets, watch: API_CALLS.watchSecrets, trim: trimSecret },
  certificates: { prefix: '/apis/cert-manager.io/v1', list: API_CALLS.listCertificates, watch: API_CALLS.watchCertificates, trim: trimCertificate },
};

/** The Watch a ListWatch uses, handing on each object's trimmed copy (trim.ts); ERROR and BOOKMARK events as they are. */
function trimmingWatch(watch: Watch, trim: (obj: any) => unknown): Watch {
  return {
    watch: (path: string, query: Parameters<Watch['watch']>[1], callback: (phase: string, obj: any, watchObj?: any) => void, done: (err: unknown) => void) =>
      watch.watch(path, query, (phase, obj, watchObj) => callback(phase, phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED' ? trim(obj) : obj, watchObj), done),
  } as Watch;
}

export interface Kube {
  /** The API server URL (for logs). */
  server: string;
  /** The namespace of the in-cluster service account, if any. */
  ownNamespace(): string | undefined;
  /** A factory of ListWatches of `resource` in `namespace` (undefined: all), with a label selector. */
  listWatch<T>(resource: Resource, namespace: string | undefined, labelSelector?: string): () => ListWatchLike<T>;
  writer: Writer;
  issuers: IssuerLookup;
  leaseStore(namespace: string, name: string): LeaseStore;
}

export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

function resourcePath(resource: Resource, namespace: string | undefined): string {
  const { prefix } = RESOURCE_PATH[resource];
  return namespace ? `${prefix}/namespaces/${encodeURIComponent(namespace)}/${resource}` : `${prefix}/${resource}`;
}

interface JsonRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  contentType?: string;
  /** Append the API server's Status message to errors (never for Secrets: it could quote data). */
  explain?: boolean;
}

/**
 * One request, JSON in and out, with the kubeconfig's TLS and credentials (client-node's
 * KubeConfig: in-cluster token, exec plugins, client certificates). Plain JSON both ways: the
 * watch stream delivers plain JSON, and the caches must hold one shape; and client-node's
 * generated API clients, which turn timestamps into Date objects, would load ~4 MB of models
 * into a process meant to stay small.
 */
async function requestJson({ kc, agent }: Connection, req: JsonRequest): Promise<any> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no current cluster in the kubeconfig');
  const url = new URL(cluster.server.replace(/\/+$/, '') + req.path);
  for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
  const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
  const headers: Record<string, string | number> = { Accept: 'application/json' };
  if (payload) Object.assign(headers, { 'Content-Type': req.contentType ?? 'application/json', 'Content-Length': payload.length });
  const opts: RequestOptions = { method: req.method, headers };
  await kc.applyToHTTPSOptions(opts);
  if (url.protocol === 'https:' && !cluster.proxyUrl) opts.agent = agent; // the TLS options stay on the request: the pool keys on them
  const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
  const what = `${req.method} ${url.pathname}`;
  return new Promise((resolve, reject) => {
    const r = request(url, { ...opts, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        let body: any;
        try {
          body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
        } catch {
          if (status >= 200 && status <= 299) return reject(new Error(`${what}: the response is not JSON`));
        }
        if (status < 200 || status > 299) {
          const reason = req.explain && typeof body?.message === 'string' ? `: ${body.message.slice(0, 300)}` : '';
          return reject(new HttpError(status, `${what}: HTTP ${status}${reason}`));
        }
        resolve(body);
      });
    });
    r.on('timeout', () => r.destroy(new Error(`${what}: timed out after ${REQUEST_TIMEOUT_MS} ms`)));
    r.on('error', reject);
    r.end(payload);
  });
}

/**
 * The kubeconfig, and one keep-alive pool of connections: client-node's applyToHTTPSOptions gives
 * each request a new Agent — a TLS handshake per request, and as many sockets as requests in
 * flight (thousands, in the burst of 1,000 databases' first verdicts). Through a proxy, its agent.
 */
interface Connection {
  kc: KubeConfig;
  agent: HttpsAgent;
}

/** The request of one API_CALLS entry: errors say which call failed. */
async function call(c: ApiCall, conn: Connection, req: JsonRequest): Promise<any> {
  try {
    return await requestJson(conn, { explain: c.resource !== 'secrets', ...req });
  } catch (error) {
    if (error instanceof HttpError) throw new HttpError(error.statusCode, `${c.verb} ${c.resource}: ${error.message}`);
    throw error;
  }
}

function leaseSnapshot(lease: any): LeaseSnapshot {
  const spec = lease?.spec ?? {};
  return {
    resourceVersion: lease?.metadata?.resourceVersion ?? '',
    record: {
      holderIdentity: spec.holderIdentity ?? '',
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      acquireTime: spec.acquireTime ?? '',
      renewTime: spec.renewTime ?? '',
      leaseTransitions: spec.leaseTransitions ?? 0,
    },
  };
}

const enc = encodeURIComponent;

export function connect(kubeconfig: string | undefined): Kube {
  const kc = new KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else kc.loadFromDefault();
  const server = kc.getCurrentCluster()?.server ?? '';
  if (!server) throw new Error('no cluster configured: pass --kubeconfig or run in a pod');
  const conn: Connection = { kc, agent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }) };
  const podPath = (namespace: string, name: string) => `/api/v1/namespaces/${enc(namespace)}/pods/${enc(name)}`;
  const statefulSetPath = (namespace: string, name: string) => `/apis/apps/v1/namespaces/${enc(namespace)}/statefulsets/${enc(name)}`;

  const writer: Writer = {
    patchPod: (namespace, name, patch) =>
      call(API_CALLS.patchPod, conn, { method: 'PATCH', path: podPath(namespace, name), body: patch, contentType: JSON_PATCH }).then(() => undefined),
    patchPodStatus: (namespace, name, body) =>
      call(API_CALLS.patchPodStatus, conn, { method: 'PATCH', path: `${podPath(namespace, name)}/status`, body, contentType: STRATEGIC_MERGE_PATCH }).then(() => undefined),
    createEvent: (namespace, event) =>
      call(API_CALLS.createEvent, conn, { method: 'POST', path: `/api/v1/namespaces/${enc(namespace)}/events`, body: event }).then(() => undefined),
    getStatefulSet: async (namespace, name) => {
      try {
        const sts = await call(API_CALLS.getStatefulSet, conn, { method: 'GET', path: statefulSetPath(namespace, name) });
        return { metadata: sts.metadata } as StatefulSetObject;
      } catch (error) {
        if ((error as HttpError).statusCode === 404) return undefined;
        throw error;
      }
    },
    patchStatefulSet: (namespace, name, body) =>
      call(API_CALLS.patchStatefulSet, conn, { method: 'PATCH', path: statefulSetPath(namespace, name), query: { fieldManager: FIELD_MANAGER }, body, contentType: MERGE_PATCH }).then(() => undefined),
  };

  const issuers: IssuerLookup = {
    get: async (kind, namespace, name) => {
      try {
        const issuer = kind === 'Issuer'
          ? await call(API_CALLS.getIssuer, conn, { method: 'GET', path: `/apis/cert-manager.io/v1/namespaces/${enc(namespace ?? '')}/issuers/${enc(name)}` })
          : await call(API_CALLS.getClusterIssuer, conn, { method: 'GET', path: `/apis/cert-manager.io/v1/clusterissuers/${enc(name)}` });
        // Only what the CA check reads.
        const secretName = issuer?.spec?.ca?.secretName;
        return { kind, metadata: { name: issuer.metadata.name, namespace: issuer.metadata.namespace }, ...(typeof secretName === 'string' ? { spec: { ca: { secretName } } } : {}) } as IssuerObject;
      } catch (error) {
        if ((error as HttpError).statusCode === 404) return undefined;
        throw error;
      }
    },
  };

  return {
    server,
    issuers,
    ownNamespace: () => {
      try {
        return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() || undefined;
      } catch {
        return undefined;
      }
    },
    listWatch<T>(resource: Resource, namespace: string | undefined, labelSelector?: string) {
      const path = resourcePath(resource, namespace);
      const { list, trim } = RESOURCE_PATH[resource];
      // In pages, each trimmed before the next is read (client-go's reflector pages by 500 too):
      // one response of 3,000 pods is tens of megabytes parsed at once, and V8 keeps the heap it
      // grew for it long after. The pages of one list share its snapshot; an expired continue
      // token (410) fails the list and the informer lists again.
      const listFn = async () => {
        const items: unknown[] = [];
        let page: any;
        let token: string | undefined;
        do {
          const query: Record<string, string> = { limit: String(LIST_PAGE_SIZE), ...(labelSelector ? { labelSelector } : {}), ...(token ? { continue: token } : {}) };
          page = await call(list, conn, { method: 'GET', path, query });
          for (const item of page.items ?? []) items.push(trim(item));
          token = page.metadata?.continue || undefined;
        } while (token);
        return { ...page, items };
      };
      return () => new ListWatch<KubernetesObject>(path, trimmingWatch(new Watch(kc), trim), listFn, false, labelSelector) as unknown as ListWatchLike<T>;
    },
    writer,
    leaseStore(namespace: string, name: string): LeaseStore {
      // Its own connection: a renewal must never wait behind a burst of writes in the shared pool
      // (a leader that cannot renew within the renew deadline stops leading).
      const conn: Connection = { kc, agent: new HttpsAgent({ keepAlive: true, maxSockets: 1 }) };
      const collection = `/apis/coordination.k8s.io/v1/namespaces/${enc(namespace)}/leases`;
      const lease = (record: LeaseRecord, resourceVersion?: string) =>
        ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace, ...(resourceVersion ? { resourceVersion } : {}) }, spec: record });
      return {
        get: async () => {
          try {
            return leaseSnapshot(await call(API_CALLS.getLease, conn, { method: 'GET', path: `${collection}/${enc(name)}` }));
          } catch (error) {
            if ((error as HttpError).statusCode === 404) return undefined;
            throw error;
          }
        },
        create: async (record) => {
          try {
            return leaseSnapshot(await call(API_CALLS.createLease, conn, { method: 'POST', path: collection, body: lease(record) }));
          } catch (error) {
            if ((error as HttpError).statusCode === 409) throw new ConflictError('the Lease exists already');
            throw error;
          }
        },
        update: async (record, resourceVersion) => {
          try {
            return leaseSnapshot(await call(API_CALLS.updateLease, conn, { method: 'PUT', path: `${collection}/${enc(name)}`, body: lease(record, resourceVersion) }));
          } catch (error) {
            if ((error as HttpError).statusCode === 409) throw new ConflictError('the Lease changed since it was read');
            throw error;
          }
        },
      };
    },
  };
}

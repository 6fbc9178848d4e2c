/**
 * The only module that uses @kubernetes/client-node (1.4.x): configuration (in-cluster or a
 * kubeconfig, with its auth plugins), informers (client-node's ListWatch + Watch), and the
 * writes. Every request goes through one entry of API_CALLS (api-calls.ts), the list the RBAC
 * of examples/watcher/ is tested against.
 *
 * Lists are read as plain JSON (not through the generated API, which turns timestamps into Date
 * objects): the watch stream delivers plain JSON, and the cache must hold one shape.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  ListWatch,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type KubernetesObject,
  type V1Lease,
} from '@kubernetes/client-node';
import { API_CALLS, type ApiCall } from './api-calls';
import type { Writer } from './controller';
import type { ListWatchLike } from './informers';
import { ConflictError, type LeaseRecord, type LeaseSnapshot, type LeaseStore } from './leader';
import { FIELD_MANAGER } from './record';
import type { StatefulSetObject } from './types';

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
const LIST_TIMEOUT_MS = 60_000;

export type Resource = 'pods' | 'secrets' | 'certificates';

const RESOURCE_PATH: Record<Resource, { prefix: string; list: ApiCall; watch: ApiCall }> = {
  pods: { prefix: '/api/v1', list: API_CALLS.listPods, watch: API_CALLS.watchPods },
  secrets: { prefix: '/api/v1', list: API_CALLS.listSecrets, watch: API_CALLS.watchSecrets },
  certificates: { prefix: '/apis/cert-manager.io/v1', list: API_CALLS.listCertificates, watch: API_CALLS.watchCertificates },
};

export interface Kube {
  /** The API server URL (for logs). */
  server: string;
  /** The namespace of the in-cluster service account, if any. */
  ownNamespace(): string | undefined;
  /** A factory of ListWatches of `resource` in `namespace` (undefined: all), with a label selector. */
  listWatch<T>(resource: Resource, namespace: string | undefined, labelSelector?: string): () => ListWatchLike<T>;
  writer: Writer;
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

/** GET a list (or one object) as plain JSON. The body of a failed request is not echoed: for Secrets it could be data. */
async function getJson(kc: KubeConfig, path: string, query: Record<string, string>): Promise<any> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no current cluster in the kubeconfig');
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const opts: RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { ...opts, timeout: LIST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) return reject(new HttpError(status, `GET ${url.pathname}: HTTP ${status}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          reject(new Error(`GET ${url.pathname}: the response is not JSON`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url.pathname}: timed out after ${LIST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** client-node's ApiException carries the status as `code`; hand it on as `statusCode`, with a short message. */
function apiError(call: ApiCall, error: unknown): Error {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'number') {
    const reason = ((error as { body?: { message?: string } }).body?.message ?? '').slice(0, 300);
    return new HttpError(code, `${call.verb} ${call.resource}: HTTP ${code}${reason ? `: ${reason}` : ''}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

async function call<T>(c: ApiCall, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw apiError(c, error);
  }
}

function leaseSnapshot(lease: V1Lease): LeaseSnapshot {
  const spec = lease.spec ?? {};
  const time = (t: unknown) => (t instanceof Date ? t.toISOString() : typeof t === 'string' ? t : '');
  return {
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    record: {
      holderIdentity: spec.holderIdentity ?? '',
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      acquireTime: time(spec.acquireTime),
      renewTime: time(spec.renewTime),
      leaseTransitions: spec.leaseTransitions ?? 0,
    },
  };
}

/** MicroTime strings go to the wire as they are (the generated serializer passes unknown types through). */
function leaseSpec(record: LeaseRecord): V1Lease['spec'] {
  return record as unknown as V1Lease['spec'];
}

export function connect(kubeconfig: string | undefined): Kube {
  const kc = new KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else kc.loadFromDefault();
  const server = kc.getCurrentCluster()?.server ?? '';
  if (!server) throw new Error('no cluster configured: pass --kubeconfig or run in a pod');
  const core = kc.makeApiClient(CoreV1Api);
  const coordination = kc.makeApiClient(CoordinationV1Api);
  const apps = kc.makeApiClient(AppsV1Api);

  const writer: Writer = {
    patchPod: (namespace, name, patch) =>
      call(API_CALLS.patchPod, () => core.patchNamespacedPod({ namespace, name, body: patch }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch))).then(() => undefined),
    patchPodStatus: (namespace, name, body) =>
      call(API_CALLS.patchPodStatus, () => core.patchNamespacedPodStatus({ namespace, name, body }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch))).then(() => undefined),
    createEvent: (namespace, event) =>
      call(API_CALLS.createEvent, () => core.createNamespacedEvent({ namespace, body: event as never })).then(() => undefined),
    getStatefulSet: async (namespace, name) => {
      const path = `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/statefulsets/${encodeURIComponent(name)}`;
      try {
        const sts = await call(API_CALLS.getStatefulSet, () => getJson(kc, path, {}));
        return { metadata: sts.metadata } as StatefulSetObject;
      } catch (error) {
        if ((error as HttpError).statusCode === 404) return undefined;
        throw error;
      }
    },
    patchStatefulSet: (namespace, name, body) =>
      call(API_CALLS.patchStatefulSet, () => apps.patchNamespacedStatefulSet({ namespace, name, body, fieldManager: FIELD_MANAGER }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))).then(() => undefined),
  };

  return {
    server,
    ownNamespace: () => {
      try {
        return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() || undefined;
      } catch {
        return undefined;
      }
    },
    listWatch<T>(resource: Resource, namespace: string | undefined, labelSelector?: string) {
      const path = resourcePath(resource, namespace);
      const { list } = RESOURCE_PATH[resource];
      const listFn = () => call(list, () => getJson(kc, path, labelSelector ? { labelSelector } : {}));
      return () => new ListWatch<KubernetesObject>(path, new Watch(kc), listFn, false, labelSelector) as unknown as ListWatchLike<T>;
    },
    writer,
    leaseStore(namespace: string, name: string): LeaseStore {
      return {
        get: async () => {
          try {
            return leaseSnapshot(await call(API_CALLS.getLease, () => coordination.readNamespacedLease({ namespace, name })));
          } catch (error) {
            if ((error as HttpError).statusCode === 404) return undefined;
            throw error;
          }
        },
        create: async (record) => {
          try {
            const body: V1Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: leaseSpec(record) };
            return leaseSnapshot(await call(API_CALLS.createLease, () => coordination.createNamespacedLease({ namespace, body })));
          } catch (error) {
            if ((error as HttpError).statusCode === 409) throw new ConflictError('the Lease exists already');
            throw error;
          }
        },
        update: async (record, resourceVersion) => {
          try {
            const body: V1Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace, resourceVersion }, spec: leaseSpec(record) };
            return leaseSnapshot(await call(API_CALLS.updateLease, () => coordination.replaceNamespacedLease({ namespace, name, body })));
          } catch (error) {
            if ((error as HttpError).statusCode === 409) throw new ConflictError('the Lease changed since it was read');
            throw error;
          }
        },
      };
    },
  };
}

/**
 * The agent's three API calls (api-calls.ts) as plain HTTPS JSON requests with the pod's projected
 * ServiceAccount token — no Kubernetes client library. The token is read from its file at every
 * request: kubelet rotates it. Errors carry the HTTP status and never a response body (a
 * ConfigMap's or a Pod's content is not an error message).
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { AGENT_API_CALLS, type AgentApiCall } from '../model/agent-api';

export const IN_CLUSTER = {
  tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
  caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
};

export interface ApiEndpoint {
  /** https://host:port */
  server: string;
  tokenFile: string;
  caFile: string;
}

/** In a pod: KUBERNETES_SERVICE_HOST/PORT and the projected token. */
export function inClusterEndpoint(env: NodeJS.ProcessEnv): ApiEndpoint | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) return undefined;
  return { server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, ...IN_CLUSTER };
}

export class ApiError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

const TIMEOUT_MS = 10_000;
const enc = encodeURIComponent;

export interface AgentKube {
  /** JSON merge patch of one annotation of the agent's own pod. */
  patchPodAnnotation(namespace: string, pod: string, key: string, value: string): Promise<void>;
  /** spec.replicas; undefined when the StatefulSet does not exist. */
  statefulSetReplicas(namespace: string, name: string): Promise<number | undefined>;
  /** The ConfigMap's data; undefined when it does not exist. */
  configMapData(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

export function agentKube(endpoint: ApiEndpoint): AgentKube {
  // One keep-alive connection: the agent makes a request every few seconds at most.
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: readFileSync(endpoint.caFile) });

  function call(c: AgentApiCall, method: 'GET' | 'PATCH', path: string, body?: unknown, contentType?: string): Promise<any> {
    const url = new URL(endpoint.server.replace(/\/+$/, '') + path);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const token = readFileSync(endpoint.tokenFile, 'utf8').trim();
    const headers: Record<string, string | number> = { Accept: 'application/json', Authorization: `Bearer ${token}` };
    if (payload) Object.assign(headers, { 'Content-Type': contentType ?? 'application/json', 'Content-Length': payload.length });
    const what = `${c.verb} ${c.resource}`;
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, agent, timeout: TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) return reject(new ApiError(status, `${what} ${url.pathname}: HTTP ${status}`));
          try {
            resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined);
          } catch {
            reject(new Error(`${what} ${url.pathname}: the response is not JSON`));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${what} ${url.pathname}: timed out after ${TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  const notFound = (error: unknown) => error instanceof ApiError && error.statusCode === 404;

  return {
    async patchPodAnnotation(namespace, pod, key, value) {
      await call(AGENT_API_CALLS.patchOwnPod, 'PATCH', `/api/v1/namespaces/${enc(namespace)}/pods/${enc(pod)}?fieldManager=pxc-tls-agent`,
        { metadata: { annotations: { [key]: value } } }, 'application/merge-patch+json');
    },
    async statefulSetReplicas(namespace, name) {
      try {
        const sts = await call(AGENT_API_CALLS.getStatefulSet, 'GET', `/apis/apps/v1/namespaces/${enc(namespace)}/statefulsets/${enc(name)}`);
        return typeof sts?.spec?.replicas === 'number' ? sts.spec.replicas : 1;
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
    async configMapData(namespace, name) {
      try {
        const cm = await call(AGENT_API_CALLS.getDecisions, 'GET', `/api/v1/namespaces/${enc(namespace)}/configmaps/${enc(name)}`);
        return (cm?.data ?? {}) as Record<string, string>;
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
  };
}

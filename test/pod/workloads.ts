// Putting pods on the sandbox node through the API: create a Pod (from a StatefulSet's template as
// the StatefulSet controller would, when the rig runs none), bind it to a node (as the scheduler
// would, when the rig runs none, or leave it to the real kube-scheduler), and wait on what the
// sandbox kubelet reports.
import { ApiError, isNotFound, type Api, type KubeObject } from './api';

/** The Pod the StatefulSet controller creates for `ordinal` (name, hostname/subdomain, identity
 * labels, the claim volumes of volumeClaimTemplates: `<template>-<sts>-<ordinal>`). */
export function podFromStatefulSet(sts: KubeObject, ordinal: number): KubeObject {
  const name = `${sts.metadata.name}-${ordinal}`;
  const tpl = structuredClone(sts.spec.template);
  const claims = (sts.spec.volumeClaimTemplates ?? []).map((t: any) => ({ name: t.metadata.name, persistentVolumeClaim: { claimName: `${t.metadata.name}-${name}` } }));
  const volumes = [...(tpl.spec.volumes ?? []).filter((v: any) => !claims.some((c: any) => c.name === v.name)), ...claims];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: sts.metadata.namespace,
      labels: { ...(tpl.metadata?.labels ?? {}), 'statefulset.kubernetes.io/pod-name': name, 'apps.kubernetes.io/pod-index': String(ordinal) },
      ...(tpl.metadata?.annotations ? { annotations: tpl.metadata.annotations } : {}),
    },
    spec: { ...tpl.spec, hostname: name, subdomain: sts.spec.serviceName, volumes },
  };
}

export async function createPod(api: Api, pod: KubeObject): Promise<KubeObject> {
  return api.request('POST', `/api/v1/namespaces/${pod.metadata.namespace}/pods`, pod);
}

/**
 * Binds a pod to a node through the Binding subresource (what the scheduler does). The rig's
 * kube-scheduler may have bound it already: to this node, that is the same outcome; to another, an error.
 */
export async function bindPod(api: Api, namespace: string, name: string, nodeName: string): Promise<void> {
  try {
    await api.request('POST', `/api/v1/namespaces/${namespace}/pods/${name}/binding`, {
      apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    });
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 409)) throw e;
    const bound = (await api.request<KubeObject>('GET', `/api/v1/namespaces/${namespace}/pods/${name}`)).spec?.nodeName;
    if (bound !== nodeName) throw new Error(`pod ${namespace}/${name} is bound to ${String(bound)}, not ${nodeName}: ${(e as Error).message}`);
  }
}

/** Deletes a pod (graceful unless gracePeriodSeconds is given) and waits until it is gone. */
export async function deletePod(api: Api, namespace: string, name: string, opts: { gracePeriodSeconds?: number; timeoutMs?: number } = {}): Promise<void> {
  await api.request('DELETE', `/api/v1/namespaces/${namespace}/pods/${name}`, opts.gracePeriodSeconds === undefined ? undefined : { gracePeriodSeconds: opts.gracePeriodSeconds }).catch((e) => { if (!isNotFound(e)) throw e; });
  await waitPod(api, namespace, name, (p) => (p === undefined ? true : undefined), opts.timeoutMs ?? 120_000, 'deleted');
}

/** Polls the Pod until `check` returns a value (the Pod is undefined once deleted). */
export async function waitPod<T>(api: Api, namespace: string, name: string, check: (p: KubeObject | undefined) => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: KubeObject | undefined;
  for (;;) {
    last = await api.get<KubeObject>(`/api/v1/namespaces/${namespace}/pods/${name}`);
    const v = check(last);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`pod ${namespace}/${name} not ${what} within ${timeoutMs} ms; status: ${JSON.stringify(last?.status ?? null).slice(0, 1500)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const isReady = (p: KubeObject | undefined) => (p?.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');

export function waitReady(api: Api, namespace: string, name: string, timeoutMs = 120_000): Promise<KubeObject> {
  return waitPod(api, namespace, name, (p) => (isReady(p) ? p : undefined), timeoutMs, 'Ready');
}

export async function createNamespace(api: Api, prefix: string): Promise<string> {
  const name = `${prefix}-${Math.random().toString(16).slice(2, 8)}`;
  await api.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

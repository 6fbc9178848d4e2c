// A pod's volumes from its spec and the API: what each volume holds, which Secrets and ConfigMaps
// it depends on (so an update of one reaches every pod mounting it), and when its projected
// ServiceAccount token must be refreshed (the kubelet refreshes at 80% of its lifetime).
import { join } from 'node:path';
import type { KubeObject } from './api';
import { applyFsGroup, atomicWrite, configMapBytes, keyedPayload, plainDir, secretBytes, type Payload } from './volumes';

export interface VolumeSources {
  getSecret(namespace: string, name: string): Promise<KubeObject | undefined>;
  getConfigMap(namespace: string, name: string): Promise<KubeObject | undefined>;
  /** TokenRequest for the pod's ServiceAccount, bound to the pod (cached until refreshAt, 80% of its life). */
  requestToken(pod: KubeObject, audiences: string[], expirationSeconds: number): Promise<{ token: string; refreshAt: number }>;
  /** The cluster's CA (the kube-root-ca.crt ConfigMap's content, when no controller publishes it). */
  apiCa: Buffer;
  /** The node directory standing in for a PersistentVolumeClaim's volume. */
  persistentDir(namespace: string, claim: string): string;
}

export interface VolumeState {
  name: string;
  dir: string;
  /** API-backed volumes (secret, configMap, downwardAPI, projected) are always mounted read-only. */
  apiBacked: boolean;
  secrets: Set<string>;
  configMaps: Set<string>;
  /** When the projected token should be renewed (ms since epoch). */
  refreshTokenAt?: number;
  /** How many times the atomic writer swapped `..data` (the first write included). */
  swaps: number;
}

export const SA_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const SA_VOLUME = 'kube-api-access-sandbox';

/** The ServiceAccount admission plugin's kube-api-access volume, which the rig's apiserver (plugin
 * disabled) does not add: the sandbox kubelet adds it unless the pod opts out or mounts its own. */
export function serviceAccountVolume(pod: KubeObject): any | undefined {
  if (pod.spec?.automountServiceAccountToken === false) return undefined;
  if ((pod.spec?.volumes ?? []).some((v: any) => v.name.startsWith('kube-api-access-'))) return undefined;
  return {
    name: SA_VOLUME,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

const ns = (pod: KubeObject) => pod.metadata.namespace ?? 'default';

async function secretPayload(pod: KubeObject, s: any, defaultMode: number, src: VolumeSources, st: VolumeState): Promise<Payload> {
  const name = s.secretName ?? s.name;
  st.secrets.add(`${ns(pod)}/${name}`);
  const obj = await src.getSecret(ns(pod), name);
  if (!obj && !s.optional) throw new Error(`secret "${name}" not found`);
  return keyedPayload(`Secret ${ns(pod)}/${name}`, secretBytes(obj), s.items, s.defaultMode ?? defaultMode, !!s.optional);
}

async function configMapPayload(pod: KubeObject, c: any, defaultMode: number, src: VolumeSources, st: VolumeState): Promise<Payload> {
  st.configMaps.add(`${ns(pod)}/${c.name}`);
  const obj = await src.getConfigMap(ns(pod), c.name);
  if (!obj && c.name === 'kube-root-ca.crt') return keyedPayload('kube-root-ca.crt', new Map([['ca.crt', src.apiCa]]), c.items, defaultMode, false);
  if (!obj && !c.optional) throw new Error(`configmap "${c.name}" not found`);
  return keyedPayload(`ConfigMap ${ns(pod)}/${c.name}`, configMapBytes(obj), c.items, c.defaultMode ?? defaultMode, !!c.optional);
}

function downwardPayload(pod: KubeObject, d: any, defaultMode: number): Payload {
  const out: Payload = new Map();
  for (const item of d.items ?? []) {
    const path: string = item.fieldRef?.fieldPath ?? '';
    let value: string;
    if (path === 'metadata.labels' || path === 'metadata.annotations') {
      value = Object.entries((pod.metadata[path.slice(9)] ?? {}) as Record<string, string>).sort().map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n');
    } else if (path === 'metadata.name') value = pod.metadata.name;
    else if (path === 'metadata.namespace') value = ns(pod);
    else if (path === 'metadata.uid') value = pod.metadata.uid ?? '';
    else throw new Error(`downwardAPI ${path || 'resourceFieldRef'} is not supported by the sandbox kubelet`);
    out.set(item.path, { data: Buffer.from(value), mode: item.mode ?? defaultMode });
  }
  return out;
}

/** The files an API-backed volume holds now. */
async function payloadOf(pod: KubeObject, v: any, src: VolumeSources, st: VolumeState): Promise<Payload> {
  st.secrets.clear();
  st.configMaps.clear();
  if (v.secret) return secretPayload(pod, v.secret, v.secret.defaultMode ?? 0o644, src, st);
  if (v.configMap) return configMapPayload(pod, v.configMap, v.configMap.defaultMode ?? 0o644, src, st);
  if (v.downwardAPI) return downwardPayload(pod, v.downwardAPI, v.downwardAPI.defaultMode ?? 0o644);
  const mode = v.projected.defaultMode ?? 0o644;
  const out: Payload = new Map();
  for (const s of v.projected.sources ?? []) {
    let part: Payload;
    if (s.secret) part = await secretPayload(pod, { ...s.secret, defaultMode: undefined }, mode, src, st);
    else if (s.configMap) part = await configMapPayload(pod, { ...s.configMap, defaultMode: undefined }, mode, src, st);
    else if (s.downwardAPI) part = downwardPayload(pod, s.downwardAPI, mode);
    else if (s.serviceAccountToken) {
      const ttl = s.serviceAccountToken.expirationSeconds ?? 3600;
      const { token, refreshAt } = await src.requestToken(pod, s.serviceAccountToken.audience ? [s.serviceAccountToken.audience] : [], ttl);
      st.refreshTokenAt = Math.min(st.refreshTokenAt ?? Infinity, refreshAt);
      part = new Map([[s.serviceAccountToken.path, { data: Buffer.from(token), mode }]]);
    } else throw new Error(`projected source ${Object.keys(s).join(',')} is not supported by the sandbox kubelet`);
    for (const [k, f] of part) out.set(k, f);
  }
  return out;
}

const isApiBacked = (v: any) => !!(v.secret || v.configMap || v.downwardAPI || v.projected);

/** Sets up one volume under podDir (or the node's persistent directory for a claim). */
export async function setUpVolume(pod: KubeObject, v: any, podDir: string, src: VolumeSources): Promise<VolumeState> {
  const fsGroup: number | undefined = pod.spec?.securityContext?.fsGroup;
  const st: VolumeState = { name: v.name, dir: '', apiBacked: isApiBacked(v), secrets: new Set(), configMaps: new Set(), swaps: 0 };
  if (v.emptyDir) st.dir = await plainDir(join(podDir, 'volumes', 'kubernetes.io~empty-dir', v.name), 0o777, fsGroup);
  else if (v.persistentVolumeClaim) st.dir = await plainDir(src.persistentDir(ns(pod), v.persistentVolumeClaim.claimName), 0o755, fsGroup);
  else if (v.hostPath) st.dir = v.hostPath.path;
  else if (st.apiBacked) {
    st.dir = join(podDir, 'volumes', 'kubernetes.io~api', v.name);
    if (await atomicWrite(st.dir, await payloadOf(pod, v, src, st), fsGroup)) st.swaps++;
  } else throw new Error(`volume ${v.name}: ${Object.keys(v).filter((k) => k !== 'name').join(',')} is not supported by the sandbox kubelet`);
  return st;
}

/** Re-reads an API-backed volume's sources and swaps its files if they changed; true when swapped. */
export async function refreshVolume(pod: KubeObject, v: any, st: VolumeState, src: VolumeSources): Promise<boolean> {
  if (!st.apiBacked) return false;
  st.refreshTokenAt = undefined;
  const swapped = await atomicWrite(st.dir, await payloadOf(pod, v, src, st), pod.spec?.securityContext?.fsGroup);
  if (swapped) st.swaps++;
  return swapped;
}

export { applyFsGroup };

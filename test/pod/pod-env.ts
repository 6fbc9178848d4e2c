// What the kubelet computes for a container before it starts it: the environment (image ENV, the
// runtime's HOSTNAME, the API server's service variables, envFrom, env with valueFrom and $(VAR)
// expansion), the command line (command/args over the image's ENTRYPOINT/CMD, $(VAR) expanded) and
// the identity (securityContext over the pod's over the image's USER; fsGroup and
// supplementalGroups as extra groups).
import type { KubeObject } from './api';
import type { Identity } from './container';
import type { ResolvedImage } from './images';
import { configMapBytes, secretBytes } from './volumes';

export interface EnvSources {
  getSecret(namespace: string, name: string): Promise<KubeObject | undefined>;
  getConfigMap(namespace: string, name: string): Promise<KubeObject | undefined>;
  apiHost: string;
  hostIP: string;
}

/** Expands $(VAR) from `env` ($$(VAR) stays literal), as the kubelet does in env values, command and args. */
export function expand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && name in env ? env[name]! : m;
  });
}

function fieldRef(pod: KubeObject, path: string): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return pod.metadata[m[1]!]?.[m[2]!] ?? '';
  switch (path) {
    case 'metadata.name': return pod.metadata.name;
    case 'metadata.namespace': return pod.metadata.namespace ?? 'default';
    case 'metadata.uid': return pod.metadata.uid ?? '';
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? 'default';
    case 'status.podIP': return pod.status?.podIP ?? '';
    case 'status.podIPs': return (pod.status?.podIPs ?? []).map((p: any) => p.ip).join(',');
    case 'status.hostIP': return pod.status?.hostIP ?? '';
    default: throw new Error(`fieldRef ${path} is not supported by the sandbox kubelet`);
  }
}

function resourceRef(container: any, ref: { resource: string; divisor?: string }): string {
  const [kind, res] = ref.resource.split('.') as [string, string];
  const q = container.resources?.[kind]?.[res] ?? container.resources?.requests?.[res];
  if (q === undefined) return res === 'cpu' ? '64' : String(256 * 2 ** 30); // node allocatable
  return String(q);
}

/** A secretKeyRef/configMapKeyRef value; undefined when optional and missing. */
async function keyRef(ns: string, kind: 'Secret' | 'ConfigMap', ref: { name: string; key: string; optional?: boolean }, src: EnvSources): Promise<string | undefined> {
  const obj = kind === 'Secret' ? await src.getSecret(ns, ref.name) : await src.getConfigMap(ns, ref.name);
  const v = (kind === 'Secret' ? secretBytes(obj) : configMapBytes(obj)).get(ref.key);
  if (v !== undefined) return v.toString();
  if (ref.optional) return undefined;
  throw new Error(obj ? `couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name}` : `${kind.toLowerCase()} "${ref.name}" not found`);
}

export async function containerEnv(pod: KubeObject, container: any, image: ResolvedImage, src: EnvSources): Promise<Record<string, string>> {
  const ns = pod.metadata.namespace ?? 'default';
  const env: Record<string, string> = {
    ...image.env,
    HOSTNAME: pod.spec?.hostname ?? pod.metadata.name,
    KUBERNETES_SERVICE_HOST: src.apiHost,
    KUBERNETES_SERVICE_PORT: '443',
    KUBERNETES_SERVICE_PORT_HTTPS: '443',
    KUBERNETES_PORT: `tcp://${src.apiHost}:443`,
    KUBERNETES_PORT_443_TCP: `tcp://${src.apiHost}:443`,
    KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
    KUBERNETES_PORT_443_TCP_PORT: '443',
    KUBERNETES_PORT_443_TCP_ADDR: src.apiHost,
  };
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.secretRef) {
      const s = await src.getSecret(ns, from.secretRef.name);
      if (!s && !from.secretRef.optional) throw new Error(`secret "${from.secretRef.name}" not found`);
      for (const [k, v] of secretBytes(s)) env[prefix + k] = v.toString();
    }
    if (from.configMapRef) {
      const c = await src.getConfigMap(ns, from.configMapRef.name);
      if (!c && !from.configMapRef.optional) throw new Error(`configmap "${from.configMapRef.name}" not found`);
      for (const [k, v] of configMapBytes(c)) env[prefix + k] = v.toString();
    }
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined || !e.valueFrom) {
      env[e.name] = expand(e.value ?? '', env);
      continue;
    }
    const vf = e.valueFrom;
    if (vf.secretKeyRef || vf.configMapKeyRef) {
      const v = await keyRef(ns, vf.secretKeyRef ? 'Secret' : 'ConfigMap', vf.secretKeyRef ?? vf.configMapKeyRef, src);
      if (v !== undefined) env[e.name] = v;
    } else if (vf.fieldRef) {
      env[e.name] = fieldRef(pod, vf.fieldRef.fieldPath);
    } else if (vf.resourceFieldRef) {
      env[e.name] = resourceRef(container, vf.resourceFieldRef);
    }
  }
  if (!env.HOME) env.HOME = '/';
  return env;
}

/** command/args over ENTRYPOINT/CMD (the runtime's rules), $(VAR) expanded. */
export function commandLine(container: any, image: ResolvedImage, env: Record<string, string>): string[] {
  const x = (a: string[]) => a.map((s) => expand(s, env));
  let argv: string[];
  if (container.command?.length) argv = [...x(container.command), ...x(container.args ?? [])];
  else argv = [...(image.entrypoint ?? []), ...(container.args ? x(container.args) : image.cmd ?? [])];
  if (!argv.length) throw new Error(`container ${container.name}: no command and image ${image.ref} has no entrypoint`);
  return argv;
}

/** The user the container runs as; refuses runAsNonRoot with uid 0 (CreateContainerConfigError). */
export function identityOf(pod: KubeObject, container: any, image: ResolvedImage): Identity {
  const psc = pod.spec?.securityContext ?? {};
  const csc = container.securityContext ?? {};
  const uid = csc.runAsUser ?? psc.runAsUser ?? image.user ?? 0;
  const gid = csc.runAsGroup ?? psc.runAsGroup ?? image.group ?? (image.user !== undefined ? image.user : 0);
  if ((csc.runAsNonRoot ?? psc.runAsNonRoot) && uid === 0) throw new Error(`container ${container.name} has runAsNonRoot and image will run as root`);
  const groups = [...(psc.fsGroup !== undefined ? [psc.fsGroup] : []), ...(psc.supplementalGroups ?? [])].filter((g) => g !== gid);
  return { uid, gid, groups: [...new Set<number>(groups)], noNewPrivs: csc.allowPrivilegeEscalation === false };
}

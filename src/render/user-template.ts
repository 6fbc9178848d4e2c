/**
 * How the user's spec.podTemplate refines the pod pxc-tls renders. The user's fields are taken as
 * written (validate.ts checks the shapes we merge by; the API server checks the rest against the
 * Pod schema), so they enter the typed pod here, and only here.
 */
import type { V1Container, V1ContainerPort, V1EnvVar, V1PodSpec, V1SecurityContext, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { isPlainObject } from '../krm/types';

/** A user's object as written in the PerconaXtraDB. */
type UserFields = Readonly<Record<string, unknown>>;

/** Merges lists of maps by a key: entries of `extra` replace same-keyed ones in place, others are appended. */
export function mergeByKey<T, Key extends keyof T>(base: readonly T[], extra: readonly T[], key: Key): T[] {
  const out = [...base];
  for (const entry of extra) {
    const at = out.findIndex((existing) => existing[key] === entry[key]);
    if (at >= 0) out[at] = entry;
    else out.push(entry);
  }
  return out;
}

/**
 * A user container of the same name as one of ours refines it: env, volume mounts and ports merge
 * by key, args are appended, securityContext merges, any other field replaces ours.
 */
export function refineContainer(ours: V1Container, theirs: UserFields): V1Container {
  const out: V1Container = { ...ours };
  for (const [field, value] of Object.entries(theirs)) {
    if (value === undefined || value === null || field === 'name') continue;
    if (field === 'env') out.env = mergeByKey(ours.env ?? [], value as V1EnvVar[], 'name');
    else if (field === 'volumeMounts') out.volumeMounts = mergeByKey(ours.volumeMounts ?? [], value as V1VolumeMount[], 'mountPath');
    else if (field === 'ports') out.ports = mergeByKey(ours.ports ?? [], value as V1ContainerPort[], 'containerPort');
    else if (field === 'args') out.args = [...(ours.args ?? []), ...(value as string[])];
    else if (field === 'securityContext' && isPlainObject(value)) out.securityContext = { ...ours.securityContext, ...(value as V1SecurityContext) };
    else Object.assign(out, { [field]: value });
  }
  return out;
}

/** Ours refined by the user's containers of the same name; the user's other containers are appended. */
export function mergeContainers(ours: V1Container[], theirs: unknown): V1Container[] {
  if (!Array.isArray(theirs)) return ours;
  const out = [...ours];
  for (const container of theirs as V1Container[]) {
    const at = out.findIndex((c) => c.name === container.name);
    if (at >= 0) out[at] = refineContainer(out[at]!, container as unknown as UserFields);
    else out.push(container);
  }
  return out;
}

/** v1alpha2's pod template (offshoot-api v1) carries the database container's fields at spec level. */
const V1ALPHA2_CONTAINER_FIELDS: Readonly<Record<string, keyof V1Container>> = {
  args: 'args',
  env: 'env',
  resources: 'resources',
  lifecycle: 'lifecycle',
  livenessProbe: 'livenessProbe',
  readinessProbe: 'readinessProbe',
  containerSecurityContext: 'securityContext',
  volumeMounts: 'volumeMounts',
};

/** The database container's fields a v1alpha2 pod template sets, under their container names. */
export function v1alpha2ContainerFields(template: UserFields): UserFields {
  const fields: Record<string, unknown> = {};
  for (const [from, to] of Object.entries(V1ALPHA2_CONTAINER_FIELDS)) if (template[from] !== undefined) fields[to] = template[from];
  return fields;
}

/** Pod template fields that are KubeDB's own and have no Pod equivalent. */
export const UNRENDERED_POD_FIELDS = ['podPlacementPolicy'];

/** Pod fields pxc-tls builds itself from the template (containers, volumes, identity). */
const BUILT_POD_FIELDS = ['containers', 'initContainers', 'volumes', 'securityContext', 'serviceAccountName'];

/** Any pod-level field the user set (nodeSelector, tolerations, affinity, priorityClassName, …), taken as is. */
export function userPodFields(template: UserFields, v1alpha2: boolean): Partial<V1PodSpec> {
  const fields: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(template)) {
    if (value === undefined || value === null) continue;
    if (BUILT_POD_FIELDS.includes(field) || UNRENDERED_POD_FIELDS.includes(field)) continue;
    if (v1alpha2 && field in V1ALPHA2_CONTAINER_FIELDS) continue;
    fields[field] = value;
  }
  return fields;
}

/** The user's own volumes, after ours. */
export function userVolumes(template: UserFields): V1Volume[] {
  return Array.isArray(template.volumes) ? (template.volumes as V1Volume[]) : [];
}

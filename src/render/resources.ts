/**
 * Container resources. CPU and memory: KubeDB's defaults, merged with the user's as KubeDB merges
 * them (kubedb-startup.md §2, §3, §10, §12: AM DefaultResources, DefaultInitContainerResource,
 * CoordinatorDefaultResources, SetDefaultResourceLimits) — never a CPU limit. Ephemeral storage:
 * pxc-tls's choice (KubeDB sets none), so the scheduler counts the pods' scratch space and a
 * runaway writer is evicted before it fills the node's disk:
 *   - the database container writes mysqld's tmpdir (/tmp: on-disk sorts and temporary tables)
 *     and its config into the image's writable layer: request 1Gi, limit 8Gi;
 *   - the other containers write only logs (the kubelet keeps 5 × 10 MiB per container): 64Mi, 256Mi.
 * The kubelet holds a pod to the sum of its containers' limits, emptyDir volumes included: with
 * `storageType: Ephemeral` the data lives in an emptyDir, so the database container's limit grows
 * by the `spec.storage` size (a render warning when there is none).
 * A value the user set for a resource is never replaced.
 */
import type { V1Container } from '@kubernetes/client-node';
import { CONTAINER, DEFAULT_RESOURCES } from '../model/kubedb';
import { AGENT_CONTAINER } from '../model/project';
import { Problem, warning } from './problems';
import { DatabaseModel } from './resolve';

type ResourceList = Record<string, string | number>;
interface Resources {
  requests?: ResourceList;
  limits?: ResourceList;
  [field: string]: unknown;
}

/** The agent's resources, from its resident memory measured at rest (~53 MiB: bench/agent.mjs, docs/performance.md). */
export const AGENT_RESOURCES = { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '128Mi' } } as const;

/** The defaults per container, and whether they merge into what the user set (the database container) or apply only when the user set nothing. */
const DEFAULTS: Record<string, { requests: ResourceList; limits: ResourceList; merge: boolean }> = {
  // Merged since AM b790503c8 (SetDefaultResourceLimits).
  [CONTAINER.db]: { ...DEFAULT_RESOURCES.db, merge: true },
  [CONTAINER.init]: { ...DEFAULT_RESOURCES.init, merge: false },
  [CONTAINER.coordinator]: { ...DEFAULT_RESOURCES.coordinator, merge: false },
  // pxc-tls's agent in the coordinator's place: the user's px-coordinator resources, when set, win.
  [AGENT_CONTAINER]: { ...AGENT_RESOURCES, merge: false },
  // Inferred (no public default): mysqld_exporter keeps ~20–30 MiB resident.
  [CONTAINER.exporter]: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' }, merge: false },
};

export const EPHEMERAL_STORAGE = {
  database: { request: '1Gi', limit: '8Gi' },
  sidecar: { request: '64Mi', limit: '256Mi' },
} as const;

const UNITS: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A Kubernetes quantity (`500m`, `1Gi`, `2`, `1e3`) as a number; undefined when it is none. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * (match[2] ? Number(`1${match[2]}`) : UNITS[match[3] ?? '']!);
}

const isSet = (list: ResourceList | undefined, name: string) => list?.[name] !== undefined && list[name] !== null && list[name] !== '';

/** AM SetDefaultResourceLimits for one resource: request from the user's request, else their limit, else the default; a limit never below its request. */
function mergeOne(user: Resources, out: { requests: ResourceList; limits: ResourceList }, name: string, defaults: { requests: ResourceList; limits: ResourceList }): void {
  const request = isSet(user.requests, name) ? user.requests![name]! : isSet(user.limits, name) ? user.limits![name]! : defaults.requests[name];
  if (request !== undefined) out.requests[name] = request;
  if (isSet(user.limits, name)) {
    const limit = user.limits![name]!;
    out.limits[name] = request !== undefined && (parseQuantity(limit) ?? 0) < (parseQuantity(request) ?? 0) ? request : limit;
  } else if (defaults.limits[name] !== undefined) {
    out.limits[name] = isSet(user.requests, name) ? user.requests![name]! : defaults.limits[name]!;
  }
}

/** The declared size of the data volume (`spec.storage.resources.requests.storage`), in bytes. */
function dataSize(model: DatabaseModel): number | undefined {
  return parseQuantity((model.source.spec?.storage as { resources?: { requests?: { storage?: unknown } } } | undefined)?.resources?.requests?.storage);
}

function ephemeralStorage(model: DatabaseModel, containerName: string): { request: string; limit: string } {
  if (containerName !== CONTAINER.db) return EPHEMERAL_STORAGE.sidecar;
  const own = EPHEMERAL_STORAGE.database;
  const size = model.durable ? undefined : dataSize(model);
  return size === undefined ? own : { request: own.request, limit: String(parseQuantity(own.limit)! + size) };
}

/** An Ephemeral database without a data size: its data counts against a limit sized for scratch space only. */
export function resourceWarnings(model: DatabaseModel): Problem[] {
  if (model.durable || dataSize(model) !== undefined) return [];
  return [warning('spec.storageType', `is Ephemeral: the data lives in an emptyDir, which counts against the pod's ephemeral-storage limit (${EPHEMERAL_STORAGE.database.limit} for the database container); set spec.storage.resources.requests.storage to the data's size (it is added to the limit), or the database container's ephemeral-storage limit through spec.podTemplate`)];
}

/** The container with its resources defaulted; containers pxc-tls does not render are returned as they are. */
export function withDefaultResources(model: DatabaseModel, container: V1Container): V1Container {
  const defaults = DEFAULTS[container.name];
  if (!defaults) return container;
  const user = (container.resources ?? {}) as Resources;
  const userSetAny = Object.keys(user.requests ?? {}).length > 0 || Object.keys(user.limits ?? {}).length > 0;
  const out = { requests: { ...user.requests }, limits: { ...user.limits } };
  if (defaults.merge) for (const name of ['cpu', 'memory']) mergeOne(user, out, name, defaults);
  else if (!userSetAny) Object.assign(out, { requests: { ...defaults.requests }, limits: { ...defaults.limits } });
  const storage = ephemeralStorage(model, container.name);
  if (!isSet(user.requests, 'ephemeral-storage')) out.requests['ephemeral-storage'] = storage.request;
  if (!isSet(user.limits, 'ephemeral-storage')) out.limits['ephemeral-storage'] = storage.limit;
  const resources: Resources = { ...user, requests: out.requests };
  if (Object.keys(out.limits).length > 0) resources.limits = out.limits;
  else delete resources.limits;
  // A user's quantity may be a YAML number (`cpu: 1`): kept as written, which the API server accepts.
  return { ...container, resources: resources as V1Container['resources'] };
}

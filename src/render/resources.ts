/**
 * KubeDB's default resources and how they meet the user's (AM apis.SetDefaultResourceLimits since
 * b790503c8, kubedb-startup.md §3): for each resource the defaults name,
 *  - request: the user's request, else the user's limit, else the default;
 *  - limit (only where the defaults have one): the user's limit if it is at least the request,
 *    else the user's request, else the default;
 *  - a limit below its request is raised to the request.
 * Resources the defaults do not name (a CPU limit, ephemeral-storage) pass through untouched.
 */
import type { V1ResourceRequirements } from '@kubernetes/client-node';

type Quantities = Record<string, string>;
export interface Resources {
  requests?: Quantities;
  limits?: Quantities;
}

const SUFFIX: Record<string, number> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A Kubernetes quantity as a number (cores or bytes); undefined when it is not one. */
export function quantityValue(text: string): number | undefined {
  const match = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?)$/.exec(text.trim());
  if (!match) return undefined;
  const base = Number(match[1]);
  if (match[2]) return base * 10 ** Number(match[2].slice(1));
  return base * SUFFIX[match[3] ?? '']!;
}

const atLeast = (a: string, b: string) => (quantityValue(a) ?? Infinity) >= (quantityValue(b) ?? 0);

/** The user's resources with KubeDB's defaults merged in as AM does it. */
export function withDefaultResources(user: V1ResourceRequirements | undefined, defaults: Readonly<{ requests: Quantities; limits: Quantities }>): V1ResourceRequirements {
  const requests: Quantities = { ...(user?.requests as Quantities | undefined) };
  const limits: Quantities = { ...(user?.limits as Quantities | undefined) };
  const userRequests = (user?.requests ?? {}) as Quantities;
  const userLimits = (user?.limits ?? {}) as Quantities;
  for (const [name, value] of Object.entries(defaults.requests)) requests[name] = userRequests[name] ?? userLimits[name] ?? value;
  for (const [name, value] of Object.entries(defaults.limits)) {
    const request = requests[name];
    const limit = userLimits[name];
    if (limit !== undefined && (request === undefined || atLeast(limit, request))) limits[name] = limit;
    else limits[name] = userRequests[name] ?? value;
  }
  for (const [name, limit] of Object.entries(limits)) {
    const request = requests[name];
    if (request !== undefined && !atLeast(limit, request)) limits[name] = request;
  }
  const out: V1ResourceRequirements = {};
  if (Object.keys(requests).length) out.requests = requests;
  if (Object.keys(limits).length) out.limits = limits;
  return out;
}

/** The defaults only when the user set neither requests nor limits (AM's rule for the init container and the coordinator). */
export function defaultUnlessSet(user: V1ResourceRequirements | undefined, defaults: Readonly<{ requests: Quantities; limits: Quantities }>): V1ResourceRequirements {
  const set = user && (Object.keys(user.requests ?? {}).length > 0 || Object.keys(user.limits ?? {}).length > 0);
  return set ? user : { requests: { ...defaults.requests }, limits: { ...defaults.limits } };
}

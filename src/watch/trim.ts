/**
 * What the informer caches keep of each object: the fields of types.ts the watcher reads, nothing
 * else. A pod as the API serves it is several kilobytes of JSON (managedFields, containers, env,
 * probes) of which the watcher reads a few hundred bytes; cert-manager's Secrets carry a handful
 * of annotations and the Certificates a last-applied copy of themselves. Trimmed at the cache's
 * door (kube.ts, for the list and every watch event), the caches of 1,000 databases stay small
 * (bench/watcher.ts measures it). A new object, the input untouched.
 */
import { CERTIFICATE_NAME_ANNOTATION } from '../tls/checks';
import { CA_CRT, REQUIRED_KEYS } from '../tls/pem';
import type { CertificateObject, Condition, Meta, PodObject, SecretObject } from './types';

/** Copies the keys of `from` that are set, in `keys` order. */
function pick<T extends object, K extends keyof T>(from: T | undefined, keys: readonly K[]): Pick<T, K> | undefined {
  if (!from || typeof from !== 'object') return undefined;
  const out = {} as Pick<T, K>;
  for (const k of keys) if (from[k] !== undefined) out[k] = from[k];
  return out;
}

/** Only `names` of a string map; undefined when none is there. */
function only(map: Record<string, string> | undefined, names: readonly string[]): Record<string, string> | undefined {
  if (!map) return undefined;
  const out: Record<string, string> = {};
  for (const n of names) if (typeof map[n] === 'string') out[n] = map[n];
  return Object.keys(out).length ? out : undefined;
}

const META_KEYS = ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'labels', 'creationTimestamp', 'deletionTimestamp', 'ownerReferences'] as const;

function trimMeta(meta: Meta | undefined, annotations: readonly string[] = []): Meta {
  const out = (pick(meta, META_KEYS) ?? {}) as Meta;
  const kept = only(meta?.annotations, annotations);
  if (kept) out.annotations = kept;
  return out;
}

function trimConditions(conditions: Condition[] | undefined): Condition[] | undefined {
  return Array.isArray(conditions) ? conditions.map((c) => pick(c, ['type', 'status', 'reason', 'message', 'observedGeneration', 'lastTransitionTime'] as const)!) : undefined;
}

export function trimPod(pod: PodObject): PodObject {
  const spec = pod.spec;
  const out: PodObject = { metadata: trimMeta(pod.metadata) };
  if (spec) {
    out.spec = {
      ...pick(spec, ['hostname', 'subdomain', 'nodeName'] as const),
      ...(spec.schedulingGates ? { schedulingGates: spec.schedulingGates.map((g) => ({ name: g.name })) } : {}),
      // Only Secret volumes: the certificate Secrets are among them; the rest the watcher never reads.
      ...(spec.volumes ? { volumes: spec.volumes.filter((v) => v.secret).map((v) => ({ name: v.name, secret: { secretName: v.secret?.secretName } })) } : {}),
    };
  }
  if (pod.status) out.status = { ...pick(pod.status, ['phase', 'podIP'] as const), ...(pod.status.conditions ? { conditions: trimConditions(pod.status.conditions) } : {}) };
  return out;
}

/**
 * One copy of each distinct ca.crt: every Secret an issuer fills carries the same CA (a third of
 * a Secret's data), and each JSON.parse makes a new string of it. Bounded: cleared when it grows
 * past what a cluster's issuers could plausibly hold, so a stream of distinct values cannot grow it.
 */
const CA_COPIES_MAX = 256;
const caCopies = new Map<string, string>();

function oneCopy(value: string): string {
  const known = caCopies.get(value);
  if (known !== undefined) return known;
  if (caCopies.size >= CA_COPIES_MAX) caCopies.clear();
  caCopies.set(value, value);
  return value;
}

/** The three keys of the certificate material and cert-manager's certificate-name annotation. */
export function trimSecret(secret: SecretObject): SecretObject {
  const out: SecretObject = { metadata: trimMeta(secret.metadata, [CERTIFICATE_NAME_ANNOTATION]) };
  if (secret.type !== undefined) out.type = secret.type;
  const data = only(secret.data, REQUIRED_KEYS);
  if (data?.[CA_CRT]) data[CA_CRT] = oneCopy(data[CA_CRT]);
  if (data) out.data = data;
  return out;
}

export function trimCertificate(certificate: CertificateObject): CertificateObject {
  const out: CertificateObject = { metadata: trimMeta(certificate.metadata) };
  const spec = certificate.spec;
  if (spec) {
    // secretName for the readiness chain; the issuer, isCA and the key's rotation policy for the CA check.
    out.spec = pick(spec, ['secretName', 'isCA'] as const);
    if (spec.issuerRef) out.spec!.issuerRef = pick(spec.issuerRef, ['name', 'kind', 'group'] as const);
    if (spec.privateKey?.rotationPolicy !== undefined) out.spec!.privateKey = { rotationPolicy: spec.privateKey.rotationPolicy };
  }
  const status = certificate.status;
  if (status) out.status = { ...pick(status, ['notAfter', 'notBefore', 'revision'] as const), ...(status.conditions ? { conditions: trimConditions(status.conditions) } : {}) };
  return out;
}

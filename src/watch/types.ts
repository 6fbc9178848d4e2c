/**
 * The fields of Kubernetes objects the watcher reads and writes, as plain JSON (the shape the
 * informers' list and watch both deliver). Narrow on purpose: only what the code uses.
 */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

export interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  ownerReferences?: OwnerReference[];
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

export interface SecretObject {
  metadata: Meta;
  type?: string;
  /** base64 values, as the API serves them. Never logged (see log.ts). */
  data?: Record<string, string>;
}

export interface CertificateObject {
  metadata: Meta;
  spec?: { secretName?: string };
  status?: { conditions?: Condition[]; notAfter?: string; notBefore?: string; revision?: number };
}

export interface Volume {
  name: string;
  secret?: { secretName?: string };
}

export interface PodObject {
  metadata: Meta;
  spec?: {
    schedulingGates?: { name: string }[];
    volumes?: Volume[];
    hostname?: string;
    subdomain?: string;
    nodeName?: string;
  };
  status?: { conditions?: Condition[]; phase?: string };
}

/** A StatefulSet as the watcher reads it (one GET by name): its metadata only. */
export interface StatefulSetObject {
  metadata: Meta;
}

/** `namespace/name` of a database: its pods' `app.kubernetes.io/instance` label in their namespace. */
export type DatabaseKey = string;

export function databaseKey(namespace: string, name: string): DatabaseKey {
  return `${namespace}/${name}`;
}

export function splitKey(key: DatabaseKey): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

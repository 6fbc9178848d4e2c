/**
 * The fields of Kubernetes objects the watcher reads and writes, as plain JSON (the shape the
 * informers' list and watch both deliver). Narrow on purpose: only what the code uses.
 */

import type { Condition, Meta } from '../tls/objects';
export type { CertificateObject, Condition, Meta, OwnerReference, SecretObject } from '../tls/objects';

/** An Issuer or ClusterIssuer as the watcher reads it (one GET by name): what its CA check needs. */
export interface IssuerObject {
  kind: 'Issuer' | 'ClusterIssuer';
  metadata: Meta;
  spec?: { ca?: { secretName?: string } };
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
  /** podIP: where the served-certificate probe connects. */
  status?: { conditions?: Condition[]; phase?: string; podIP?: string };
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

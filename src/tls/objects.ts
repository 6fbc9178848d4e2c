/**
 * The fields of the Kubernetes objects certificate verification reads (Secrets, cert-manager
 * Certificates), as plain JSON. Narrow on purpose: only what the checks use.
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
  spec?: {
    secretName?: string;
    /** The issuer it is issued by (the watcher's CA check follows it). */
    issuerRef?: { name?: string; kind?: string; group?: string };
    /** A CA Certificate, and whether its key survives a renewal (src/model/ca-rotation.ts). */
    isCA?: boolean;
    privateKey?: { rotationPolicy?: string };
  };
  status?: { conditions?: Condition[]; notAfter?: string; notBefore?: string; revision?: number };
}

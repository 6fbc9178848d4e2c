/** The parts of a KubeDB PerconaXtraDB (v1 and v1alpha2) that rendering reads. Input is never mutated. */
import type { V1EnvVar, V1PersistentVolumeClaimSpec, V1ResourceRequirements, V1SecurityContext, V1Volume } from '@kubernetes/client-node';
import { KubeObject } from '../krm/types';
import { KUBEDB_GROUP, PERCONA_XTRADB_KIND, PERCONA_XTRADB_VERSIONS, PrivateKeyEncoding } from './kubedb';

export interface PerconaXtraDB extends KubeObject {
  readonly spec?: PerconaXtraDBSpec;
}

export interface PerconaXtraDBSpec {
  readonly version?: string;
  readonly replicas?: number;
  readonly storageType?: 'Durable' | 'Ephemeral';
  readonly storage?: V1PersistentVolumeClaimSpec;
  readonly authSecret?: { readonly name?: string };
  readonly systemUserSecrets?: {
    readonly replicationUserSecret?: { readonly name?: string };
    readonly monitorUserSecret?: { readonly name?: string };
  };
  readonly monitor?: Monitor;
  readonly configSecret?: { readonly name?: string };
  /** KubeDB's ScriptSourceSpec: a volume source and the path of the script in it. */
  readonly init?: { readonly script?: Omit<V1Volume, 'name'> & { readonly scriptPath?: string } };
  readonly podTemplate?: PodTemplate;
  readonly serviceTemplates?: readonly ServiceTemplate[];
  readonly requireSSL?: boolean;
  readonly halted?: boolean;
  readonly tls?: TLSConfig;
  /** v1alpha2 only. */
  readonly coordinator?: { readonly resources?: V1ResourceRequirements; readonly securityContext?: V1SecurityContext };
}

export interface Monitor {
  readonly agent?: string;
  readonly prometheus?: {
    readonly exporter?: { readonly args?: readonly string[]; readonly env?: readonly V1EnvVar[]; readonly port?: number; readonly resources?: V1ResourceRequirements; readonly securityContext?: V1SecurityContext };
  };
}

export interface TypedObjectRef {
  readonly apiGroup?: string;
  readonly kind?: string;
  readonly name?: string;
}

export interface TLSConfig {
  readonly issuerRef?: TypedObjectRef;
  readonly certificates?: readonly CertificateSpec[];
}

export interface X509Subject {
  readonly organizations?: readonly string[];
  readonly countries?: readonly string[];
  readonly organizationalUnits?: readonly string[];
  readonly localities?: readonly string[];
  readonly provinces?: readonly string[];
  readonly streetAddresses?: readonly string[];
  readonly postalCodes?: readonly string[];
  readonly serialNumber?: string;
}

/** KM api/v1/certificates.go CertificateSpec. */
export interface CertificateSpec {
  readonly alias?: string;
  readonly issuerRef?: TypedObjectRef;
  readonly secretName?: string;
  readonly subject?: X509Subject;
  readonly duration?: string;
  readonly renewBefore?: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly uris?: readonly string[];
  readonly emailAddresses?: readonly string[];
  readonly privateKey?: { readonly encoding?: PrivateKeyEncoding };
}

export interface PodTemplate {
  readonly controller?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly metadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly spec?: Readonly<Record<string, unknown>>;
}

export interface ServiceTemplate {
  readonly alias?: string;
  readonly metadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly spec?: Readonly<Record<string, unknown>> & { readonly ports?: readonly { name?: string; port?: number; nodePort?: number }[] };
}

export function isPerconaXtraDB(object: KubeObject): object is PerconaXtraDB {
  return object.kind === PERCONA_XTRADB_KIND && (PERCONA_XTRADB_VERSIONS as readonly string[]).some((v) => object.apiVersion === `${KUBEDB_GROUP}/${v}`);
}

/**
 * The kinds the render core builds, as @kubernetes/client-node's model types and cert-manager's
 * Certificate derived from its CRD (src/model/generated/certificate.ts): a misspelt field or a
 * value of the wrong type fails to compile. Type-only imports: the function bundle never loads the
 * client. Every rendered object has its apiVersion, kind and metadata set, and stays plain data
 * (a KubeObject) for the rest of the function.
 */
import type {
  V1ConfigMap,
  V1NetworkPolicy,
  V1NetworkPolicyIngressRule,
  V1NetworkPolicyPeer,
  V1NetworkPolicySpec,
  V1ObjectMeta,
  V1PodDisruptionBudget,
  V1Role,
  V1RoleBinding,
  V1Secret,
  V1Service,
  V1ServiceAccount,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { Certificate as CertificateModel, CERTIFICATE_API_VERSION } from '../model/generated/certificate';

/** V1ObjectMeta's fields as a plain object type (the model is a class, which a KubeObject's metadata does not accept). */
export type ObjectMeta = { [Field in keyof V1ObjectMeta]: V1ObjectMeta[Field] };

/** A model with its apiVersion and kind fixed and its metadata required. */
type Kind<Model, ApiVersion extends string, KindName extends string> = Omit<Model, 'apiVersion' | 'kind' | 'metadata'> & {
  apiVersion: ApiVersion;
  kind: KindName;
  metadata: ObjectMeta;
};

export type Certificate = Kind<CertificateModel, typeof CERTIFICATE_API_VERSION, 'Certificate'>;
export type ConfigMap = Kind<V1ConfigMap, 'v1', 'ConfigMap'>;
export type PodDisruptionBudget = Kind<V1PodDisruptionBudget, 'policy/v1', 'PodDisruptionBudget'>;
export type Role = Kind<V1Role, 'rbac.authorization.k8s.io/v1', 'Role'>;
export type RoleBinding = Kind<V1RoleBinding, 'rbac.authorization.k8s.io/v1', 'RoleBinding'>;
export type Secret = Kind<V1Secret, 'v1', 'Secret'>;
export type Service = Kind<V1Service, 'v1', 'Service'>;
export type ServiceAccount = Kind<V1ServiceAccount, 'v1', 'ServiceAccount'>;
export type StatefulSet = Kind<V1StatefulSet, 'apps/v1', 'StatefulSet'>;

/**
 * client-node names the ingress rule's `from` `_from` (a reserved word for its generator) and maps
 * it back only through its serializer, which the render core never runs: the wire name is `from`.
 */
export type NetworkPolicyIngressRule = Omit<V1NetworkPolicyIngressRule, '_from'> & { from?: V1NetworkPolicyPeer[] };
type NetworkPolicySpec = Omit<V1NetworkPolicySpec, 'ingress'> & { ingress?: NetworkPolicyIngressRule[] };
export type NetworkPolicy = Kind<Omit<V1NetworkPolicy, 'spec'> & { spec: NetworkPolicySpec }, 'networking.k8s.io/v1', 'NetworkPolicy'>;

export type RenderedObject = Certificate | ConfigMap | NetworkPolicy | PodDisruptionBudget | Role | RoleBinding | Secret | Service | ServiceAccount | StatefulSet;

/** pxc-tls's own names: annotations, labels and the scheduling gate it renders and the watcher reads. */

/** The pod scheduling gate the StatefulSet renders and the watcher removes once certificates are verified. */
export const SCHEDULING_GATE = 'pxc-tls.dev/certificates-ready';

/** On every generated object: the name of the PerconaXtraDB (same namespace) it was rendered from. */
export const GENERATED_FROM_ANNOTATION = 'pxc-tls.dev/database';

/** On certificate Secrets (placeholder and, through secretTemplate, the issued one): which alias it holds. */
export const CERT_ALIAS_LABEL = 'pxc-tls.dev/certificate-alias';

/** kustomize drops objects carrying it from its output; `kpt live apply` skips them. */
export const LOCAL_CONFIG_ANNOTATION = 'config.kubernetes.io/local-config';

/** Argo CD must never prune a placeholder Secret that cert-manager has filled. */
export const ARGO_SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';
export const ARGO_NO_PRUNE = 'Prune=false';
export const ARGO_SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
/** With sync waves on: Certificates and placeholder Secrets first, everything else after. */
export const CERTIFICATE_SYNC_WAVE = '-1';
export const WORKLOAD_SYNC_WAVE = '0';

/** kpt's annotations for where an item lives in the package (krm-conventions §3). */
export const PATH_ANNOTATIONS = ['config.kubernetes.io/path', 'internal.config.kubernetes.io/path'] as const;
export const INDEX_ANNOTATIONS = ['config.kubernetes.io/index', 'internal.config.kubernetes.io/index'] as const;

/**
 * The in-pod agent (PREAMBLE "Agreed interfaces"; issue 11): its container, and the TCP port it
 * serves HTTPS on with the pod's server certificate (agent-to-agent peer status, probes).
 */
export const AGENT_CONTAINER = 'pxc-tls-agent';
export const AGENT_PORT = 9608;
export const AGENT_PORT_NAME = 'agent';

/**
 * The NetworkPolicies rendered per database, by what they open: the ports only members use
 * (Galera, IST, SST, the agent), mysqld's port, and the exporter's port.
 */
export const NETWORK_POLICY_SUFFIX = {
  members: 'pxc-tls-members',
  mysql: 'pxc-tls-mysql',
  metrics: 'pxc-tls-metrics',
} as const;

/** Set by the API server on every Namespace (Kubernetes ≥ 1.22): selects a namespace by its name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * With a dedicated server issuer, the exporter verifies mysqld with the server Secret's ca.crt,
 * mounted alone (no key) into the exporter at KubeDB's server certificate path (render/trust.ts).
 */
export const SERVER_CA_VOLUME = 'tls-server-ca';

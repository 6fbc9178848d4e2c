/** pxc-tls's own names: annotations, labels and the scheduling gate it renders and the watcher reads. */

/** The pod scheduling gate the StatefulSet renders and the watcher removes once certificates are verified. */
export const SCHEDULING_GATE = 'pxc-tls.dev/certificates-ready';

/** On every generated object: the name of the PerconaXtraDB (same namespace) it was rendered from. */
export const GENERATED_FROM_ANNOTATION = 'pxc-tls.dev/database';

/**
 * On every generated object: a digest of the database's name and the object's own group, kind and
 * name (src/function/ownership.ts). Only an object whose mark matches is pxc-tls's to replace or
 * remove: the annotations copied onto another object, or from another database, do not match.
 */
export const GENERATED_MARK_ANNOTATION = 'pxc-tls.dev/generated';

/**
 * On a PerconaXtraDB: pxc-tls added its `config.kubernetes.io/local-config` mark (value "true"),
 * and takes it off again when it stops rendering the database. A mark without it is the user's.
 */
export const LOCAL_CONFIG_ADDED_ANNOTATION = 'pxc-tls.dev/local-config-added';

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

/** Annotations pxc-tls reads on input objects: each must be a string (kpt and kustomize write strings). */
export const BOOKKEEPING_ANNOTATIONS: readonly string[] = [
  ...PATH_ANNOTATIONS,
  ...INDEX_ANNOTATIONS,
  LOCAL_CONFIG_ANNOTATION,
  GENERATED_FROM_ANNOTATION,
  GENERATED_MARK_ANNOTATION,
  LOCAL_CONFIG_ADDED_ANNOTATION,
];

// ---- The in-pod agent and the Galera decisions (docs/agent.md) ----

/** The agent's container in each database pod (`pxc-tls agent`), in the place of KubeDB's px-coordinator. */
export const AGENT_CONTAINER = 'pxc-tls-agent';
/** The agent's HTTPS port (the pod's server certificate): /healthz, /readyz, /peer (mutual TLS), /metrics. */
export const AGENT_PORT = 9608;
export const AGENT_PORT_NAME = 'agent';

/** On each database Pod, written by its own agent only: the member's facts as JSON (MemberFacts, src/model/galera.ts). */
export const MEMBER_FACTS_ANNOTATION = 'pxc-tls.dev/member-facts';

/** On the database's pod template: marks pods whose agent may patch its own facts (the agent admission policy selects on it). */
export const AGENT_POD_LABEL = 'pxc-tls.dev/agent';

/** Suffix of the ConfigMap `<db>-pxc-tls-galera` the watcher's leader writes its decisions into (created at runtime, never rendered). */
export const GALERA_DECISIONS_SUFFIX = 'pxc-tls-galera';
/** Suffix of the ConfigMap `<db>-pxc-tls-force-bootstrap` a user applies to force one bootstrap (data: member, nonce). */
export const FORCE_BOOTSTRAP_SUFFIX = 'pxc-tls-force-bootstrap';
/** Label on the decisions ConfigMap (the watcher's admission policy lets it write only ConfigMaps carrying it). */
export const GALERA_DECISIONS_LABEL = 'pxc-tls.dev/galera-decisions';

/**
 * The certificate restart marker, in the pod's shared `/run-script` emptyDir: written by the agent
 * while the leader's restart order names its member and round; the database container's liveness
 * probe fails while it exists, so the kubelet restarts that container (its preStop hook stops
 * mysqld cleanly first). run.sh's `rm -rf /run-script/*` at every start deletes it too.
 */
export const RESTART_MARKER = 'pxc-tls-restart';


/**
 * What mysqld and Galera load (standalone mode; issue 12.2 revisited, 12.3): copies the agent writes
 * into emptyDirs only after verifying the mounted Secret, never the kubelet-mounted Secret files
 * themselves. So no unverified renewal is ever served — not after a reload, a crash or a restart
 * (an SST still reads the mounted Secret: KubeDB's init image names it in [sst]) — and trust can
 * change apart from the leaf: the trust bundle (ca.crt) holds the CA the
 * members serve with plus, while a CA change is staged, the new one. KubeDB's mounts of the
 * Secrets stay where KubeDB puts them (/etc/mysql/certs/<alias>); only the paths mysqld, Galera
 * and the exporter read from depart from KubeDB's flags (docs/kubedb-fidelity.md).
 *   - the leaf: tls.crt + tls.key (written together, by a `..data` swap as the kubelet does);
 *   - the trust bundle: ca.crt alone, in a volume of its own (the exporter mounts it, never the key).
 */
export const SERVED_TLS_VOLUME = 'pxc-tls-server-served';
export const SERVED_TLS_MOUNT = '/etc/mysql/certs/pxc-tls-server';
export const TRUST_VOLUME = 'pxc-tls-server-trust';
export const TRUST_MOUNT = '/etc/mysql/certs/pxc-tls-trust';

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
 * The watcher's pods as examples/watcher installs them: labelled `app.kubernetes.io/name:
 * pxc-tls-watch`, in the databases' namespace (`kubectl apply -k examples/watcher -n <ns>`) or in
 * `pxc-tls-system` (examples/watcher/cluster-wide). Its served-certificate probe connects to each
 * database pod's mysqld port, so a restricted mysqld NetworkPolicy admits them (network-policy.ts).
 */
export const WATCHER_APP_NAME = 'pxc-tls-watch';
export const WATCHER_CLUSTER_WIDE_NAMESPACE = 'pxc-tls-system';

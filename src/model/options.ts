/** What the render core can be asked to do differently; the function config (src/config) fills it. */
import { DEFAULT_CLUSTER_DOMAIN, LABEL } from './kubedb';
import { NAMESPACE_NAME_LABEL, WATCHER_APP_NAME, WATCHER_CLUSTER_WIDE_NAMESPACE } from './project';

export type Mode = 'standalone' | 'kubedb';
export const MODES: readonly Mode[] = ['standalone', 'kubedb'];

export type ImageComponent = 'db' | 'coordinator' | 'init' | 'exporter';
export const IMAGE_COMPONENTS: readonly ImageComponent[] = ['db', 'coordinator', 'init', 'exporter'];

/** Image overrides say what they replace: a version's component, or a registry prefix. */
export interface ImageOverrides {
  /** Per PerconaXtraDB version (a catalog version): the image of a component, instead of the catalog's. */
  versions: Readonly<Record<string, Readonly<Partial<Record<ImageComponent, string>>>>>;
  /** Registry mirrors: a catalog image starting with the key (followed by `/`) starts with the value instead. */
  mirror: Readonly<Record<string, string>>;
  /** The pxc-tls image the in-pod agent runs from: no default (nobody publishes one for you); standalone mode requires it. */
  agent?: string;
}

/** A Kubernetes label selector: every matchLabels entry and every expression must hold. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/**
 * Who may connect, as a NetworkPolicy peer: pods matching `podSelector` (in the database's
 * namespace, unless `namespaceSelector` is given too), or every pod of the namespaces matching
 * `namespaceSelector`, or both at once.
 */
export interface PeerSelector {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
}

export interface NetworkPolicyOptions {
  /** Render the database's NetworkPolicies (standalone mode). */
  enabled: boolean;
  /** Who besides the database's own pods (and the watcher) may reach mysqld's port; absent: anyone (not restricted). */
  mysqlFrom?: PeerSelector[];
  /** The watcher's pods, admitted to mysqld's port whenever mysqlFrom restricts it (its served-certificate probe). */
  watcherFrom: PeerSelector[];
  /** The namespace whose pods (Prometheus) may reach the exporter's port, when monitored. */
  monitoringNamespace: string;
}

export interface RenderOptions {
  /** Cluster domain in the server certificate's pods wildcard SAN. */
  clusterDomain: string;
  /** Replace catalog images: per version, or through a registry mirror. */
  images: ImageOverrides;
  /** Render the pod scheduling gate the watcher removes. */
  schedulingGate: boolean;
  /** Annotate Argo CD sync waves: Certificates and placeholder Secrets before the workload. */
  argoSyncWaves: boolean;
  /** standalone: render everything; kubedb: only Certificates and placeholder Secrets, the PerconaXtraDB stays live. */
  mode: Mode;
  /** NetworkPolicies: Galera, IST, SST and the agent only between members; see render/network-policy.ts. */
  networkPolicies: NetworkPolicyOptions;
}

/** Where Prometheus usually runs (kube-prometheus, the KubeDB monitoring guides' choice); a function-config option. */
export const DEFAULT_MONITORING_NAMESPACE = 'monitoring';

/**
 * Where examples/watcher runs the watcher: pods labelled `app.kubernetes.io/name: pxc-tls-watch`
 * in the database's own namespace (the namespaced install) or in `pxc-tls-system` (cluster-wide).
 */
export const DEFAULT_WATCHER_PEERS: readonly PeerSelector[] = [
  { podSelector: { matchLabels: { [LABEL.name]: WATCHER_APP_NAME } } },
  { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: WATCHER_CLUSTER_WIDE_NAMESPACE } }, podSelector: { matchLabels: { [LABEL.name]: WATCHER_APP_NAME } } },
];

/** Every option at its default: what a run without a function config renders. */
export const DEFAULT_RENDER_OPTIONS: Readonly<RenderOptions> = {
  clusterDomain: DEFAULT_CLUSTER_DOMAIN,
  images: { versions: {}, mirror: {} },
  schedulingGate: true,
  argoSyncWaves: false,
  mode: 'standalone',
  networkPolicies: { enabled: true, monitoringNamespace: DEFAULT_MONITORING_NAMESPACE, watcherFrom: [...DEFAULT_WATCHER_PEERS] },
};

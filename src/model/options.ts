/** What the render core can be asked to do differently; the function config (src/config) fills it. */
import { DEFAULT_CLUSTER_DOMAIN } from './kubedb';

export type Mode = 'standalone' | 'kubedb';
export const MODES: readonly Mode[] = ['standalone', 'kubedb'];

export interface ImageOverrides {
  db?: string;
  coordinator?: string;
  init?: string;
  exporter?: string;
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
  /** Who besides the database's own pods may reach mysqld's port; absent: anyone (not restricted). */
  mysqlFrom?: PeerSelector[];
  /** The namespace whose pods (Prometheus) may reach the exporter's port, when monitored. */
  monitoringNamespace: string;
}

export interface RenderOptions {
  /** Cluster domain in the server certificate's pods wildcard SAN. */
  clusterDomain: string;
  /** Replace catalog images, e.g. to pull from a mirror. */
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

/** Every option at its default: what a run without a function config renders. */
export const DEFAULT_RENDER_OPTIONS: Readonly<RenderOptions> = {
  clusterDomain: DEFAULT_CLUSTER_DOMAIN,
  images: {},
  schedulingGate: true,
  argoSyncWaves: false,
  mode: 'standalone',
  networkPolicies: { enabled: true, monitoringNamespace: DEFAULT_MONITORING_NAMESPACE },
};

/** What the render core can be asked to do differently; the function config (src/config) fills it. */
import { DEFAULT_CLUSTER_DOMAIN } from './kubedb';

export type Mode = 'standalone' | 'kubedb';
export const MODES: readonly Mode[] = ['standalone', 'kubedb'];

export interface ImageOverrides {
  db?: string;
  coordinator?: string;
  init?: string;
  exporter?: string;
  /** The pxc-tls image the in-pod agent runs from: no default (nobody publishes one for you); standalone mode requires it. */
  agent?: string;
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
}

/** Every option at its default: what a run without a function config renders. */
export const DEFAULT_RENDER_OPTIONS: Readonly<RenderOptions> = {
  clusterDomain: DEFAULT_CLUSTER_DOMAIN,
  images: {},
  schedulingGate: true,
  argoSyncWaves: false,
  mode: 'standalone',
};

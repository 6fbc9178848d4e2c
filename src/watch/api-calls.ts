/**
 * Every API call the watcher makes, in one place: kube.ts issues requests only through these
 * entries, and the RBAC of examples/watcher/ is tested against this list (nothing missing,
 * nothing extra). `scope: 'watched'` calls go to the namespaces it watches; `'lease'` ones to the
 * Lease's namespace only; `'cluster'` ones are cluster-scoped, made only by a watcher of all
 * namespaces (the cluster-wide install's ClusterRole grants them, the namespaced Role cannot).
 */

export interface ApiCall {
  group: string;
  resource: string;
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch';
  scope: 'watched' | 'lease' | 'cluster';
}

export const API_CALLS = {
  listPods: { group: '', resource: 'pods', verb: 'list', scope: 'watched' },
  watchPods: { group: '', resource: 'pods', verb: 'watch', scope: 'watched' },
  patchPod: { group: '', resource: 'pods', verb: 'patch', scope: 'watched' },
  patchPodStatus: { group: '', resource: 'pods/status', verb: 'patch', scope: 'watched' },
  // list + watch only, with a label selector: the watcher never asks for a Secret by name, so it
  // needs no `get` (RBAC cannot restrict by label; the selector keeps the cache small).
  listSecrets: { group: '', resource: 'secrets', verb: 'list', scope: 'watched' },
  watchSecrets: { group: '', resource: 'secrets', verb: 'watch', scope: 'watched' },
  listCertificates: { group: 'cert-manager.io', resource: 'certificates', verb: 'list', scope: 'watched' },
  watchCertificates: { group: 'cert-manager.io', resource: 'certificates', verb: 'watch', scope: 'watched' },
  createEvent: { group: '', resource: 'events', verb: 'create', scope: 'watched' },
  // The verdict annotation on a database's StatefulSet: read by name only when the verdict may
  // differ from what it shows, then a JSON merge patch of that one annotation (no informer, so no
  // list/watch). `patch` could change more: examples/watcher's admission policy refuses anything else.
  getStatefulSet: { group: 'apps', resource: 'statefulsets', verb: 'get', scope: 'watched' },
  patchStatefulSet: { group: 'apps', resource: 'statefulsets', verb: 'patch', scope: 'watched' },
  // The CA check (renewal.ts): the issuer a database's Certificates name, read by name and cached;
  // its spec.ca.secretName leads to the CA Certificate in the informer cache. No list/watch.
  getIssuer: { group: 'cert-manager.io', resource: 'issuers', verb: 'get', scope: 'watched' },
  getClusterIssuer: { group: 'cert-manager.io', resource: 'clusterissuers', verb: 'get', scope: 'cluster' },
  getLease: { group: 'coordination.k8s.io', resource: 'leases', verb: 'get', scope: 'lease' },
  createLease: { group: 'coordination.k8s.io', resource: 'leases', verb: 'create', scope: 'lease' },
  updateLease: { group: 'coordination.k8s.io', resource: 'leases', verb: 'update', scope: 'lease' },
} as const satisfies Record<string, ApiCall>;

export type ApiCallName = keyof typeof API_CALLS;

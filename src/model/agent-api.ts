/**
 * Every Kubernetes API call the agent makes, each beside the right it needs and what fences that
 * right (issue 17.3). src/agent/kube.ts issues requests only through these entries, and the Role
 * the function renders for a database in standalone mode (src/render/rbac.ts) is built from this
 * list: one place for both. examples/watcher/base/agent-policy.yaml holds the fence, tested on the
 * real API server with an agent's own token (test/watch/agent-policy.test.ts).
 *
 * The agent has no authority: it reports facts and reads orders. Joining is its own choice
 * (always safe when a Primary component exists); bootstrapping only on the leader's order.
 */
import { galeraDecisionsName, memberName } from './names';

export interface AgentApiCall {
  group: string;
  resource: string;
  verb: 'get' | 'patch';
  /** Which objects RBAC allows (resourceNames), as a function of the database and its replicas. */
  resourceNames(database: string, replicas: number): string[];
  /** Why the agent needs it. */
  why: string;
  /** What narrows it beyond RBAC, if anything. */
  fence?: string;
}

const members = (database: string, replicas: number) => Array.from({ length: replicas }, (_, i) => memberName(database, i));

export const AGENT_API_CALLS = {
  /**
   * PATCH its own Pod: a JSON merge patch of one annotation, pxc-tls.dev/member-facts. RBAC narrows
   * `patch` to the database's pod names only, not to one pod nor to one field: the
   * ValidatingAdmissionPolicy `pxc-tls-agent-member-facts-only` refuses a patch of any pod but the
   * one the token was issued for (`authentication.kubernetes.io/pod-name` in the token's extra
   * claims) and any change but that annotation.
   */
  patchOwnPod: {
    group: '', resource: 'pods', verb: 'patch',
    resourceNames: members,
    why: 'publish the member\'s facts, which the watcher\'s leader decides bootstraps from',
    fence: 'ValidatingAdmissionPolicy pxc-tls-agent-member-facts-only: its own pod only, that annotation only',
  },
  /** GET the database's StatefulSet: the member count (spec.replicas) for peer-list and the peers to ask. */
  getStatefulSet: {
    group: 'apps', resource: 'statefulsets', verb: 'get',
    resourceNames: (database: string) => [database],
    why: 'the number of members (the pod template\'s environment would go stale on a scale)',
  },
  /** GET the leader's decisions ConfigMap: a bootstrap order for this member and round. */
  getDecisions: {
    group: '', resource: 'configmaps', verb: 'get',
    resourceNames: (database: string) => [galeraDecisionsName(database)],
    why: 'read the bootstrap orders of the watcher\'s leader',
  },
} as const satisfies Record<string, AgentApiCall>;

export type AgentApiCallName = keyof typeof AGENT_API_CALLS;

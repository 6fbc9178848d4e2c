/**
 * The database's NetworkPolicies (ingress only; egress is left alone). Once one policy selects a
 * pod, every connection to it that no policy allows is dropped, so together they say exactly who
 * reaches which port:
 *   - `<db>-members`: Galera replication, IST, SST and the agent — only from the database's own pods;
 *   - `<db>-mysql`:   mysqld's port — from anywhere (the default: applications in other namespaces
 *                     keep working), or from the database's pods, the watcher's pods
 *                     (`networkPolicies.watcherFrom`: its served-certificate probe connects there)
 *                     and the peers the function config names (`networkPolicies.mysqlFrom`);
 *   - `<db>-metrics`: the exporter's port — from the monitoring namespace, when monitored.
 * Anything else the pods might listen on (the X protocol, PXC's admin port) is closed. Ports are
 * numbers, not names: a named port matches only where a container declares it.
 */
import type { V1NetworkPolicyPeer } from '@kubernetes/client-node';
import { DB_PORT, GALERA_PORTS } from '../model/kubedb';
import { AGENT_PORT, NAMESPACE_NAME_LABEL, NETWORK_POLICY_SUFFIX, WORKLOAD_SYNC_WAVE } from '../model/project';
import { NetworkPolicy, NetworkPolicyIngressRule } from './kube';
import { renderedMeta } from './meta';
import { DatabaseModel } from './resolve';

/** The ports only members use (pxc-docs secure-network.md: 4567 write-sets, 4568 IST, 4444 SST via xtrabackup), and the agent's. */
export const MEMBER_PORTS: readonly number[] = [...GALERA_PORTS.map((p) => p.containerPort), AGENT_PORT];

export function networkPolicyName(db: string, purpose: keyof typeof NETWORK_POLICY_SUFFIX): string {
  return `${db}-${NETWORK_POLICY_SUFFIX[purpose]}`;
}

function tcp(ports: readonly number[]): Array<{ protocol: string; port: number }> {
  return ports.map((port) => ({ protocol: 'TCP', port }));
}

function policy(model: DatabaseModel, name: string, ingress: NetworkPolicyIngressRule[]): NetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: renderedMeta(model, name, { syncWave: WORKLOAD_SYNC_WAVE }),
    spec: { podSelector: { matchLabels: { ...model.selector } }, policyTypes: ['Ingress'], ingress },
  };
}

/** The database's own pods: same namespace (a podSelector alone never reaches beyond it), same selector. */
function members(model: DatabaseModel): V1NetworkPolicyPeer {
  return { podSelector: { matchLabels: { ...model.selector } } };
}

export function renderNetworkPolicies(model: DatabaseModel): NetworkPolicy[] {
  const options = model.options.networkPolicies;
  if (!options.enabled) return [];
  const policies = [policy(model, networkPolicyName(model.name, 'members'), [{ from: [members(model)], ports: tcp(MEMBER_PORTS) }])];
  // No `from`: every source. With mysqlFrom, the database's own pods and the watcher's are always among the sources.
  const mysqlRule: NetworkPolicyIngressRule = options.mysqlFrom ? { from: [members(model), ...options.watcherFrom, ...options.mysqlFrom], ports: tcp([DB_PORT]) } : { ports: tcp([DB_PORT]) };
  policies.push(policy(model, networkPolicyName(model.name, 'mysql'), [mysqlRule]));
  if (model.monitored) {
    const monitoring: V1NetworkPolicyPeer = { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: options.monitoringNamespace } } };
    policies.push(policy(model, networkPolicyName(model.name, 'metrics'), [{ from: [monitoring], ports: tcp([model.exporterPort]) }]));
  }
  return policies;
}

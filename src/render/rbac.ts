/**
 * The identity the database pods run as: a ServiceAccount (KubeDB's default is named like the
 * database) and a Role with the agent's rights (KubeDB's own Role, for its closed coordinator, is
 * not public).
 */
import { AGENT_API_CALLS } from '../model/agent-api';
import { Role, RoleBinding, ServiceAccount } from './kube';
import { renderedMeta } from './meta';
import { DatabaseModel } from './resolve';
import { WORKLOAD_SYNC_WAVE } from '../model/project';

/** AM: the ServiceAccount defaults to the database's name unless the pod template names one. */
export function serviceAccountNameOf(model: DatabaseModel): string {
  const name = model.source.spec?.podTemplate?.spec?.serviceAccountName;
  return typeof name === 'string' && name !== '' ? name : model.name;
}

/** Only a defaulted ServiceAccount is ours to render; a named one belongs to the user. */
export function renderServiceAccount(model: DatabaseModel): ServiceAccount | undefined {
  if (serviceAccountNameOf(model) !== model.name) return undefined;
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: renderedMeta(model, model.name, { syncWave: WORKLOAD_SYNC_WAVE }) };
}

/**
 * The rights of the database pods' ServiceAccount: the agent's, each from its entry in
 * src/model/agent-api.ts (the list the agent's requests go through), scoped by resourceNames —
 * patch its database's pods (fenced to its own pod's facts annotation by the admission policy in
 * examples/watcher), get its StatefulSet, get the decisions ConfigMap. Nothing for the database
 * container: KubeDB's init scripts call no API.
 */
export function renderRole(model: DatabaseModel): Role {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: renderedMeta(model, model.name, { syncWave: WORKLOAD_SYNC_WAVE }),
    rules: Object.values(AGENT_API_CALLS).map((call) => ({
      apiGroups: [call.group],
      resources: [call.resource],
      resourceNames: call.resourceNames(model.name, model.replicas),
      verbs: [call.verb],
    })),
  };
}

export function renderRoleBinding(model: DatabaseModel): RoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: renderedMeta(model, model.name, { syncWave: WORKLOAD_SYNC_WAVE }),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: model.name },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccountNameOf(model), namespace: model.namespace }],
  };
}

/**
 * The identity the database pods run as: a ServiceAccount (KubeDB's default is named like the
 * database) and a Role for the coordinator sidecar. KubeDB's own Role is not public; these rules
 * are inferred from what the coordinator and entrypoint read (pods of the database, its Secrets,
 * events, the PerconaXtraDB object), each kept to the database's own objects where RBAC allows.
 */
import { KUBEDB_GROUP } from '../model/kubedb';
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

export function renderRole(model: DatabaseModel): Role {
  const secrets = [model.authSecretName, model.monitorSecretName, model.replicationSecretName, ...Object.values(model.certificates).map((c) => c.secretName)];
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: renderedMeta(model, model.name, { syncWave: WORKLOAD_SYNC_WAVE }),
    rules: [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'patch'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: [...new Set(secrets)], verbs: ['get'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
      { apiGroups: [KUBEDB_GROUP], resources: ['perconaxtradbs'], resourceNames: [model.name], verbs: ['get'] },
    ],
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

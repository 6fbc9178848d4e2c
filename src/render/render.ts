/** Everything rendered for one database, in a stable order. */
import { renderCertificate } from './certificate';
import { renderExporterConfig } from './exporter-config';
import { RenderedObject } from './kube';
import { CERT_ALIASES } from '../model/kubedb';
import { DatabaseModel, MAX_COMMON_NAME_LENGTH } from './resolve';
import { Problem, warning } from './problems';
import { renderRole, renderRoleBinding, renderServiceAccount } from './rbac';
import { renderPlaceholderSecret } from './secret';
import { renderGoverningService, renderPrimaryService, renderStatsService } from './service';
import { renderNetworkPolicies } from './network-policy';
import { renderPodDisruptionBudget } from './pdb';
import { resourceWarnings } from './resources';
import { trustWarnings } from './trust';
import { renderStatefulSet } from './statefulset';
import { UNRENDERED_POD_FIELDS } from './user-template';

export function renderDatabase(model: DatabaseModel): RenderedObject[] {
  const certificates = CERT_ALIASES.map((alias) => model.certificates[alias]);
  // Placeholders before their Certificates: `kubectl apply -f` sends objects in file order, and a
  // placeholder arriving after cert-manager created the Secret would be refused (type is immutable).
  const objects: RenderedObject[] = [...certificates.map((c) => renderPlaceholderSecret(model, c)), ...certificates.map((c) => renderCertificate(model, c))];
  if (model.options.mode === 'kubedb') return objects;
  objects.push(renderPrimaryService(model), renderGoverningService(model));
  if (model.monitored) objects.push(renderStatsService(model), renderExporterConfig(model));
  const serviceAccount = renderServiceAccount(model);
  if (serviceAccount) objects.push(serviceAccount);
  objects.push(renderRole(model), renderRoleBinding(model), ...renderNetworkPolicies(model));
  const budget = renderPodDisruptionBudget(model);
  if (budget) objects.push(budget);
  objects.push(renderStatefulSet(model));
  return objects;
}

/** StatefulSet pods carry `controller-revision-hash: <name>-<hash>`, a label value of at most 63 characters. */
const MAX_STATEFULSET_NAME_LENGTH = 52;

/** What the user should know about a rendering that succeeded. */
export function renderWarnings(model: DatabaseModel): Problem[] {
  const problems: Problem[] = [];
  if (model.options.mode === 'kubedb') return problems;
  if (model.name.length > MAX_STATEFULSET_NAME_LENGTH) {
    problems.push(warning('metadata.name', `is ${model.name.length} characters: the StatefulSet's pods cannot be created when its name exceeds ${MAX_STATEFULSET_NAME_LENGTH} (their controller-revision-hash label would pass 63)`));
  }
  if (!model.certificates.server.commonName) {
    problems.push(warning('metadata.name', `the server certificate has no common name: ${model.name}.${model.namespace}.svc exceeds ${MAX_COMMON_NAME_LENGTH} bytes; its DNS names carry the same names`));
  }
  problems.push(...trustWarnings(model), ...resourceWarnings(model));
  const template = model.source.spec?.podTemplate?.spec ?? {};
  for (const field of UNRENDERED_POD_FIELDS) {
    if (template[field] !== undefined) problems.push(warning(`spec.podTemplate.spec.${field}`, 'refers to a KubeDB PlacementPolicy, which pxc-tls cannot resolve; set affinity, tolerations or nodeSelector instead'));
  }
  return problems;
}

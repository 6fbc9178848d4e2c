/**
 * The database's PodDisruptionBudget, as KubeDB syncs one for its PetSet (AM pkg/controller/lib.go
 * SyncPetSetPodDisruptionBudget; that the PXC operator calls it is inferred, kubedb-startup.md §12):
 * named like the workload, its labels and selector, `maxUnavailable = max(1, floor((replicas−1)/2))`
 * — a drain takes at most a minority of the Galera members at once. None while halted (no pods;
 * KubeDB deletes it at replicas ≤ 1).
 */
import { WORKLOAD_SYNC_WAVE } from '../model/project';
import { PodDisruptionBudget } from './kube';
import { renderedMeta } from './meta';
import { DatabaseModel } from './resolve';

export function maxUnavailable(replicas: number): number {
  return Math.max(1, Math.floor((replicas - 1) / 2));
}

export function renderPodDisruptionBudget(model: DatabaseModel): PodDisruptionBudget | undefined {
  if (model.halted || model.replicas <= 1) return undefined;
  const labels = { ...model.labels, ...model.source.spec?.podTemplate?.controller?.labels };
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: renderedMeta(model, model.name, { labels, syncWave: WORKLOAD_SYNC_WAVE }),
    spec: { maxUnavailable: maxUnavailable(model.replicas), selector: { matchLabels: { ...model.selector } } },
  };
}

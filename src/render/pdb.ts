/**
 * The database's PodDisruptionBudget as KubeDB syncs it for its workload (AM pkg/controller/lib.go
 * SyncPetSetPodDisruptionBudget; that the PXC operator calls it is inferred, kubedb-startup.md §12):
 * named like the database, the workload's labels and selector, maxUnavailable =
 * max(1, ⌊(replicas−1)/2⌋) — 1 of 3, 2 of 5: a drain never takes a Galera cluster below its quorum —
 * and none for a single replica. (KubeDB also sets the PetSet as its owner; a rendered object cannot
 * know the UID.)
 */
import { podDisruptionBudgetMaxUnavailable } from '../model/kubedb';
import { WORKLOAD_SYNC_WAVE } from '../model/project';
import type { PodDisruptionBudget } from './kube';
import { renderedMeta } from './meta';
import { DatabaseModel } from './resolve';

/** maxUnavailable for a number of members (at least 1, even where no budget is rendered). */
export function maxUnavailable(replicas: number): number {
  return podDisruptionBudgetMaxUnavailable(replicas) ?? 1;
}

export function renderPodDisruptionBudget(model: DatabaseModel): PodDisruptionBudget | undefined {
  // None while halted: no pods (KubeDB deletes it at replicas ≤ 1).
  const budget = model.halted ? undefined : podDisruptionBudgetMaxUnavailable(model.replicas);
  if (budget === undefined) return undefined;
  const labels = { ...model.labels, ...model.source.spec?.podTemplate?.controller?.labels };
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: renderedMeta(model, model.name, { labels, syncWave: WORKLOAD_SYNC_WAVE }),
    spec: { maxUnavailable: budget, selector: { matchLabels: { ...model.selector } } },
  };
}

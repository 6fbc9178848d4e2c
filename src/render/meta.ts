/** Metadata every rendered object carries: namespace, labels, and the annotation naming its database. */
import { ObjectMeta } from './kube';
import { DatabaseModel } from './resolve';
import { ARGO_SYNC_WAVE_ANNOTATION, GENERATED_FROM_ANNOTATION } from '../model/project';

export function renderedMeta(model: DatabaseModel, name: string, options: { labels?: Record<string, string>; annotations?: Record<string, string>; syncWave?: string } = {}): ObjectMeta {
  const annotations: Record<string, string> = { ...options.annotations, [GENERATED_FROM_ANNOTATION]: model.name };
  if (model.options.argoSyncWaves && options.syncWave !== undefined) annotations[ARGO_SYNC_WAVE_ANNOTATION] = options.syncWave;
  return { name, namespace: model.namespace, labels: options.labels ?? model.labels, annotations };
}

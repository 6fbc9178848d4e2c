import { DEFAULT_RENDER_OPTIONS } from '../model/options';
import { AGENT_IMAGE, perconaXtraDB, withSpec } from '../test-support/fixtures';
import { renderPodDisruptionBudget } from './pdb';
import { renderRole } from './rbac';
import { resolveDatabase } from './resolve';

const model = (replicas: number) => resolveDatabase(perconaXtraDB('sample-pxc', withSpec({ replicas })), { ...DEFAULT_RENDER_OPTIONS, images: { versions: {}, mirror: {}, agent: AGENT_IMAGE } });

describe('PodDisruptionBudget (AM SyncPetSetPodDisruptionBudget): maxUnavailable = max(1, ⌊(replicas−1)/2⌋), the workload\'s selector', () => {
  test.each([[3, 1], [4, 1], [5, 2], [7, 3]])('%i replicas → maxUnavailable %i', (replicas, max) => {
    const pdb = renderPodDisruptionBudget(model(replicas))!;
    expect(pdb.spec).toEqual({ maxUnavailable: max, selector: { matchLabels: { 'app.kubernetes.io/name': 'perconaxtradbs.kubedb.com', 'app.kubernetes.io/instance': 'sample-pxc', 'app.kubernetes.io/managed-by': 'kubedb.com' } } });
    expect(pdb.metadata.name).toBe('sample-pxc');
    expect(pdb.spec!.minAvailable).toBeUndefined();
  });
});

test('no PodDisruptionBudget while halted (no pods)', () => {
  const halted = resolveDatabase(perconaXtraDB('sample-pxc', withSpec({ halted: true })), { ...DEFAULT_RENDER_OPTIONS, images: { versions: {}, mirror: {}, agent: AGENT_IMAGE } });
  expect(renderPodDisruptionBudget(halted)).toBeUndefined();
});

test('the pods\' Role holds the agent\'s rights only, each scoped to its objects by name', () => {
  expect(renderRole(model(3)).rules).toEqual([
    { apiGroups: [''], resources: ['pods'], resourceNames: ['sample-pxc-0', 'sample-pxc-1', 'sample-pxc-2'], verbs: ['patch'] },
    { apiGroups: ['apps'], resources: ['statefulsets'], resourceNames: ['sample-pxc'], verbs: ['get'] },
    { apiGroups: [''], resources: ['configmaps'], resourceNames: ['sample-pxc-pxc-tls-galera'], verbs: ['get'] },
  ]);
});

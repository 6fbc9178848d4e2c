import { DEFAULT_RENDER_OPTIONS } from '../model/options';
import { perconaXtraDB, withSpec } from '../test-support/fixtures';
import { maxUnavailable, renderPodDisruptionBudget } from './pdb';
import { renderDatabase } from './render';
import { resolveDatabase } from './resolve';

const model = (...mods: Parameters<typeof withSpec>[0][]) => resolveDatabase(perconaXtraDB('orders', ...mods.map(withSpec)), { ...DEFAULT_RENDER_OPTIONS });

describe('the PodDisruptionBudget (KubeDB SyncPetSetPodDisruptionBudget)', () => {
  it.each([[3, 1], [4, 1], [5, 2], [7, 3]])('%d replicas → maxUnavailable %d (a minority of the members)', (replicas, expected) => expect(maxUnavailable(replicas)).toBe(expected));

  it('is named like the StatefulSet and selects exactly its pods', () => {
    const objects = renderDatabase(model({ podTemplate: { controller: { labels: { tier: 'db' } } } }));
    const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget')!;
    const sts = objects.find((o) => o.kind === 'StatefulSet')! as unknown as { metadata: { name?: string; labels?: Record<string, string> }; spec: { selector: unknown } };
    expect(pdb).toMatchObject({ apiVersion: 'policy/v1', metadata: { name: 'orders', namespace: 'demo', labels: sts.metadata.labels }, spec: { maxUnavailable: 1, selector: sts.spec.selector } });
    expect(pdb.spec).not.toHaveProperty('minAvailable');
  });

  it('is not rendered while the database is halted', () => {
    expect(renderPodDisruptionBudget(model({ halted: true }))).toBeUndefined();
  });
});

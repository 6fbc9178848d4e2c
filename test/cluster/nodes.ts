// Nodes for tests on the rig. kwok (started by control-plane.ts) manages only nodes carrying
// KWOK_NODE_ANNOTATION: it makes them Ready, renews their Leases and carries the pods bound to them
// to Running/Ready (and away when deleted) without running any container.
//
// Each test file makes its own *pool*: nodes labelled and tainted `pxc-tls.dev/test-pool=<pool>`,
// so only pods that select the pool and tolerate the taint (`poolPlacement`) land there, and pods of
// other test files stay unscheduled as before. A node without the kwok annotation (`plainNode`) is
// ignored by kwok: that is how a test registers a node for another kubelet (e.g. a sandbox kubelet
// that runs pods in network namespaces), which then reports its status itself.
import { KWOK_NODE_ANNOTATION } from './control-plane';
import { kubectlOk, waitFor } from './kube';

export const POOL_KEY = 'pxc-tls.dev/test-pool';
export const ZONE_KEY = 'topology.kubernetes.io/zone';
export const HOSTNAME_KEY = 'kubernetes.io/hostname';

export interface Pool {
  name: string;
  nodes: Array<{ name: string; zone: string }>;
}

/**
 * What a kwok node reports, as a kubelet registers its Node with its capacity: kwok keeps a status
 * it finds (its node-initialize stage) and otherwise reports no ephemeral-storage, which no real
 * kubelet does — the rendered pods request ephemeral-storage (src/render/resources.ts), and the
 * scheduler would find them no room.
 */
const KWOK_NODE_RESOURCES = { cpu: '1k', memory: '1Ti', pods: '1M', 'ephemeral-storage': '1Ti' };

function node(name: string, labels: Record<string, string>, annotations: Record<string, string>, taints: object[], status?: object): object {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { [HOSTNAME_KEY]: name, ...labels }, annotations }, spec: { taints }, ...(status ? { status } : {}) };
}

/** `perZone` kwok nodes in each zone, named `<pool>-<zone>-<i>`; resolves once all are Ready. */
export async function addKwokPool(pool: string, zones: string[], perZone: number): Promise<Pool> {
  const nodes = zones.flatMap((zone) => Array.from({ length: perZone }, (_, i) => ({ name: `${pool}-${zone}-${i}`, zone })));
  const objects = nodes.map((n) => node(n.name, { [ZONE_KEY]: n.zone, [POOL_KEY]: pool, type: 'kwok' },
    { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value }, [{ key: POOL_KEY, value: pool, effect: 'NoSchedule' }],
    { capacity: KWOK_NODE_RESOURCES, allocatable: KWOK_NODE_RESOURCES }));
  await kubectlOk(['create', '-f', '-'], { input: objects.map((o) => JSON.stringify(o)).join('\n') });
  for (const n of nodes) await waitFor(`node/${n.name}`, 'condition=Ready', { timeoutMs: 60_000 });
  return { name: pool, nodes };
}

/** What a pod template needs to be placed in the pool: its nodes and only them. */
export function poolPlacement(pool: Pool): { nodeSelector: Record<string, string>; tolerations: object[] } {
  return {
    nodeSelector: { [POOL_KEY]: pool.name },
    tolerations: [{ key: POOL_KEY, operator: 'Equal', value: pool.name, effect: 'NoSchedule' }],
  };
}

/** A node kwok leaves alone (no kwok annotation): its kubelet, whatever runs it, reports for it. */
export async function plainNode(name: string, labels: Record<string, string> = {}): Promise<void> {
  await kubectlOk(['create', '-f', '-'], { input: JSON.stringify(node(name, labels, {}, [])) });
}

export async function deletePool(pool: Pool): Promise<void> {
  await kubectlOk(['delete', 'node', ...pool.nodes.map((n) => n.name), '--wait=false']);
}

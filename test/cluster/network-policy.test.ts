// The rendered NetworkPolicies on the real kube-apiserver (issue 15.4). What the control plane
// proves: the policies are accepted (server-side apply, no warning) and stored as rendered; the
// reachability tables hold for the policies, pods and namespaces as the API server keeps them
// (its defaults applied, the namespaces' kubernetes.io/metadata.name label set by the server); and
// every selector of every policy selects, by the API server's own label-selector evaluation
// (`kubectl get -l`), exactly the pods and namespaces the evaluator of the tables selects.
// What it cannot prove: enforcement. The rig has no kubelet, no pod network and no CNI, so no
// packet is ever filtered here; which connection a CNI drops follows from the policy semantics the
// evaluator implements (src/render/testing/netpol-eval.ts, checked against the textbook cases).
import { allowed, peerMatches, policiesFor, selectorString, type Namespace, type Pod, type Policy } from '../../src/render/testing/netpol-eval';
import { defaultWatcherPeersIn, EXPECTED, formatTable, NAMESPACES, otherPods, parseTable, PORTS, RESTRICTED_MYSQL_FROM, SOURCES, templateLabels, type Table } from '../../src/render/testing/netpol-world';
import { kubectl, kubectlOk, getJson } from './kube';
import { asList, uniqueName, type KObject } from './render';
import { createPods } from '../watch/fixture';
import { database, renderWithPolicies } from './netpol-fixture';

jest.setTimeout(300_000);


interface Variant {
  name: keyof typeof EXPECTED;
  monitored: boolean;
  networkPolicies: Record<string, unknown>;
}
const VARIANTS: Variant[] = [
  { name: 'default', monitored: false, networkPolicies: {} },
  { name: 'monitored', monitored: true, networkPolicies: {} },
  { name: 'restricted', monitored: false, networkPolicies: { mysqlFrom: RESTRICTED_MYSQL_FROM } },
  { name: 'restricted-no-watcher', monitored: false, networkPolicies: { mysqlFrom: RESTRICTED_MYSQL_FROM, watcherFrom: [] } },
];



describe.each(VARIANTS.map((v) => [v.name, v] as const))('%s', (_name, variant) => {
  // The world's namespaces under fresh names on the shared control plane: <prefix>-demo, -apps, …
  const prefix = uniqueName(`np-${variant.name}`).slice(0, 40);
  const ns = (world: string) => `${prefix}-${world}`;
  const worldOf = new Map(NAMESPACES.map((n) => [ns(n.name), n.name]));
  let rendered: KObject[];
  let policies: Policy[];
  let pods: Pod[];
  let namespaces: Namespace[];

  beforeAll(async () => {
    for (const n of NAMESPACES) {
      await kubectlOk(['create', 'namespace', ns(n.name)]);
      const userLabels = Object.entries(n.labels).filter(([k]) => k !== 'kubernetes.io/metadata.name');
      if (userLabels.length) await kubectlOk(['label', 'namespace', ns(n.name), ...userLabels.map(([k, v]) => `${k}=${v}`)]);
    }
    // The world's namespaces have prefixed names here: the monitoring namespace and the watcher's
    // cluster-wide one (the default watcherFrom, renamed) follow them.
    const networkPolicies = { watcherFrom: defaultWatcherPeersIn(ns), ...variant.networkPolicies, monitoringNamespace: ns('monitoring') };
    rendered = renderWithPolicies([database('orders', ns('demo'), variant.monitored), database('ledger', ns('demo'), true)], networkPolicies);
    // Every rendered object, as a user's apply would send it.
    const apply = await kubectl(['apply', '--server-side', '--field-manager=pxc-tls-test', '-f', '-'], { input: asList(rendered) });
    if (apply.code !== 0) throw new Error(apply.stderr);
    expect(apply.stderr.trim()).toBe('');
    // The databases' pods from the StatefulSet controller (made by hand from the live template
    // where the rig runs without it) — all three, so the pods are settled before the comparisons;
    // the tables look at -0 and -1 — then the others.
    const liveSets = (await getJson<{ items: KObject[] }>(['get', 'statefulsets', '-n', ns('demo')])).items;
    for (const sts of liveSets) await createPods(ns('demo'), sts.metadata.name!, 3);
    const orders = liveSets.find((s) => s.metadata.name === 'orders')!;
    const podObjects = otherPods(templateLabels(orders)).map((p) => ({ ...p, namespace: ns(p.namespace) }));
    // A node selector no node has: the rig's scheduler leaves them Pending (they are API objects only).
    const nowhere = { 'pxc-tls.dev/test-pool': 'none' };
    const podItems = podObjects.map((p) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: p.name, namespace: p.namespace, labels: p.labels }, spec: { nodeSelector: nowhere, containers: [{ name: 'c', image: 'registry.invalid/pause:1' }] } }));
    await kubectlOk(['create', '-f', '-'], { input: asList(podItems) });
    // Everything as the API server keeps it.
    policies = (await getJson<{ items: Policy[] }>(['get', 'networkpolicies', '-n', ns('demo')])).items;
    const livePods = (await getJson<{ items: KObject[] }>(['get', 'pods', '-A'])).items.filter((p) => worldOf.has(p.metadata.namespace!));
    pods = livePods.map((p) => ({ namespace: p.metadata.namespace!, name: p.metadata.name!, labels: p.metadata.labels ?? {} }));
    namespaces = (await getJson<{ items: KObject[] }>(['get', 'namespaces'])).items.filter((n) => worldOf.has(n.metadata.name!)).map((n) => ({ name: n.metadata.name!, labels: n.metadata.labels ?? {} }));
  });

  afterAll(async () => {
    // Whether or not the rig's namespace controller finishes deleting them, the objects are harmless.
    for (const n of NAMESPACES) await kubectl(['delete', 'namespace', ns(n.name), '--wait=false']);
  });

  test('the API server stores the rendered policies as they were rendered (nothing pruned or changed)', () => {
    const renderedPolicies = rendered.filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.map((p) => p.metadata.name).sort()).toEqual(renderedPolicies.map((p) => p.metadata.name).sort());
    for (const p of renderedPolicies) expect(policies.find((l) => l.metadata.name === p.metadata.name)!.spec).toEqual(p.spec);
    expect(namespaces.every((n) => n.labels['kubernetes.io/metadata.name'] === n.name)).toBe(true);
  });

  test('the reachability table of orders-0 holds for the live policies, pods and namespaces', () => {
    const destination = pods.find((p) => p.name === 'orders-0')!;
    const table: Table = new Map();
    for (const name of SOURCES) {
      const source = pods.find((p) => p.name === name)!;
      table.set(name, new Map(PORTS.map((port) => [port, allowed({ source, destination, port }, policies, namespaces)])));
    }
    expect(formatTable(table)).toBe(formatTable(parseTable(EXPECTED[variant.name])));
  });

  test('every podSelector selects, by the API server\'s evaluation, exactly the pods the evaluator selects', async () => {
    for (const policy of policies) {
      const live = (await kubectlOk(['get', 'pods', '-n', policy.metadata.namespace!, '-l', selectorString(policy.spec.podSelector), '-o', 'name'])).trim().split('\n').filter(Boolean).map((n) => n.replace('pod/', '')).sort();
      const evaluated = pods.filter((p) => policiesFor(p, [policy]).length > 0).map((p) => p.name).sort();
      expect({ policy: policy.metadata.name, pods: live }).toEqual({ policy: policy.metadata.name, pods: evaluated });
    }
  });

  test('every peer of every rule selects, by the API server\'s evaluation, exactly the pods the evaluator lets in', async () => {
    let peers = 0;
    for (const policy of policies) {
      for (const rule of policy.spec.ingress ?? []) {
        for (const peer of rule.from ?? []) {
          peers++;
          // The namespaces the API server selects (a podSelector alone: the policy's own), then their pods.
          const selectedNamespaces = peer.namespaceSelector
            ? (await kubectlOk(['get', 'namespaces', '-l', selectorString(peer.namespaceSelector), '-o', 'name'])).trim().split('\n').map((n) => n.replace('namespace/', '')).filter((n) => worldOf.has(n))
            : [policy.metadata.namespace!];
          const live: string[] = [];
          for (const n of selectedNamespaces) {
            const args = ['get', 'pods', '-n', n, '-o', 'name', ...(peer.podSelector ? ['-l', selectorString(peer.podSelector)] : [])];
            live.push(...(await kubectlOk(args)).trim().split('\n').filter(Boolean).map((p) => p.replace('pod/', '')));
          }
          const evaluated = pods.filter((p) => peerMatches(peer, policy.metadata.namespace!, p, new Map(namespaces.map((x) => [x.name, x])))).map((p) => p.name);
          expect({ policy: policy.metadata.name, peer, pods: live.sort() }).toEqual({ policy: policy.metadata.name, peer, pods: evaluated.sort() });
        }
      }
    }
    expect(peers).toBeGreaterThan(0);
  });
});

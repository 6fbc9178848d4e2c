// The rendered NetworkPolicies enforced by a real policy engine (issue 15.4): kube-router's
// network-policy controller (iptables + ipset) on pods that are network namespaces of this machine
// (netpol-engine.ts), against the real control plane. For each variant, TCP connections from every
// pod of the small world (src/render/testing/netpol-world.ts) to every port of orders-0 are tried;
// which ones connect must be the reachability table written by hand, and what the evaluator of the
// unit tables computes from the same live objects. This validates the evaluator's answers on a
// real enforcement — kube-router's reading of the NetworkPolicy API, not every CNI's.
// Needs root for network namespaces; PXC_TLS_SKIP_NETPOL_ENFORCEMENT=1 skips it (say why).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { allowed, type Namespace, type Policy } from '../../src/render/testing/netpol-eval';
import { defaultWatcherPeersIn, EXPECTED, formatTable, NAMESPACES, otherPods, parseTable, PORTS, RESTRICTED_MYSQL_FROM, SOURCES, templateLabels, type Table } from '../../src/render/testing/netpol-world';
import { getJson, kubectl, kubectlOk } from './kube';
import { PolicyEngine, type EnginePod } from './netpol-engine';
import { asList, uniqueName, type KObject } from './render';
import { database, renderWithPolicies } from './netpol-fixture';

jest.setTimeout(600_000);

const SKIP = process.env.PXC_TLS_SKIP_NETPOL_ENFORCEMENT === '1';

interface Variant {
  name: 'default' | 'monitored' | 'restricted' | 'restricted-no-watcher' | 'disabled';
  monitored: boolean;
  networkPolicies: Record<string, unknown>;
}
const VARIANTS: Variant[] = [
  { name: 'default', monitored: false, networkPolicies: {} },
  { name: 'monitored', monitored: true, networkPolicies: {} },
  { name: 'restricted', monitored: false, networkPolicies: { mysqlFrom: RESTRICTED_MYSQL_FROM } },
  { name: 'restricted-no-watcher', monitored: false, networkPolicies: { mysqlFrom: RESTRICTED_MYSQL_FROM, watcherFrom: [] } },
  // The control: no policy, every port of orders-0 reachable from every pod — the "no"s of the
  // other variants are the engine's doing, not the test network's.
  { name: 'disabled', monitored: true, networkPolicies: { enabled: false } },
];



const engine = new PolicyEngine();
const worlds = new Map<string, { pods: Map<string, EnginePod>; namespaces: string[]; policiesNamespace: string }>();

(SKIP ? describe.skip : describe)('NetworkPolicies enforced by kube-router', () => {
  beforeAll(async () => {
    await engine.start();
    for (const variant of VARIANTS) {
      const prefix = uniqueName(`npe-${variant.name}`).slice(0, 40);
      const ns = (world: string) => `${prefix}-${world}`;
      for (const n of NAMESPACES) {
        await kubectlOk(['create', 'namespace', ns(n.name)]);
        const userLabels = Object.entries(n.labels).filter(([k]) => k !== 'kubernetes.io/metadata.name');
        if (userLabels.length) await kubectlOk(['label', 'namespace', ns(n.name), ...userLabels.map(([k, v]) => `${k}=${v}`)]);
      }
      // Prefixed namespaces: the monitoring namespace and the watcher's cluster-wide one (the default watcherFrom, renamed) follow them.
      const networkPolicies = { watcherFrom: defaultWatcherPeersIn(ns), ...variant.networkPolicies, monitoringNamespace: ns('monitoring') };
      const rendered = renderWithPolicies([database('orders', ns('demo'), variant.monitored), database('ledger', ns('demo'), true)], networkPolicies);
      // Not the StatefulSets: the engine makes the pods itself (API objects with the template's
      // labels, and their network namespaces); the rig's StatefulSet controller would make them too.
      await kubectlOk(['apply', '--server-side', '--field-manager=pxc-tls-test', '-f', '-'], { input: asList(rendered.filter((o) => o.kind !== 'StatefulSet')) });
      const sets = rendered.filter((o) => o.kind === 'StatefulSet');
      const orders = sets.find((s) => s.metadata.name === 'orders')!;
      const pods = new Map<string, EnginePod>();
      for (const sts of sets) for (const i of [0, 1]) pods.set(`${sts.metadata.name}-${i}`, await engine.addPod(ns('demo'), `${sts.metadata.name}-${i}`, templateLabels(sts)));
      for (const p of otherPods(templateLabels(orders))) pods.set(p.name, await engine.addPod(ns(p.namespace), p.name, p.labels));
      await engine.listen(pods.get('orders-0')!, PORTS);
      worlds.set(variant.name, { pods, namespaces: NAMESPACES.map((n) => ns(n.name)), policiesNamespace: ns('demo') });
    }
  });

  afterAll(async () => {
    await engine.stop();
    for (const world of worlds.values()) for (const n of world.namespaces) await kubectl(['delete', 'namespace', n, '--wait=false']);
  });

  /** What kube-router lets through to orders-0, per source and port. */
  async function enforced(variant: Variant['name']): Promise<Table> {
    const { pods } = worlds.get(variant)!;
    const destination = pods.get('orders-0')!;
    const rows = await Promise.all(SOURCES.map(async (name) => [name, await engine.probe(pods.get(name)!, destination, PORTS)] as const));
    return new Map(rows);
  }

  /** What the evaluator computes from the live policies, pods and namespaces of the variant. */
  async function evaluated(variant: Variant['name']): Promise<Table> {
    const world = worlds.get(variant)!;
    const policies = (await getJson<{ items: Policy[] }>(['get', 'networkpolicies', '-n', world.policiesNamespace])).items;
    const namespaces: Namespace[] = (await getJson<{ items: KObject[] }>(['get', 'namespaces'])).items
      .filter((n) => world.namespaces.includes(n.metadata.name!)).map((n) => ({ name: n.metadata.name!, labels: n.metadata.labels ?? {} }));
    const live = new Map<string, { namespace: string; name: string; labels: Record<string, string> }>();
    for (const n of world.namespaces) {
      for (const p of (await getJson<{ items: KObject[] }>(['get', 'pods', '-n', n])).items) live.set(p.metadata.name!, { namespace: n, name: p.metadata.name!, labels: p.metadata.labels ?? {} });
    }
    const destination = live.get('orders-0')!;
    return new Map(SOURCES.map((name) => [name, new Map(PORTS.map((port) => [port, allowed({ source: live.get(name)!, destination, port }, policies, namespaces)]))]));
  }

  test.each(VARIANTS.map((v) => [v.name] as const))('%s: the connections kube-router lets through are the table\'s and the evaluator\'s', async (variant) => {
    const expected = formatTable(parseTable(EXPECTED[variant]));
    expect(formatTable(await evaluated(variant))).toBe(expected);
    // kube-router applies what it watches within its sync: try again until it matches, for a bounded time.
    const deadline = Date.now() + 120_000;
    let table = formatTable(await enforced(variant));
    while (table !== expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2_000));
      table = formatTable(await enforced(variant));
    }
    if (table !== expected) process.stderr.write(`[netpol] kube-router log tail:\n${engine.log().slice(-4000)}\n`);
    process.stdout.write(`[netpol] ${variant}, enforced by kube-router (orders-0's ports):\n${table}\n`);
    expect(table).toBe(expected);
  });

  test('the watcher\'s policy (examples/watcher): ingress to its named probe/metrics port only, from anywhere', async () => {
    const ns = uniqueName('npe-watcher');
    const other = uniqueName('npe-elsewhere');
    for (const n of [ns, other]) await kubectlOk(['create', 'namespace', n]);
    const file = join(__dirname, '../../examples/watcher/base');
    const policy = parse(readFileSync(join(file, 'networkpolicy.yaml'), 'utf8')) as KObject;
    const deployment = parse(readFileSync(join(file, 'deployment.yaml'), 'utf8')) as KObject;
    await kubectlOk(['apply', '--server-side', '--field-manager=pxc-tls-test', '-n', ns, '-f', '-'], { input: JSON.stringify(policy) });
    const container = deployment.spec.template.spec.containers[0];
    const watcher = await engine.addPod(ns, 'pxc-tls-watch-0', deployment.spec.template.metadata.labels, container.ports.map((p: { name: string; containerPort: number }) => ({ name: p.name, containerPort: p.containerPort })));
    const neighbour = await engine.addPod(ns, 'neighbour', { app: 'neighbour' });
    const stranger = await engine.addPod(other, 'stranger', { app: 'stranger' });
    const port = container.ports[0].containerPort as number;
    await engine.listen(watcher, [port, 9090]);
    const expected = 'neighbour yes no\nstranger yes no';
    const deadline = Date.now() + 120_000;
    let got = '';
    do {
      if (got) await new Promise((r) => setTimeout(r, 2_000));
      const rows = await Promise.all([neighbour, stranger].map(async (s) => {
        const r = await engine.probe(s, watcher, [port, 9090]);
        return `${s.name} ${r.get(port) ? 'yes' : 'no'} ${r.get(9090) ? 'yes' : 'no'}`;
      }));
      got = rows.join('\n');
    } while (got !== expected && Date.now() < deadline);
    process.stdout.write(`[netpol] the watcher's ports ${port} (http) and 9090:\n${got}\n`);
    expect(got).toBe(expected);
    for (const n of [ns, other]) await kubectl(['delete', 'namespace', n, '--wait=false']);
  });

  test('the rules are kube-router\'s: a firewall chain for orders-0 of each variant, fed by the policies', () => {
    const rules = engine.rules();
    expect(rules).toMatch(/^:KUBE-POD-FW-/m);
    expect(rules).toMatch(/^:KUBE-NWPLCY-/m);
    expect(rules).toMatch(/--match-set KUBE-(SRC|DST)-/);
  });
});

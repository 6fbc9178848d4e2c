import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_RENDER_OPTIONS, DEFAULT_WATCHER_PEERS, NetworkPolicyOptions, RenderOptions } from '../model/options';
import { WATCHER_CLUSTER_WIDE_NAMESPACE } from '../model/project';
import { perconaXtraDB, withSpec } from '../test-support/fixtures';
import { KubeObject } from '../krm/types';
import { renderDatabase } from './render';
import { resolveDatabase } from './resolve';
import { allowed, policiesFor, Policy } from './testing/netpol-eval';
import { EXPECTED, formatTable, NAMESPACES, parseTable, podsOf, PORTS, RESTRICTED_MYSQL_FROM, SOURCES, Table, WATCHER_LABELS } from './testing/netpol-world';

const MONITOR = { monitor: { agent: 'prometheus.io/operator', prometheus: { exporter: { port: 56790 } } } };

function render(networkPolicies: Partial<NetworkPolicyOptions> = {}, monitored = false, mode: RenderOptions['mode'] = 'standalone'): KubeObject[] {
  const options: RenderOptions = { ...DEFAULT_RENDER_OPTIONS, mode, networkPolicies: { ...DEFAULT_RENDER_OPTIONS.networkPolicies, ...networkPolicies } };
  const orders = perconaXtraDB('orders', ...(monitored ? [withSpec(MONITOR)] : []));
  const ledger = perconaXtraDB('ledger', withSpec(MONITOR));
  return [...renderDatabase(resolveDatabase(orders, options)), ...renderDatabase(resolveDatabase(ledger, options))];
}

const policiesOf = (objects: KubeObject[]) => objects.filter((o) => o.kind === 'NetworkPolicy') as unknown as Policy[];
const statefulSetsOf = (objects: KubeObject[]) => objects.filter((o) => o.kind === 'StatefulSet');

/** Who reaches `destination`, computed from the policies, for every source pod but the destination. */
function reachability(objects: KubeObject[], destination: string): Table {
  const pods = podsOf(statefulSetsOf(objects));
  const dest = pods.find((p) => p.name === destination)!;
  const table: Table = new Map();
  for (const name of SOURCES) {
    const source = pods.find((p) => p.name === name)!;
    table.set(source.name, new Map(PORTS.map((port) => [port, allowed({ source, destination: dest, port }, policiesOf(objects), NAMESPACES)])));
  }
  return table;
}

describe('NetworkPolicies: who reaches which port of a database pod (orders-0), per port', () => {
  const cases: Array<[string, () => KubeObject[], string]> = [
    ['by default: Galera, IST, SST and the agent only from the same database\'s pods; mysqld from anywhere', () => render(), EXPECTED.default],
    ['monitored: the exporter\'s port from the monitoring namespace only', () => render({}, true), EXPECTED.monitored],
    ['with mysqlFrom: mysqld only from the database\'s pods, the watcher\'s (namespaced or cluster-wide) and the named peers', () => render({ mysqlFrom: RESTRICTED_MYSQL_FROM }), EXPECTED.restricted],
    ['with mysqlFrom and watcherFrom: []: the watcher is not admitted either', () => render({ mysqlFrom: RESTRICTED_MYSQL_FROM, watcherFrom: [] }), EXPECTED['restricted-no-watcher']],
    ['turned off: nothing rendered, nothing restricted', () => render({ enabled: false }, true), EXPECTED.disabled],
  ];
  it.each(cases)('%s', (_name, objects, expected) => {
    expect(formatTable(reachability(objects(), 'orders-0'))).toBe(formatTable(parseTable(expected)));
  });

  it('the other database in the namespace is fenced the same way: ledger-1 reaches ledger-0 on Galera, orders-1 does not', () => {
    const objects = render();
    const pods = podsOf(statefulSetsOf(objects));
    const pod = (name: string) => pods.find((p) => p.name === name)!;
    for (const port of [4567, 4568, 4444, 9608]) {
      expect({ port, ledger: allowed({ source: pod('ledger-1'), destination: pod('ledger-0'), port }, policiesOf(objects), NAMESPACES) }).toEqual({ port, ledger: true });
      expect({ port, orders: allowed({ source: pod('orders-1'), destination: pod('ledger-0'), port }, policiesOf(objects), NAMESPACES) }).toEqual({ port, orders: false });
    }
    // ledger is monitored, orders is not: only ledger's exporter port opens.
    expect(allowed({ source: pod('prometheus'), destination: pod('ledger-0'), port: 56790 }, policiesOf(objects), NAMESPACES)).toBe(true);
    expect(allowed({ source: pod('prometheus'), destination: pod('orders-0'), port: 56790 }, policiesOf(objects), NAMESPACES)).toBe(false);
  });

  it('each policy selects exactly its own database\'s pods: not the other database, not the impostor in another namespace', () => {
    const objects = render({}, true);
    const selected = Object.fromEntries(podsOf(statefulSetsOf(objects)).map((pod) => [pod.name, policiesFor(pod, policiesOf(objects)).map((p) => p.metadata.name).sort()]));
    expect(selected).toEqual({
      'orders-0': ['orders-pxc-tls-members', 'orders-pxc-tls-metrics', 'orders-pxc-tls-mysql'],
      'orders-1': ['orders-pxc-tls-members', 'orders-pxc-tls-metrics', 'orders-pxc-tls-mysql'],
      'ledger-0': ['ledger-pxc-tls-members', 'ledger-pxc-tls-metrics', 'ledger-pxc-tls-mysql'],
      'ledger-1': ['ledger-pxc-tls-members', 'ledger-pxc-tls-metrics', 'ledger-pxc-tls-mysql'],
      web: [],
      api: [],
      batch: [],
      prometheus: [],
      impostor: [],
      watch: [],
      'watch-system': [],
      'watch-impostor': [],
    });
  });
});

describe('the rendered NetworkPolicies', () => {
  const policy = (objects: KubeObject[], name: string) => objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === name) as KubeObject & { spec: any };

  it('are ingress-only (egress left to the CNI), on the database\'s selector, with numeric TCP ports', () => {
    const members = policy(render(), 'orders-pxc-tls-members');
    expect(members.apiVersion).toBe('networking.k8s.io/v1');
    expect(members.metadata).toMatchObject({ namespace: 'demo', annotations: { 'pxc-tls.dev/database': 'orders' } });
    expect(members.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'perconaxtradbs.kubedb.com', 'app.kubernetes.io/instance': 'orders', 'app.kubernetes.io/managed-by': 'kubedb.com' } },
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'perconaxtradbs.kubedb.com', 'app.kubernetes.io/instance': 'orders', 'app.kubernetes.io/managed-by': 'kubedb.com' } } }],
        ports: [{ protocol: 'TCP', port: 4567 }, { protocol: 'TCP', port: 4568 }, { protocol: 'TCP', port: 4444 }, { protocol: 'TCP', port: 9608 }],
      }],
    });
  });

  it('open mysqld to every source by default: a rule with ports and no from', () => {
    expect(policy(render(), 'orders-pxc-tls-mysql').spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 3306 }] }]);
  });

  it('restricted, admit the database\'s pods, then the watcher\'s, then the peers the config names', () => {
    const from = policy(render({ mysqlFrom: RESTRICTED_MYSQL_FROM }), 'orders-pxc-tls-mysql').spec.ingress[0].from;
    expect(from).toEqual([
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'perconaxtradbs.kubedb.com', 'app.kubernetes.io/instance': 'orders', 'app.kubernetes.io/managed-by': 'kubedb.com' } } },
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'pxc-tls-watch' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'pxc-tls-system' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'pxc-tls-watch' } } },
      ...RESTRICTED_MYSQL_FROM,
    ]);
  });

  it('admit the watcher where examples/watcher installs it: its pod labels, and cluster-wide/\'s namespace', () => {
    const repo = join(__dirname, '../..');
    const deployment = parse(readFileSync(join(repo, 'examples/watcher/base/deployment.yaml'), 'utf8'));
    const clusterWide = parse(readFileSync(join(repo, 'examples/watcher/cluster-wide/kustomization.yaml'), 'utf8'));
    expect(deployment.spec.template.metadata.labels).toEqual(WATCHER_LABELS);
    expect(clusterWide.namespace).toBe(WATCHER_CLUSTER_WIDE_NAMESPACE);
    // Every default peer selects the Deployment's pods by labels they carry.
    for (const peer of DEFAULT_WATCHER_PEERS) expect(deployment.spec.template.metadata.labels).toMatchObject(peer.podSelector!.matchLabels!);
  });

  it('follow the exporter port and the monitoring namespace the config names', () => {
    const objects = render({ monitoringNamespace: 'observability' }, true).filter((o) => o.metadata.namespace === 'demo');
    const orders = renderDatabase(resolveDatabase(perconaXtraDB('orders', withSpec({ monitor: { agent: 'prometheus.io/builtin', prometheus: { exporter: { port: 9104 } } } })), { ...DEFAULT_RENDER_OPTIONS, networkPolicies: { ...DEFAULT_RENDER_OPTIONS.networkPolicies, monitoringNamespace: 'observability' } }));
    expect(policy(orders, 'orders-pxc-tls-metrics').spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }], ports: [{ protocol: 'TCP', port: 9104 }] }]);
    expect(objects.length).toBeGreaterThan(0);
  });

  it('come before the StatefulSet (kubectl apply sends them first) and are not rendered in kubedb mode', () => {
    const kinds = renderDatabase(resolveDatabase(perconaXtraDB('orders'), { ...DEFAULT_RENDER_OPTIONS })).map((o) => o.kind);
    expect(kinds.lastIndexOf('NetworkPolicy')).toBeLessThan(kinds.indexOf('StatefulSet'));
    expect(render({}, true, 'kubedb').filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
  });
});

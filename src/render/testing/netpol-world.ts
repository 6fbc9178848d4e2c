/**
 * A small cluster to ask the rendered NetworkPolicies about: two databases (`orders`, `ledger`) in
 * `demo`, applications in `demo` and `apps`, Prometheus in `monitoring`, an impostor in `other`
 * that carries the orders pods' labels, and the watcher as examples/watcher installs it — in
 * `demo` (namespaced) and in `pxc-tls-system` (cluster-wide) — with a pod of `apps` wearing its
 * labels. The databases' pods carry the labels of their rendered StatefulSet's pod template.
 * Shared by the unit tables (network-policy.test.ts) and the control-plane tests
 * (test/cluster/network-policy*.test.ts), which create the same objects.
 */
import type { KubeObject } from '../../krm/types';
import { LABEL } from '../../model/kubedb';
import { DEFAULT_WATCHER_PEERS, PeerSelector } from '../../model/options';
import { NAMESPACE_NAME_LABEL, WATCHER_APP_NAME, WATCHER_CLUSTER_WIDE_NAMESPACE } from '../../model/project';
import type { Namespace, Pod } from './netpol-eval';

/** Ports the tables look at: mysqld, Galera, IST, SST, the agent, the exporter, and one nobody opened (X protocol). */
export const PORTS = [3306, 4567, 4568, 4444, 9608, 56790, 33060] as const;

export const NAMESPACES: Namespace[] = ['demo', 'apps', 'monitoring', 'other', WATCHER_CLUSTER_WIDE_NAMESPACE].map((name) => ({
  name,
  // The API server sets kubernetes.io/metadata.name on every namespace; `team` is a user label.
  labels: { [NAMESPACE_NAME_LABEL]: name, ...(name === 'apps' ? { team: 'shop' } : {}) },
}));

export function templateLabels(statefulSet: KubeObject): Record<string, string> {
  const labels = (statefulSet.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template?.metadata?.labels;
  if (!labels) throw new Error(`StatefulSet ${statefulSet.metadata.name} has no pod template labels`);
  return labels;
}

/** The watcher's pod labels, as examples/watcher/base/deployment.yaml gives them (network-policy.test.ts checks). */
export const WATCHER_LABELS: Readonly<Record<string, string>> = { [LABEL.name]: WATCHER_APP_NAME, [LABEL.component]: 'watcher' };

/** Where a pod of the world runs and its labels; `orders` stands for the orders pods' own labels. */
interface OtherPod {
  namespace: string;
  name: string;
  labels: Readonly<Record<string, string>> | 'orders';
}
const OTHER_PODS: readonly OtherPod[] = [
  { namespace: 'demo', name: 'web', labels: { app: 'web' } },
  { namespace: 'apps', name: 'api', labels: { app: 'api' } },
  { namespace: 'apps', name: 'batch', labels: { app: 'batch' } },
  { namespace: 'monitoring', name: 'prometheus', labels: { app: 'prometheus' } },
  // Same labels as the orders pods, in another namespace: a podSelector alone must not reach it.
  { namespace: 'other', name: 'impostor', labels: 'orders' },
  // The watcher, namespaced (beside the databases) and cluster-wide; its served-certificate probe connects to 3306.
  { namespace: 'demo', name: 'watch', labels: WATCHER_LABELS },
  { namespace: WATCHER_CLUSTER_WIDE_NAMESPACE, name: 'watch-system', labels: WATCHER_LABELS },
  // The watcher's labels on a pod of another namespace: not the watcher.
  { namespace: 'apps', name: 'watch-impostor', labels: WATCHER_LABELS },
];

/** The pods besides the databases', with the orders pods' labels filled in. */
export function otherPods(ordersLabels: Record<string, string>): Pod[] {
  return OTHER_PODS.map((p) => ({ namespace: p.namespace, name: p.name, labels: p.labels === 'orders' ? { ...ordersLabels } : { ...p.labels } }));
}

/** The rows of every table: who tries to reach orders-0. */
export const SOURCES: readonly string[] = ['orders-1', 'ledger-0', ...OTHER_PODS.map((p) => p.name)];

/** The pods, by name: `<db>-<i>` from each rendered StatefulSet, then the others. */
export function podsOf(statefulSets: readonly KubeObject[]): Pod[] {
  const pods: Pod[] = [];
  for (const sts of statefulSets) {
    for (const i of [0, 1]) pods.push({ namespace: sts.metadata.namespace!, name: `${sts.metadata.name}-${i}`, labels: templateLabels(sts) });
  }
  const orders = statefulSets.find((s) => s.metadata.name === 'orders');
  if (!orders) throw new Error('the world needs the orders StatefulSet');
  return [...pods, ...otherPods(templateLabels(orders))];
}

/**
 * The default watcherFrom with its namespace names mapped: the control-plane tests create the
 * world's namespaces under prefixed names (`<prefix>-pxc-tls-system`).
 */
export function defaultWatcherPeersIn(ns: (world: string) => string): PeerSelector[] {
  return DEFAULT_WATCHER_PEERS.map((peer) => {
    const name = peer.namespaceSelector?.matchLabels?.[NAMESPACE_NAME_LABEL];
    return name === undefined ? structuredClone(peer) : { ...structuredClone(peer), namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: ns(name) } } };
  });
}

/**
 * A reachability table as text: a header of ports, then one row per source pod, `yes`/`no` per
 * port — what the source may open to the destination pod.
 */
export type Table = Map<string, Map<number, boolean>>;

export function parseTable(text: string): Table {
  const [header, ...rows] = text.trim().split('\n').map((line) => line.trim().split(/\s+/));
  const ports = header!.slice(1).map(Number);
  const table: Table = new Map();
  for (const [source, ...cells] of rows) {
    if (cells.length !== ports.length) throw new Error(`row ${source}: ${cells.length} cells for ${ports.length} ports`);
    table.set(source!, new Map(ports.map((port, i) => [port, cells[i] === 'yes'])));
  }
  return table;
}

export function formatTable(table: Table): string {
  const ports = [...table.values().next().value!.keys()];
  const width = Math.max(...[...table.keys()].map((k) => k.length)) + 2;
  const lines = [['source'.padEnd(width), ...ports.map((p) => String(p).padEnd(6))].join('')];
  for (const [source, cells] of table) lines.push([source.padEnd(width), ...ports.map((p) => (cells.get(p) ? 'yes' : 'no').padEnd(6))].join(''));
  return lines.join('\n');
}

/** Expected reachability of orders-0, by rendering. Reviewed by hand, not produced by the code under test. */
export const EXPECTED = {
  /** Default: members-only ports from orders pods only; mysqld open to all; the exporter port closed (not monitored). */
  default: `
    source          3306 4567 4568 4444 9608 56790 33060
    orders-1        yes  yes  yes  yes  yes  no    no
    ledger-0        yes  no   no   no   no   no    no
    web             yes  no   no   no   no   no    no
    api             yes  no   no   no   no   no    no
    batch           yes  no   no   no   no   no    no
    prometheus      yes  no   no   no   no   no    no
    impostor        yes  no   no   no   no   no    no
    watch           yes  no   no   no   no   no    no
    watch-system    yes  no   no   no   no   no    no
    watch-impostor  yes  no   no   no   no   no    no`,
  /** Monitored: the exporter port from the monitoring namespace only. */
  monitored: `
    source          3306 4567 4568 4444 9608 56790 33060
    orders-1        yes  yes  yes  yes  yes  no    no
    ledger-0        yes  no   no   no   no   no    no
    web             yes  no   no   no   no   no    no
    api             yes  no   no   no   no   no    no
    batch           yes  no   no   no   no   no    no
    prometheus      yes  no   no   no   no   yes   no
    impostor        yes  no   no   no   no   no    no
    watch           yes  no   no   no   no   no    no
    watch-system    yes  no   no   no   no   no    no
    watch-impostor  yes  no   no   no   no   no    no`,
  /**
   * mysqlFrom: web (its own namespace) and api (namespace apps): mysqld from those, the members and
   * the watcher (beside the databases, or in pxc-tls-system) only — not a pod of apps wearing the
   * watcher's labels.
   */
  restricted: `
    source          3306 4567 4568 4444 9608 56790 33060
    orders-1        yes  yes  yes  yes  yes  no    no
    ledger-0        no   no   no   no   no   no    no
    web             yes  no   no   no   no   no    no
    api             yes  no   no   no   no   no    no
    batch           no   no   no   no   no   no    no
    prometheus      no   no   no   no   no   no    no
    impostor        no   no   no   no   no   no    no
    watch           yes  no   no   no   no   no    no
    watch-system    yes  no   no   no   no   no    no
    watch-impostor  no   no   no   no   no   no    no`,
  /** mysqlFrom as above and watcherFrom: [] — the watcher is not admitted either (its probe connections time out). */
  'restricted-no-watcher': `
    source          3306 4567 4568 4444 9608 56790 33060
    orders-1        yes  yes  yes  yes  yes  no    no
    ledger-0        no   no   no   no   no   no    no
    web             yes  no   no   no   no   no    no
    api             yes  no   no   no   no   no    no
    batch           no   no   no   no   no   no    no
    prometheus      no   no   no   no   no   no    no
    impostor        no   no   no   no   no   no    no
    watch           no   no   no   no   no   no    no
    watch-system    no   no   no   no   no   no    no
    watch-impostor  no   no   no   no   no   no    no`,
  /** networkPolicies.enabled=false: nothing rendered, everything reaches everything. */
  disabled: `
    source          3306 4567 4568 4444 9608 56790 33060
    orders-1        yes  yes  yes  yes  yes  yes   yes
    ledger-0        yes  yes  yes  yes  yes  yes   yes
    web             yes  yes  yes  yes  yes  yes   yes
    api             yes  yes  yes  yes  yes  yes   yes
    batch           yes  yes  yes  yes  yes  yes   yes
    prometheus      yes  yes  yes  yes  yes  yes   yes
    impostor        yes  yes  yes  yes  yes  yes   yes
    watch           yes  yes  yes  yes  yes  yes   yes
    watch-system    yes  yes  yes  yes  yes  yes   yes
    watch-impostor  yes  yes  yes  yes  yes  yes   yes`,
} as const;

/** The mysqlFrom of the `restricted` table: web in the database's namespace, api in namespace apps. */
export const RESTRICTED_MYSQL_FROM = [
  { podSelector: { matchLabels: { app: 'web' } } },
  { namespaceSelector: { matchLabels: { team: 'shop' } }, podSelector: { matchExpressions: [{ key: 'app', operator: 'In' as const, values: ['api'] }] } },
];

/**
 * A small evaluator of Kubernetes NetworkPolicy ingress semantics (networking.k8s.io/v1, as the
 * API reference and the "Network Policies" concept page define them), for the tables that say
 * who reaches which port of a database. Test support only: it is what the tables are computed
 * with, and test/cluster checks its selector answers against the real API server's.
 *
 * The rules it implements:
 *  - a policy applies to a pod in its own namespace whose labels match spec.podSelector
 *    (an empty selector matches every pod), when policyTypes holds Ingress (or, unset, always);
 *  - no policy applies to the pod: every connection is allowed;
 *  - otherwise a connection is allowed when some rule of some applying policy allows it
 *    (policies and rules add up; nothing denies): its `from` is absent/empty (every source) or a
 *    peer matches the source, and its `ports` is absent/empty (every port) or one matches;
 *  - a peer: podSelector alone → pods of the policy's namespace; namespaceSelector alone → every
 *    pod of the matching namespaces; both → matching pods of matching namespaces;
 *  - a port: protocol (default TCP) and number, or a name resolved against the destination pod's
 *    container ports, and endPort for a range.
 * Not modelled (the rendered policies use none of it): ipBlock, egress, traffic from outside the
 * cluster and from the node (always allowed by CNIs for probes).
 */
import type { LabelSelector } from '../../model/options';

export interface Namespace {
  name: string;
  labels: Record<string, string>;
}

export interface Pod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** Named container ports, for policies that name ports. */
  ports?: Array<{ name: string; containerPort: number; protocol?: string }>;
}

export interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: unknown;
}

export interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

export interface Policy {
  metadata: { name?: string; namespace?: string };
  spec: {
    podSelector?: LabelSelector;
    policyTypes?: string[];
    ingress?: Array<{ from?: PolicyPeer[]; ports?: PolicyPort[] }>;
    egress?: unknown[];
  };
}

export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const ok =
      e.operator === 'In' ? has && (e.values ?? []).includes(labels[e.key]!)
      : e.operator === 'NotIn' ? !has || !(e.values ?? []).includes(labels[e.key]!)
      : e.operator === 'Exists' ? has
      : !has;
    if (!ok) return false;
  }
  return true;
}

function hasIngress(policy: Policy): boolean {
  const types = policy.spec.policyTypes;
  return types === undefined || types.length === 0 ? true : types.includes('Ingress');
}

/** The policies that select `pod` for ingress. */
export function policiesFor(pod: Pod, policies: readonly Policy[]): Policy[] {
  return policies.filter((p) => p.metadata.namespace === pod.namespace && hasIngress(p) && selectorMatches(p.spec.podSelector, pod.labels));
}

/** Whether `source` is one of the pods a peer of a policy in `policyNamespace` names. */
export function peerMatches(peer: PolicyPeer, policyNamespace: string, source: Pod, namespaces: ReadonlyMap<string, Namespace>): boolean {
  if (peer.ipBlock !== undefined) throw new Error('ipBlock peers are not modelled');
  if (!peer.podSelector && !peer.namespaceSelector) throw new Error('a peer needs a selector');
  const sourceNamespace = namespaces.get(source.namespace);
  if (!sourceNamespace) throw new Error(`no namespace ${source.namespace} in the fixture`);
  const namespaceOk = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, sourceNamespace.labels) : source.namespace === policyNamespace;
  const podOk = peer.podSelector ? selectorMatches(peer.podSelector, source.labels) : true;
  return namespaceOk && podOk;
}

function portMatches(port: PolicyPort, destination: Pod, number: number, protocol: string): boolean {
  if ((port.protocol ?? 'TCP') !== protocol) return false;
  if (port.port === undefined) return true;
  if (typeof port.port === 'string') {
    const named = destination.ports?.find((p) => p.name === port.port && (p.protocol ?? 'TCP') === protocol);
    return named?.containerPort === number;
  }
  return port.endPort === undefined ? port.port === number : number >= port.port && number <= port.endPort;
}

export interface Connection {
  source: Pod;
  destination: Pod;
  port: number;
  protocol?: string;
}

/** Whether the policies let `source` open a connection to `destination` on `port`. */
export function allowed(connection: Connection, policies: readonly Policy[], namespaces: readonly Namespace[]): boolean {
  const byName = new Map(namespaces.map((n) => [n.name, n]));
  const protocol = connection.protocol ?? 'TCP';
  const applying = policiesFor(connection.destination, policies);
  if (applying.length === 0) return true;
  return applying.some((p) =>
    (p.spec.ingress ?? []).some((rule) => {
      const fromOk = !rule.from || rule.from.length === 0 || rule.from.some((peer) => peerMatches(peer, p.metadata.namespace!, connection.source, byName));
      const portOk = !rule.ports || rule.ports.length === 0 || rule.ports.some((port) => portMatches(port, connection.destination, connection.port, protocol));
      return fromOk && portOk;
    }),
  );
}

/** A label selector in kubectl's `-l` syntax (`k=v,k in (a,b),k notin (a),k,!k`); the empty selector is ''. */
export function selectorString(selector: LabelSelector | undefined): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    parts.push(
      e.operator === 'In' ? `${e.key} in (${(e.values ?? []).join(',')})`
      : e.operator === 'NotIn' ? `${e.key} notin (${(e.values ?? []).join(',')})`
      : e.operator === 'Exists' ? e.key
      : `!${e.key}`,
    );
  }
  return parts.join(',');
}

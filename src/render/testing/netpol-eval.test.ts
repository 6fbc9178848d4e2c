// The evaluator against the textbook cases of the Kubernetes "Network Policies" concept page, so
// the reachability tables rest on the documented semantics, not on the code they test.
import { allowed, Namespace, Pod, Policy, PolicyPort, selectorMatches, selectorString } from './netpol-eval';

const NS: Namespace[] = [
  { name: 'a', labels: { 'kubernetes.io/metadata.name': 'a', env: 'prod' } },
  { name: 'b', labels: { 'kubernetes.io/metadata.name': 'b', env: 'dev' } },
];
const db: Pod = { namespace: 'a', name: 'db', labels: { role: 'db' }, ports: [{ name: 'mysql', containerPort: 3306 }] };
const frontA: Pod = { namespace: 'a', name: 'front-a', labels: { role: 'frontend' } };
const frontB: Pod = { namespace: 'b', name: 'front-b', labels: { role: 'frontend' } };
const otherB: Pod = { namespace: 'b', name: 'other-b', labels: { role: 'other' } };
const np = (spec: Policy['spec'], namespace = 'a'): Policy => ({ metadata: { name: 'p', namespace }, spec });

describe('the NetworkPolicy evaluator', () => {
  it('allows everything to a pod no policy selects (default allow)', () => {
    expect(allowed({ source: frontB, destination: db, port: 1 }, [np({ podSelector: { matchLabels: { role: 'x' } }, policyTypes: ['Ingress'] })], NS)).toBe(true);
  });

  it('denies everything to a selected pod with no ingress rule (default deny)', () => {
    expect(allowed({ source: frontA, destination: db, port: 3306 }, [np({ podSelector: {}, policyTypes: ['Ingress'] })], NS)).toBe(false);
  });

  it('ignores a policy of another namespace and one that is egress-only', () => {
    expect(allowed({ source: frontA, destination: db, port: 3306 }, [np({ podSelector: {}, policyTypes: ['Ingress'] }, 'b'), np({ podSelector: {}, policyTypes: ['Egress'] })], NS)).toBe(true);
  });

  it('reads namespaceSelector and podSelector in one peer as AND, in two peers as OR', () => {
    const and = np({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: 'dev' } }, podSelector: { matchLabels: { role: 'frontend' } } }] }] });
    const or = np({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: 'dev' } } }, { podSelector: { matchLabels: { role: 'frontend' } } }] }] });
    expect([frontA, frontB, otherB].map((s) => allowed({ source: s, destination: db, port: 3306 }, [and], NS))).toEqual([false, true, false]);
    expect([frontA, frontB, otherB].map((s) => allowed({ source: s, destination: db, port: 3306 }, [or], NS))).toEqual([true, true, true]);
  });

  it('confines a podSelector-only peer to the policy\'s own namespace', () => {
    const p = np({ podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'frontend' } } }] }] });
    expect(allowed({ source: frontA, destination: db, port: 3306 }, [p], NS)).toBe(true);
    expect(allowed({ source: frontB, destination: db, port: 3306 }, [p], NS)).toBe(false);
  });

  it('adds policies up: what one allows, another cannot take away', () => {
    const closed = np({ podSelector: {}, policyTypes: ['Ingress'] });
    const open = np({ podSelector: { matchLabels: { role: 'db' } }, ingress: [{ ports: [{ port: 3306 }] }] });
    expect(allowed({ source: frontB, destination: db, port: 3306 }, [closed, open], NS)).toBe(true);
    expect(allowed({ source: frontB, destination: db, port: 3307 }, [closed, open], NS)).toBe(false);
  });

  it('matches ports by number, by the destination\'s named port, by range, and by protocol (default TCP)', () => {
    const by = (ports: PolicyPort[]) => [np({ podSelector: {}, ingress: [{ ports }] })];
    expect(allowed({ source: frontA, destination: db, port: 3306 }, by([{ port: 'mysql' }]), NS)).toBe(true);
    expect(allowed({ source: frontA, destination: db, port: 3307 }, by([{ port: 'mysql' }]), NS)).toBe(false);
    expect(allowed({ source: frontA, destination: db, port: 4444 }, by([{ port: 4000, endPort: 5000 }]), NS)).toBe(true);
    expect(allowed({ source: frontA, destination: db, port: 5001 }, by([{ port: 4000, endPort: 5000 }]), NS)).toBe(false);
    expect(allowed({ source: frontA, destination: db, port: 53, protocol: 'UDP' }, by([{ port: 53 }]), NS)).toBe(false);
    expect(allowed({ source: frontA, destination: db, port: 53, protocol: 'UDP' }, by([{ protocol: 'UDP', port: 53 }]), NS)).toBe(true);
  });

  it('evaluates label selector expressions as the API does', () => {
    const labels = { app: 'web', tier: 'front' };
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] }, labels)).toBe(false);
  });

  it('writes selectors in kubectl\'s -l syntax', () => {
    expect(selectorString({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'NotIn', values: ['y'] }, { key: 'e', operator: 'Exists' }, { key: 'd', operator: 'DoesNotExist' }] }))
      .toBe('app=web,tier in (a,b),x notin (y),e,!d');
    expect(selectorString({})).toBe('');
  });
});

// examples/watcher/ against the code: RBAC grants exactly the API calls the watcher makes
// (api-calls.ts), selectors match labels, the Deployment runs `watch` with flags the parser
// accepts, hardened as promised. (test/watch/install.test.ts applies it to the real API server.)
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { API_CALLS, type ApiCall } from './api-calls';
import { parseFlags, WatchFlags } from './flags';
import { SCHEDULING_GATE } from '../model/project';
import { CONDITION_TYPE, VERDICT_ANNOTATION } from './record';

const DIR = resolve(__dirname, '..', '..', 'examples', 'watcher');
type Obj = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [k: string]: any };
const load = (file: string): Obj[] => parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => d.toJSON() as Obj).filter(Boolean);
/** The base's resources, as its kustomization.yaml lists them. */
const baseFiles: string[] = (parseAllDocuments(readFileSync(join(DIR, 'base', 'kustomization.yaml'), 'utf8'))[0]!.toJSON() as { resources: string[] }).resources;
const base = baseFiles.map((f) => `base/${f}`).flatMap(load);
const namespaced = [...base, ...load('role.yaml'), ...load('rolebinding.yaml')];
const clusterWide = [...base, ...load('cluster-wide/clusterrole.yaml')];
const one = (objs: Obj[], kind: string, name?: string) => {
  const found = objs.filter((o) => o.kind === kind && (!name || o.metadata.name === name));
  expect(found).toHaveLength(1);
  return found[0]!;
};

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
/** Every (group, resource, verb) a set of rules grants, as strings. */
function grants(rules: Rule[]): string[] {
  return rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`)))).sort();
}
function needed(scope: 'watched' | 'lease' | 'cluster'): string[] {
  return Object.values(API_CALLS).filter((c) => c.scope === scope).map((c) => `${c.group}/${c.resource}:${c.verb}`).sort();
}

describe('examples/watcher RBAC is exactly what the code calls', () => {
  test('the namespaced Role grants every call in the watched namespace, and nothing else (no wildcard)', () => {
    const role = one(namespaced, 'Role', 'pxc-tls-watch');
    expect(grants(role.rules)).toEqual(needed('watched'));
    expect(JSON.stringify(role.rules)).not.toContain('*');
  });

  test('the ClusterRole of cluster-wide/ grants the same and the cluster-scoped calls, and the leader Role only the Lease calls', () => {
    expect(grants(one(clusterWide, 'ClusterRole', 'pxc-tls-watch').rules)).toEqual([...needed('watched'), ...needed('cluster')].sort());
    expect(needed('cluster')).toEqual(['cert-manager.io/clusterissuers:get']);
    expect(grants(one(base, 'Role', 'pxc-tls-watch-leader-election').rules)).toEqual(needed('lease'));
  });

  test('every binding binds its role to the watcher\'s ServiceAccount', () => {
    const sa = one(base, 'ServiceAccount').metadata.name;
    for (const binding of [one(namespaced, 'RoleBinding', 'pxc-tls-watch'), one(base, 'RoleBinding', 'pxc-tls-watch-leader-election'), one(clusterWide, 'ClusterRoleBinding')]) {
      expect(binding.subjects).toEqual([expect.objectContaining({ kind: 'ServiceAccount', name: sa })]);
      const roles = [...namespaced, ...clusterWide].filter((o) => o.kind === binding.roleRef.kind && o.metadata.name === binding.roleRef.name);
      expect(roles.length).toBeGreaterThan(0);
    }
  });
});

describe('examples/watcher admission policies: every write RBAC cannot narrow is fenced', () => {
  // What each refuses is tested on the real API server (test/watch/policy.test.ts,
  // pod-policy.test.ts); here, that they are wired to this code. A new write call in api-calls.ts
  // (e.g. a ConfigMap) fails the first test until a policy in base/ covers it.
  // The watcher's (agent-policy.yaml, beside them in base/, fences the database pods' agents: its own tests).
  const policies = base.filter((o) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.labels?.['app.kubernetes.io/component'] === 'watcher');
  const covers = (p: Obj, group: string, resource: string, operation: string) =>
    p.spec.matchConstraints.resourceRules.some((r: { apiGroups: string[]; resources: string[]; operations: string[] }) =>
      r.apiGroups.includes(group) && r.resources.includes(resource) && r.operations.includes(operation));

  test('every patch or update the watcher may send to a watched namespace is checked by a policy', () => {
    const writes = Object.values(API_CALLS).filter((c: ApiCall) => c.scope === 'watched' && (c.verb === 'patch' || c.verb === 'update'));
    expect(writes.map((c) => `${c.group}/${c.resource}`).sort()).toEqual(['/configmaps', '/pods', '/pods/status', 'apps/statefulsets']);
    for (const c of writes) expect([c.resource, policies.filter((p) => covers(p, c.group, c.resource, 'UPDATE')).length]).toEqual([c.resource, 1]);
  });

  test('so is every create of an object the watcher names itself (its Galera decisions; Events are its own records)', () => {
    const creates = Object.values(API_CALLS).filter((c: ApiCall) => c.scope === 'watched' && c.verb === 'create' && c.resource !== 'events');
    expect(creates.map((c) => `${c.group}/${c.resource}`)).toEqual(['/configmaps']);
    for (const c of creates) expect([c.resource, policies.filter((p) => covers(p, c.group, c.resource, 'CREATE')).length]).toEqual([c.resource, 1]);
  });

  test('each policy fails closed, binds only the watcher\'s ServiceAccount, denies through its own binding, and says who may do what', () => {
    const sa = one(base, 'ServiceAccount').metadata.name;
    for (const policy of policies) {
      expect(policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
      expect(policy.spec.failurePolicy).toBe('Fail');
      expect(policy.spec.matchConditions).toEqual([{ name: 'the-watcher', expression: `request.userInfo.username.matches('^system:serviceaccount:[^:]+:${sa}$')` }]);
      const pattern = new RegExp(/matches\('(.*)'\)/.exec(policy.spec.matchConditions[0].expression)![1]!);
      expect(pattern.test(`system:serviceaccount:db-ns:${sa}`)).toBe(true);
      expect(pattern.test(`system:serviceaccount:db-ns:${sa}-other`)).toBe(false);
      expect(pattern.test('system:serviceaccount:kube-system:statefulset-controller')).toBe(false);
      expect(one(base, 'ValidatingAdmissionPolicyBinding', policy.metadata.name).spec).toEqual({ policyName: policy.metadata.name, validationActions: ['Deny'] });
      for (const v of policy.spec.validations) expect(v).toMatchObject({ reason: 'Forbidden', message: expect.stringMatching(new RegExp(`^${sa} may `)) });
    }
  });

  test('the pod policies name the gate and the condition type the watcher writes', () => {
    const gate = one(policies, 'ValidatingAdmissionPolicy', 'pxc-tls-watch-pod-gate-only');
    expect(gate.spec.variables).toContainEqual({ name: 'gate', expression: `'${SCHEDULING_GATE}'` });
    expect(gate.spec.matchConstraints.resourceRules).toEqual([{ apiGroups: [''], apiVersions: ['*'], operations: ['UPDATE'], resources: ['pods'] }]);
    const condition = one(policies, 'ValidatingAdmissionPolicy', 'pxc-tls-watch-pod-condition-only');
    expect(condition.spec.variables).toContainEqual({ name: 'conditionType', expression: `'${CONDITION_TYPE}'` });
    expect(condition.spec.matchConstraints.resourceRules).toEqual([{ apiGroups: [''], apiVersions: ['*'], operations: ['UPDATE'], resources: ['pods/status'] }]);
    for (const p of [gate, condition]) for (const v of p.spec.validations) expect(v.message).toContain(p === gate ? SCHEDULING_GATE : CONDITION_TYPE);
  });
});

describe('examples/watcher admission policy: patch on StatefulSets, for the verdict annotation only', () => {
  const policy = one(base, 'ValidatingAdmissionPolicy', 'pxc-tls-watch-statefulset-verdict-only');
  const binding = one(base, 'ValidatingAdmissionPolicyBinding', 'pxc-tls-watch-statefulset-verdict-only');

  test('both variants carry it and the pods\' (they are in the shared base)', () => {
    expect(baseFiles).toEqual(expect.arrayContaining(['statefulset-policy.yaml', 'pod-policy.yaml']));
    expect(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')).toMatch(/^ {2}- base$/m);
    expect(readFileSync(join(DIR, 'cluster-wide', 'kustomization.yaml'), 'utf8')).toMatch(/^ {2}- \.\.\/base$/m);
  });

  test('it guards the annotation the watcher writes, for the watcher\'s ServiceAccount, on every update of the resource RBAC lets it patch', () => {
    expect(policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.variables).toContainEqual({ name: 'key', expression: `'${VERDICT_ANNOTATION}'` });
    expect(policy.spec.matchConstraints.resourceRules).toEqual([{ apiGroups: ['apps'], apiVersions: ['*'], operations: ['UPDATE'], resources: ['statefulsets'] }]);
    const patchable = Object.values(API_CALLS).filter((c) => c.verb === 'patch' && c.group === 'apps').map((c) => c.resource);
    expect(patchable).toEqual(['statefulsets']);
    const sa = one(base, 'ServiceAccount').metadata.name;
    const [condition] = policy.spec.matchConditions;
    const pattern = new RegExp(/matches\('(.*)'\)/.exec(condition.expression)![1]!);
    expect(pattern.test(`system:serviceaccount:db-ns:${sa}`)).toBe(true);
    expect(pattern.test(`system:serviceaccount:db-ns:${sa}-other`)).toBe(false);
    expect(pattern.test('system:serviceaccount:kube-system:statefulset-controller')).toBe(false);
    expect(policy.spec.validations.map((v: { expression: string }) => v.expression.replace(/\s+/g, ' ')).join('\n')).toMatch(/object\.spec == oldObject\.spec/);
    for (const v of policy.spec.validations) expect(v).toMatchObject({ reason: 'Forbidden', message: expect.stringMatching(/^pxc-tls-watch may change only the annotation pxc-tls\.dev\/certificates-verdict of a StatefulSet: /) });
    expect(binding.spec).toEqual({ policyName: policy.metadata.name, validationActions: ['Deny'] });
  });
});

describe('examples/watcher Deployment and PodDisruptionBudget', () => {
  const deployment = one(base, 'Deployment');
  const pod = deployment.spec.template;
  const container = pod.spec.containers[0];

  test('2 replicas; the Deployment and PDB selectors match the pod labels; PDB keeps one', () => {
    expect(deployment.spec.replicas).toBe(2);
    const matches = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => pod.metadata.labels[k] === v);
    expect(matches(deployment.spec.selector.matchLabels)).toBe(true);
    const pdb = one(base, 'PodDisruptionBudget');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(matches(pdb.spec.selector.matchLabels)).toBe(true);
    expect(pod.spec.serviceAccountName).toBe(one(base, 'ServiceAccount').metadata.name);
  });

  test('non-root, read-only root filesystem, no privilege escalation, no capabilities, resources set', () => {
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.spec.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String), 'ephemeral-storage': expect.any(String) });
    expect(container.resources.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String), 'ephemeral-storage': expect.any(String) });
  });

  test('it runs `watch` with flags the watcher accepts; the probes hit /healthz and /readyz on the port it listens on', () => {
    const [command, ...rest] = container.args as string[];
    expect(command).toBe('watch');
    const env: Record<string, string> = { POD_NAMESPACE: 'db-ns', POD_NAME: 'pxc-tls-watch-abc' };
    const flags = parseFlags(rest.map((a) => a.replace(/\$\((\w+)\)/g, (_m, v: string) => env[v] ?? '')) ) as WatchFlags;
    expect(flags).toMatchObject({ namespaces: ['db-ns'], leaseNamespace: 'db-ns', identity: 'pxc-tls-watch-abc' });
    const port = container.ports.find((p: { name: string }) => p.name === 'http').containerPort;
    expect(flags.listenAddress.port).toBe(port);
    expect([container.livenessProbe.httpGet.path, container.readinessProbe.httpGet.path]).toEqual(['/healthz', '/readyz']);
    for (const name of ['POD_NAMESPACE', 'POD_NAME']) expect(container.env.map((e: { name: string }) => e.name)).toContain(name);
  });
});

describe('examples/watcher NetworkPolicy: ingress to the probe and metrics port only, egress untouched', () => {
  const deployment = one(base, 'Deployment');
  const pod = deployment.spec.template;
  const container = pod.spec.containers[0];
  const policy = one(base, 'NetworkPolicy', 'pxc-tls-watch');

  test('it selects the watcher\'s pods (the Deployment\'s selector) and restricts ingress only', () => {
    expect(policy.apiVersion).toBe('networking.k8s.io/v1');
    expect(policy.spec.podSelector).toEqual(deployment.spec.selector);
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec).not.toHaveProperty('egress');
  });

  test('its one rule opens, from any source, exactly the port the probes and /metrics use', () => {
    expect(policy.spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 'http' }] }]);
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect([container.livenessProbe.httpGet.port, container.readinessProbe.httpGet.port]).toEqual(['http', 'http']);
  });
});

// examples/watcher/ as kustomize builds it, accepted by the real kube-apiserver: a server-side dry
// run of the namespaced install and of cluster-wide/ (validated against the API's schemas,
// nothing persisted), both without a warning. Both carry the StatefulSet and pod admission
// policies (policy.test.ts and pod-policy.test.ts check what they refuse). (src/watch/install.test.ts checks RBAC and selectors
// against the code; watcher.test.ts runs the watcher under the namespaced RBAC for real.)
import { join } from 'node:path';
import { createNamespace, kubectl, kubectlOk } from '../cluster/kube';
import { REPO_ROOT } from './fixture';

jest.setTimeout(120_000);

const build = (dir: string) => kubectlOk(['kustomize', join(REPO_ROOT, 'examples', 'watcher', dir)]);
// The StatefulSet's and the pods' two (policy.test.ts and pod-policy.test.ts check what they refuse).
const POLICIES = [...Array(5).fill('ValidatingAdmissionPolicy'), ...Array(5).fill('ValidatingAdmissionPolicyBinding')];
const kinds = (yaml: string) => [...yaml.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]).sort();

test('the namespaced install passes a server-side dry run in the databases\' namespace', async () => {
  const ns = await createNamespace('watch-install');
  const yaml = await build('.');
  expect(kinds(yaml)).toEqual(['Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Role', 'Role', 'RoleBinding', 'RoleBinding', 'ServiceAccount', ...POLICIES]);
  const r = await kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager=pxc-tls-test', '-n', ns, '-f', '-'], { input: yaml });
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(r.stdout).toMatch(/deployment.apps\/pxc-tls-watch serverside-applied \(server dry run\)/);
});

test('cluster-wide/ passes a server-side dry run: a ClusterRole, --all-namespaces, everything in pxc-tls-system', async () => {
  const yaml = await build('cluster-wide');
  expect(kinds(yaml)).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'ServiceAccount', ...POLICIES]);
  expect(yaml).toContain('- --all-namespaces');
  expect(yaml).not.toContain('--namespace=$(POD_NAMESPACE)');
  await kubectl(['create', 'namespace', 'pxc-tls-system']); // may exist from an earlier run on this control plane
  const r = await kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager=pxc-tls-test', '-f', '-'], { input: yaml });
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(r.stdout).toMatch(/clusterrolebinding.rbac.authorization.k8s.io\/pxc-tls-watch serverside-applied \(server dry run\)/);
});

/**
 * examples/argocd and the Application's source, checked by a real kube-apiserver (the rig): a
 * server-side dry run (strict field validation, nothing persisted) of
 *   - argocd-cm and the patched argocd-repo-server Deployment, as `kubectl apply -k
 *     examples/argocd` would send them (upstream objects from the stand-in in test/e2e/argocd.ts);
 *   - everything the repo-server's kustomize build renders for the Application (Certificates
 *     against cert-manager's CRDs, Secrets, Services, RBAC, the StatefulSet).
 * The Application itself needs Argo CD's CRDs, which the rig does not have: test/e2e/argocd.test.ts
 * checks its shape. Objects move to a fresh namespace (the rig never deletes namespaces).
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { buildArgocdExample, ARGOCD_EXAMPLE } from '../e2e/argocd';
import { REPO } from '../e2e/kpt-golden';
import { ensureKustomize, ensureSea, K8sObject, objectsOf, pathWith, run } from '../e2e/tools';
import { apply, createNamespace } from './kube';

function intoNamespace(objects: K8sObject[], namespace: string): string {
  const items = objects.map((o) => (o.metadata.namespace === undefined ? o : { ...o, metadata: { ...o.metadata, namespace } }));
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

it('argocd-cm and the patched repo-server Deployment pass a server-side dry run', async () => {
  const built = buildArgocdExample();
  expect(built.status).toBe(0);
  expect(built.objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment']);
  const namespace = await createNamespace('argocd');
  const out = await apply(intoNamespace(built.objects, namespace), { dryRun: 'server' });
  expect(out).toMatch(/configmap\/argocd-cm serverside-applied \(server dry run\)/);
  expect(out).toMatch(/deployment\.apps\/argocd-repo-server serverside-applied \(server dry run\)/);
}, 600_000);

it('a typo in the patch is caught by the same dry run (the check can fail)', async () => {
  const built = buildArgocdExample();
  const deployment = built.objects.find((o) => o.kind === 'Deployment') as K8sObject & { spec: { template: { spec: { initContainers: Array<Record<string, unknown>> } } } };
  deployment.spec.template.spec.initContainers[0]!.volumeMount = [];
  const namespace = await createNamespace('argocd');
  await expect(apply(intoNamespace([deployment], namespace), { dryRun: 'server' })).rejects.toThrow(/initContainers\[0\]\): unknown field "volumeMount"/);
}, 600_000);

it("the Application's source, as the repo-server builds it, passes a server-side dry run", async () => {
  const application = load(readFileSync(join(ARGOCD_EXAMPLE, 'application.yaml'), 'utf8')) as { spec: { source: { path: string } } };
  const argocdCm = load(readFileSync(join(ARGOCD_EXAMPLE, 'argocd-cm.yaml'), 'utf8')) as { data: Record<string, string> };
  const source = join(REPO, application.spec.source.path);
  const path = pathWith(ensureSea());
  const result = run(ensureKustomize().path, ['build', source, ...argocdCm.data['kustomize.buildOptions']!.split(/\s+/)], { cwd: source, env: { PATH: path } });
  expect(result.status).toBe(0);
  const objects = objectsOf(result.stdout);
  const namespace = await createNamespace('demo');
  const out = await apply(intoNamespace(objects, namespace), { dryRun: 'server' });
  for (const o of objects) expect(out).toContain(`/${o.metadata.name} serverside-applied (server dry run)`);
  expect(out.trim().split('\n')).toHaveLength(objects.length);
}, 600_000);

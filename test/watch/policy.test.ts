// examples/watcher's ValidatingAdmissionPolicy on the real kube-apiserver: the watcher's
// ServiceAccount (a token, under the example's namespaced RBAC, which grants `patch` on
// StatefulSets) may set or remove the verdict annotation of a StatefulSet and change nothing else.
// Every request goes to the API server for real; the objects are re-read to show what it kept.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apply, createNamespace, getJson, kubectl, kubectlOk, type KubectlResult } from '../cluster/kube';
import { eventually, perconaXtraDB, render, toApply, toYaml } from './fixture';
import { exampleDocs, kubectlAs, NAMESPACED_RBAC_KINDS, tokenKubeconfig } from './identity';

jest.setTimeout(180_000);

const KEY = 'pxc-tls.dev/certificates-verdict';
const DENIED = /ValidatingAdmissionPolicy 'pxc-tls-watch-statefulset-verdict-only' with binding 'pxc-tls-watch-statefulset-verdict-only' denied request: pxc-tls-watch may change only the annotation pxc-tls\.dev\/certificates-verdict of a StatefulSet: this changes (.+)$/m;

const tmp = mkdtempSync(join(tmpdir(), 'pxc-tls-policy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let ns: string;
let asWatcher: (args: string[]) => Promise<KubectlResult>;
const sts = () => getJson(['get', 'statefulset', 'vault', '-n', ns]);
const patchAsWatcher = (body: unknown, type: 'merge' | 'json' | 'strategic' = 'merge', extra: string[] = []) =>
  asWatcher(['patch', 'statefulset', 'vault', '-n', ns, '--type', type, '-p', JSON.stringify(body), ...extra]);

beforeAll(async () => {
  ns = await createNamespace('watch-policy');
  // The example as kustomize builds it: the ServiceAccount, the namespaced RBAC and the policies
  // (this one, and the pods' of pod-policy.test.ts).
  const docs = await exampleDocs('.', NAMESPACED_RBAC_KINDS);
  expect(docs.map((d) => /^kind: (\w+)$/m.exec(d)![1]).sort()).toEqual(
    ['Role', 'Role', 'RoleBinding', 'RoleBinding', 'ServiceAccount', ...Array(3).fill('ValidatingAdmissionPolicy'), ...Array(3).fill('ValidatingAdmissionPolicyBinding')]);
  await kubectlOk(['apply', '--server-side', '--field-manager=pxc-tls-test', '-n', ns, '-f', '-'], { input: docs.join('---\n') });
  // A database's StatefulSet as the function renders it, plus an annotation and a finalizer of someone else's.
  const rendered = toApply(await render([perconaXtraDB('vault', ns)])).filter((o) => o.kind === 'StatefulSet');
  await apply(toYaml(rendered));
  await kubectlOk(['annotate', 'statefulset', 'vault', '-n', ns, 'example.com/owner=team-a']);
  const watcherKubeconfig = await tokenKubeconfig(tmp, ns, 'pxc-tls-watch');
  asWatcher = (args) => kubectlAs(watcherKubeconfig, args);
  // The API server loads new policies asynchronously: wait (dry runs, nothing persisted) until it refuses.
  await eventually('the policy to be enforced', async () => {
    const r = await patchAsWatcher({ spec: { replicas: 5 } }, 'merge', ['--dry-run=server']);
    return DENIED.test(r.stderr) ? true : undefined;
  }, 60_000, 500);
});

describe('the admission policy, as the watcher\'s ServiceAccount', () => {
  test('setting the verdict annotation is allowed (what the watcher sends: a merge patch with the UID as a precondition)', async () => {
    const { metadata } = await sts();
    const r = await patchAsWatcher({ metadata: { uid: metadata.uid, annotations: { [KEY]: 'UntrustedIssuer: Secret x/y: not signed' } } });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect((await sts()).metadata.annotations[KEY]).toBe('UntrustedIssuer: Secret x/y: not signed');
    const r2 = await patchAsWatcher({ metadata: { uid: metadata.uid, annotations: { [KEY]: 'CertificatesVerified: verified 2 certificate Secret(s): a, b' } } });
    expect(r2.code).toBe(0);
    expect((await sts()).metadata.annotations).toMatchObject({ [KEY]: 'CertificatesVerified: verified 2 certificate Secret(s): a, b', 'example.com/owner': 'team-a' });
  });

  const denied: Array<[string, () => Promise<unknown>, string]> = [
    ['changing spec.replicas', () => patchAsWatcher({ spec: { replicas: 5 } }), 'its spec'],
    ['changing the pod template (an image)', () => patchAsWatcher([{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'registry.example.com/evil:1' }], 'json'), 'its spec'],
    ['changing the pod template (dropping the scheduling gate)', () => patchAsWatcher([{ op: 'remove', path: '/spec/template/spec/schedulingGates' }], 'json'), 'its spec'],
    ['adding another annotation', () => patchAsWatcher({ metadata: { annotations: { 'example.com/other': 'x' } } }), 'another annotation'],
    ['removing someone else\'s annotation', () => patchAsWatcher({ metadata: { annotations: { 'example.com/owner': null } } }), 'another annotation'],
    ['setting the verdict together with another annotation', () => patchAsWatcher({ metadata: { annotations: { [KEY]: 'x', 'example.com/other': 'x' } } }), 'another annotation'],
    ['adding a label', () => patchAsWatcher({ metadata: { labels: { 'example.com/tier': 'gold' } } }), 'its labels'],
    ['adding a finalizer', () => patchAsWatcher({ metadata: { finalizers: ['example.com/hold'] } }), 'its finalizers'],
    ['adding an ownerReference', () => patchAsWatcher({ metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: '0b6a9c2e-0000-4000-8000-000000000000' }] } }), 'its ownerReferences'],
  ];

  test.each(denied)('%s is denied with the policy\'s message, and nothing changes', async (_what, send, part) => {
    const before = await sts();
    const r = (await send()) as KubectlResult;
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(DENIED);
    expect(DENIED.exec(r.stderr)![1]).toBe(part);
    expect(r.stderr).toMatch(/is forbidden/); // reason Forbidden: HTTP 403
    const after = await sts();
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  test('removing the verdict annotation is allowed (it is the watcher\'s own key)', async () => {
    const r = await patchAsWatcher({ metadata: { annotations: { [KEY]: null } } });
    expect(r.code).toBe(0);
    expect((await sts()).metadata.annotations[KEY]).toBeUndefined();
  });

  test('what the policy does not cover, RBAC does not grant: the scale subresource, delete', async () => {
    const scale = await asWatcher(['scale', 'statefulset', 'vault', '-n', ns, '--replicas=5']);
    expect(scale.stderr).toMatch(/cannot (patch|update) resource "statefulsets\/scale"/);
    const del = await asWatcher(['delete', 'statefulset', 'vault', '-n', ns, '--dry-run=server']);
    expect(del.stderr).toMatch(/cannot delete resource "statefulsets"/);
    expect((await sts()).spec.replicas).toBe(3);
  });

  test('only the watcher is bound by it: the admin, and another ServiceAccount with the same Role, change the spec', async () => {
    const admin = await kubectl(['patch', 'statefulset', 'vault', '-n', ns, '--type', 'merge', '-p', '{"spec":{"replicas":3}}', '--dry-run=server']);
    expect(admin.code).toBe(0);
    await kubectlOk(['create', 'serviceaccount', 'someone-else', '-n', ns]);
    await kubectlOk(['create', 'rolebinding', 'someone-else', '-n', ns, '--role=pxc-tls-watch', `--serviceaccount=${ns}:someone-else`]);
    const other = await kubectlAs(await tokenKubeconfig(tmp, ns, 'someone-else'),
      ['patch', 'statefulset', 'vault', '-n', ns, '--type', 'merge', '-p', '{"spec":{"replicas":4}}', '--dry-run=server']);
    expect({ code: other.code, stderr: other.stderr }).toEqual({ code: 0, stderr: '' });
  });
});

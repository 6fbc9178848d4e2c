// examples/watcher/base/pod-policy.yaml on the real kube-apiserver, in both install variants: the
// watcher's ServiceAccount (a token, under the example's RBAC, which grants `patch` on every pod in
// scope and on pods/status) may remove its own scheduling gate and write its own condition — sent
// exactly as the watcher sends them (src/watch/gate.ts, record.ts) — and nothing else on a pod.
// Every request goes to the API server for real; the pod is re-read to show what it kept.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { createNamespace, getJson, kubectl, kubectlOk } from '../cluster/kube';
import { removeGatePatch } from '../../src/watch/gate';
import { conditionPatch, CONDITION_TYPE } from '../../src/watch/record';
import { createPodsByHand, GATE, perconaXtraDB, render, toApply } from './fixture';
import {
  apiAs, awaitPodPolicies, exampleDocs, NAMESPACED_RBAC_KINDS, POD_CONDITION_DENIED, POD_GATE_DENIED, tokenKubeconfig,
  type ApiResponse,
} from './identity';

jest.setTimeout(180_000);

const OTHER_GATE = 'example.com/quota-approved';
const OTHER_CONDITION = 'example.com/LoadBalancerReady'; // e.g. a readiness gate's condition, someone else's
const tmp = mkdtempSync(join(tmpdir(), 'pxc-tls-pod-policy-'));
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
  rmSync(tmp, { recursive: true, force: true });
});

interface Install {
  /** Where the pod lives. */
  dbNamespace: string;
  /** A kubeconfig with a token of the watcher's ServiceAccount. */
  kubeconfig: string;
}

/** The namespaced install: everything in the databases' namespace. */
async function namespaced(): Promise<Install> {
  const ns = await createNamespace('pod-policy');
  await kubectlOk(['apply', '--server-side', '--field-manager=pxc-tls-test', '-n', ns, '-f', '-'], { input: (await exampleDocs('.', NAMESPACED_RBAC_KINDS)).join('---\n') });
  const kubeconfig = await tokenKubeconfig(tmp, ns, 'pxc-tls-watch');
  return { dbNamespace: ns, kubeconfig };
}

/** cluster-wide/: the watcher in its own namespace (pxc-tls-system, renamed here so runs do not
 * share it), a ClusterRole bound to it, the database in another namespace. The ClusterRoleBinding
 * gets a per-test name (it is cluster-scoped) and is removed at the end. */
async function clusterWide(): Promise<Install> {
  const watcherNs = await createNamespace('pod-policy-system');
  const dbNs = await createNamespace('pod-policy-db');
  const docs = (await exampleDocs('cluster-wide', ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', ...NAMESPACED_RBAC_KINDS.slice(1)]))
    .map((d) => parseAllDocuments(d)[0]!.toJSON())
    .map((o) => {
      if (o.metadata.namespace === 'pxc-tls-system') o.metadata.namespace = watcherNs;
      if (o.kind === 'ClusterRoleBinding') {
        o.metadata.name = `pxc-tls-watch-${watcherNs}`;
        for (const s of o.subjects) s.namespace = watcherNs;
      }
      return o;
    });
  expect(docs.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ServiceAccount',
    ...Array(5).fill('ValidatingAdmissionPolicy'), ...Array(5).fill('ValidatingAdmissionPolicyBinding')]);
  await kubectlOk(['apply', '--server-side', '--field-manager=pxc-tls-test', '-f', '-'], { input: docs.map((o) => stringify(o)).join('---\n') });
  cleanups.push(() => kubectl(['delete', 'clusterrolebinding', `pxc-tls-watch-${watcherNs}`]));
  const kubeconfig = await tokenKubeconfig(tmp, watcherNs, 'pxc-tls-watch');
  return { dbNamespace: dbNs, kubeconfig };
}

describe.each([
  ['the namespaced install', namespaced],
  ['cluster-wide/', clusterWide],
])('the pod admission policies under %s, as the watcher\'s ServiceAccount', (_variant, install) => {
  let ns: string;
  let kubeconfig: string;
  const CONTENT_TYPE = { json: 'application/json-patch+json', merge: 'application/merge-patch+json', strategic: 'application/strategic-merge-patch+json' };
  const pod = () => getJson<any>(['get', 'pod', 'vault-0', '-n', ns]);
  // Raw PATCH requests, as the watcher sends them (kubectl patch would GET first, which the
  // watcher's RBAC does not allow on pods).
  const patchPod = (type: keyof typeof CONTENT_TYPE, body: unknown, subresource = '') =>
    apiAs(kubeconfig)('PATCH', `/api/v1/namespaces/${ns}/pods/vault-0${subresource}`, body, CONTENT_TYPE[type]);
  const patchStatus = (type: keyof typeof CONTENT_TYPE, body: unknown) => patchPod(type, body, '/status');

  beforeAll(async () => {
    const i = await install();
    ns = i.dbNamespace;
    kubeconfig = i.kubeconfig;
    // A database's pod made from the rendered template, carrying another controller's gate before
    // ours, a label and an annotation of someone else's. Made by hand and not applied with its
    // StatefulSet: the rig's StatefulSet controller would make its own pods (without these extras).
    const sts = toApply(await render([perconaXtraDB('vault', ns)])).find((o) => o.kind === 'StatefulSet')!;
    await createPodsByHand(ns, sts, 1, (p) => {
      p.spec.schedulingGates = [{ name: OTHER_GATE }, ...p.spec.schedulingGates];
      p.metadata.labels['example.com/team'] = 'a';
      p.metadata.annotations = { ...p.metadata.annotations, 'example.com/owner': 'team-a' };
    });
    // …and someone else's condition.
    await kubectlOk(['patch', 'pod', 'vault-0', '-n', ns, '--subresource=status', '--type=strategic', '-p',
      JSON.stringify({ status: { conditions: [{ type: OTHER_CONDITION, status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z' }] } })]);
    expect((await pod()).spec.schedulingGates.map((g: { name: string }) => g.name)).toEqual([OTHER_GATE, GATE]);
    await awaitPodPolicies(kubeconfig, ns);
  });

  const podDenied: Array<[string, () => Promise<ApiResponse>, string]> = [
    ['changing a container\'s image', () => patchPod('json', [{ op: 'replace', path: '/spec/containers/0/image', value: 'registry.example.com/evil:1' }]), 'its spec'],
    ['removing another controller\'s scheduling gate', () => patchPod('json', [{ op: 'test', path: '/spec/schedulingGates/0/name', value: OTHER_GATE }, { op: 'remove', path: '/spec/schedulingGates/0' }]), 'another scheduling gate'],
    ['removing every scheduling gate at once', () => patchPod('json', [{ op: 'remove', path: '/spec/schedulingGates' }]), 'another scheduling gate'],
    ['adding a node selector (the API server allows it on a gated pod)', () => patchPod('merge', { spec: { nodeSelector: { 'kubernetes.io/hostname': 'node-x' } } }), 'its spec'],
    ['adding a toleration', () => patchPod('json', [{ op: 'add', path: '/spec/tolerations/-', value: { key: 'example.com/dedicated', operator: 'Exists' } }]), 'its spec'],
    ['adding a label', () => patchPod('merge', { metadata: { labels: { 'example.com/tier': 'gold' } } }), 'its labels'],
    ['relabelling the pod out of its database (and its Services)', () => patchPod('merge', { metadata: { labels: { 'app.kubernetes.io/instance': 'elsewhere' } } }), 'its labels'],
    ['adding an annotation', () => patchPod('merge', { metadata: { annotations: { 'example.com/other': 'x' } } }), 'its annotations'],
    ['removing someone else\'s annotation', () => patchPod('merge', { metadata: { annotations: { 'example.com/owner': null } } }), 'its annotations'],
    ['adding a finalizer', () => patchPod('merge', { metadata: { finalizers: ['example.com/hold'] } }), 'other metadata (ownerReferences, finalizers)'],
    ['removing its own gate together with adding a label', () => patchPod('json', [
      { op: 'test', path: '/spec/schedulingGates/1/name', value: GATE }, { op: 'remove', path: '/spec/schedulingGates/1' },
      { op: 'add', path: '/metadata/labels/example.com~1tier', value: 'gold' }]), 'its labels'],
  ];
  const statusDenied: Array<[string, () => Promise<ApiResponse>, string]> = [
    ['writing another condition type', () => patchStatus('strategic', { status: { conditions: [{ type: 'example.com/Other', status: 'True' }] } }), 'another condition type'],
    ['rewriting someone else\'s condition', () => patchStatus('strategic', { status: { conditions: [{ type: OTHER_CONDITION, status: 'False' }] } }), 'another condition type'],
    ['removing someone else\'s condition', () => patchStatus('json', [{ op: 'test', path: '/status/conditions/0/type', value: OTHER_CONDITION }, { op: 'remove', path: '/status/conditions/0' }]), 'another condition type'],
    ['writing its condition together with another one', () => patchStatus('strategic', { status: { conditions: [
      { type: CONDITION_TYPE, status: 'False', reason: 'SecretMissing', message: 'x' }, { type: 'example.com/Other', status: 'True' }] } }), 'another condition type'],
    ['changing another status field (nominatedNodeName)', () => patchStatus('merge', { status: { nominatedNodeName: 'node-x' } }), 'its status beyond conditions'],
    ['adding a label through pods/status (the API server takes metadata changes there)', () => patchStatus('merge', { metadata: { labels: { 'example.com/tier': 'gold' } } }), 'its labels'],
    ['adding an annotation through pods/status', () => patchStatus('merge', { metadata: { annotations: { 'example.com/other': 'x' } } }), 'its annotations'],
  ];

  test.each(podDenied)('on pods: %s is refused with the policy\'s message, and nothing changes', async (_what, send, part) => {
    await expectRefused(send, POD_GATE_DENIED, part);
  });

  test.each(statusDenied)('on pods/status: %s is refused with the policy\'s message, and nothing changes', async (_what, send, part) => {
    await expectRefused(send, POD_CONDITION_DENIED, part);
  });

  async function expectRefused(send: () => Promise<ApiResponse>, denied: RegExp, part: string): Promise<void> {
    const before = await pod();
    const r = await send();
    expect({ status: r.status, reason: r.body.reason }).toEqual({ status: 403, reason: 'Forbidden' });
    expect(r.body.message).toMatch(denied);
    expect(denied.exec(r.body.message)![1]).toBe(part);
    expect((await pod()).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  }

  test('writing its own condition as the watcher does (record.ts: a strategic merge patch of pods/status) is allowed; the other condition stays', async () => {
    const other = (await pod()).status.conditions.find((c: { type: string }) => c.type === OTHER_CONDITION);
    expect(other).toMatchObject({ status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z' });
    const desired = { type: CONDITION_TYPE, status: 'False' as const, reason: 'SecretMissing', message: 'Secret x/vault-server-cert does not exist' };
    const r = await patchStatus('strategic', conditionPatch(await pod(), desired, new Date()));
    expect([r.status, r.body.message]).toEqual([200, undefined]);
    const r2 = await patchStatus('strategic', conditionPatch(await pod(), { ...desired, status: 'True', reason: 'CertificatesVerified', message: 'verified' }, new Date()));
    expect(r2.status).toBe(200);
    const conditions = (await pod()).status.conditions as Array<{ type: string; status: string; reason?: string; lastTransitionTime: string }>;
    expect(conditions.find((c) => c.type === CONDITION_TYPE)).toMatchObject({ status: 'True', reason: 'CertificatesVerified' });
    expect(conditions.find((c) => c.type === OTHER_CONDITION)).toEqual(other);
  });

  test('removing its own gate as the watcher does (gate.ts: a guarded JSON patch) is allowed; the other gate, labels and annotations stay', async () => {
    const before = await pod();
    const r = await patchPod('json', removeGatePatch(before));
    expect([r.status, r.body.message]).toEqual([200, undefined]);
    const after = await pod();
    expect(after.spec.schedulingGates).toEqual([{ name: OTHER_GATE }]);
    expect(after.metadata.labels).toEqual(before.metadata.labels);
    expect(after.metadata.annotations).toEqual(before.metadata.annotations);
    // Its gate is gone now: the same patch again fails the API server's own `test` (422), not the policy.
    const again = await patchPod('json', [{ op: 'test', path: '/spec/schedulingGates/1/name', value: GATE }, { op: 'remove', path: '/spec/schedulingGates/1' }]);
    expect(again.status).toBe(422);
    expect(again.body.message).not.toMatch(POD_GATE_DENIED);
  });

  test('only the watcher is bound: the admin may remove another gate and add a label (server-side dry runs)', async () => {
    for (const args of [
      ['patch', 'pod', 'vault-0', '-n', ns, '--type', 'json', '-p', JSON.stringify([{ op: 'remove', path: '/spec/schedulingGates' }]), '--dry-run=server'],
      ['label', 'pod', 'vault-0', '-n', ns, 'example.com/tier=gold', '--dry-run=server'],
    ]) {
      const r = await kubectl(args);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    }
  });
});

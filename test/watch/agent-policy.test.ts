// Issue 17.3 on the real kube-apiserver: the agent's rights, used with an agent's own token (a
// ServiceAccount token bound to its pod, as kubelet projects it) under the Role the function renders
// and examples/watcher's admission policy: it may change its own pod's member-facts annotation and
// nothing else, on no other pod; it reads its StatefulSet and its decisions ConfigMap by name and
// nothing more. And the watcher's ConfigMap writes: only its `<db>-pxc-tls-galera` decisions.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { agentKube } from '../../src/agent/kube';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apply, createNamespace, getJson, kubectlOk, type KubectlResult } from '../cluster/kube';
import { createPods, eventually, perconaXtraDB, render, REPO_ROOT, toApply, toYaml, writeKubeconfig } from './fixture';
import { kubectlAs } from './identity';

jest.setTimeout(180_000);

const FACTS = 'pxc-tls.dev/member-facts';
const DENIED = /ValidatingAdmissionPolicy 'pxc-tls-agent-member-facts-only' with binding 'pxc-tls-agent-member-facts-only' denied request: (.+)$/m;
const WATCH_DENIED = /ValidatingAdmissionPolicy 'pxc-tls-watch-galera-decisions-only' with binding 'pxc-tls-watch-galera-decisions-only' denied request: (.+)$/m;

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set: run through the jest project \`cluster\``);
  return v;
};
const tmp = mkdtempSync(join(tmpdir(), 'pxc-tls-agent-policy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));


/** A token for the ServiceAccount, bound to a pod when given (what kubelet projects into that pod). */
async function token(ns: string, serviceAccount: string, boundPod?: { name: string; uid: string }): Promise<string> {
  const bound = boundPod ? ['--bound-object-kind=Pod', `--bound-object-name=${boundPod.name}`, `--bound-object-uid=${boundPod.uid}`] : [];
  return (await kubectlOk(['create', 'token', serviceAccount, '-n', ns, '--duration=1h', ...bound])).trim();
}

async function tokenKubeconfig(ns: string, serviceAccount: string, boundPod?: { name: string; uid: string }): Promise<string> {
  const path = join(tmp, `${ns}-${serviceAccount}-${boundPod?.name ?? 'unbound'}.kubeconfig`);
  writeKubeconfig(path, env('PXC_TLS_KUBE_SERVER'), await token(ns, serviceAccount, boundPod), env('PXC_TLS_KUBE_CA'));
  return path;
}

/**
 * A PATCH as the agent sends it: straight to the API with the token (kubectl patch would GET the
 * pod first, a right the agent does not have). The API server's Status message on refusal.
 */
function patchWithToken(bearer: string, path: string, body: unknown, contentType: string): Promise<{ status: number; message: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(env('PXC_TLS_KUBE_SERVER') + path);
    const payload = Buffer.from(JSON.stringify(body));
    const req = request(url, { method: 'PATCH', ca: readFileSync(env('PXC_TLS_KUBE_CA')), headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': contentType, 'Content-Length': payload.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let message = text;
        try {
          message = (JSON.parse(text) as { message?: string }).message ?? text;
        } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, message });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

let ns: string;
let agent0Token: string;
let asAgent0: (args: string[]) => Promise<KubectlResult>;
const DB = 'ledger';
const pod = (name: string) => getJson(['get', 'pod', name, '-n', ns]);
const facts = (text: string) => ({ metadata: { annotations: { [FACTS]: text } } });
const patchAs = (bearer: string, name: string, body: unknown, type: 'merge' | 'json' = 'merge', dryRun = false) =>
  patchWithToken(bearer, `/api/v1/namespaces/${ns}/pods/${name}${dryRun ? '?dryRun=All' : ''}`, body, type === 'merge' ? 'application/merge-patch+json' : 'application/json-patch+json');

beforeAll(async () => {
  ns = await createNamespace('agent-policy');
  // The policies as examples/watcher ships them (cluster-scoped), and the watcher's namespaced RBAC.
  const docs = (await kubectlOk(['kustomize', join(REPO_ROOT, 'examples', 'watcher')])).split(/^---$/m)
    .filter((doc) => /^kind: (ServiceAccount|Role|RoleBinding|ValidatingAdmissionPolicy|ValidatingAdmissionPolicyBinding)$/m.test(doc));
  await kubectlOk(['apply', '--server-side', '--field-manager=pxc-tls-test', '-n', ns, '-f', '-'], { input: docs.join('---\n') });
  // A database as the function renders it: its ServiceAccount, Role, RoleBinding and StatefulSet; its pods as the controller would make them.
  const rendered = toApply(await render([perconaXtraDB(DB, ns)])).filter((o) => ['ServiceAccount', 'Role', 'RoleBinding', 'StatefulSet'].includes(o.kind));
  await apply(toYaml(rendered));
  await createPods(ns, DB, 3);
  const p0 = await pod(`${DB}-0`);
  const bound = { name: p0.metadata.name, uid: p0.metadata.uid };
  agent0Token = await token(ns, DB, bound);
  const agent0 = await tokenKubeconfig(ns, DB, bound);
  asAgent0 = (args) => kubectlAs(agent0, args);
  // Policies load asynchronously: wait (dry runs) until a foreign patch is refused by it.
  await eventually('the agent policy to be enforced', async () => {
    const r = await patchAs(agent0Token, `${DB}-1`, facts('{}'), 'merge', true);
    if (!DENIED.test(r.message)) throw new Error(`not refused yet: ${r.status} ${r.message}`);
    return true;
  }, 60_000, 500);
});

describe('an agent, with its own pod-bound token', () => {
  test('publishes its member facts on its own pod with the agent\'s own client (the one write it has)', async () => {
    const tokenFile = join(tmp, 'agent-0.token');
    writeFileSync(tokenFile, agent0Token);
    const kube = agentKube({ server: env('PXC_TLS_KUBE_SERVER'), tokenFile, caFile: env('PXC_TLS_KUBE_CA') });
    await kube.patchPodAnnotation(ns, `${DB}-0`, FACTS, '{"protocol":1,"member":"ledger-0"}');
    expect((await pod(`${DB}-0`)).metadata.annotations[FACTS]).toBe('{"protocol":1,"member":"ledger-0"}');
    expect(await kube.statefulSetReplicas(ns, DB)).toBe(3);
    expect(await kube.configMapData(ns, `${DB}-pxc-tls-galera`)).toBeUndefined(); // not there yet: 404, not 403
  });

  const denied: Array<[string, () => Promise<{ status: number; message: string }>, RegExp]> = [
    ['another member\'s facts', () => patchAs(agent0Token, `${DB}-1`, facts('{"protocol":1,"member":"ledger-1"}')), /may patch only its own pod: this token is bound to another pod/],
    ['its own pod\'s image', () => patchAs(agent0Token, `${DB}-0`, [{ op: 'replace', path: '/spec/containers/0/image', value: 'registry.example.com/evil:1' }], 'json'), /this changes its spec$/],
    ['its own pod\'s scheduling gate (it would ungate itself)', () => patchAs(agent0Token, `${DB}-0`, [{ op: 'remove', path: '/spec/schedulingGates' }], 'json'), /this changes its spec$/],
    ['a label of its own pod (out of a Service)', () => patchAs(agent0Token, `${DB}-0`, { metadata: { labels: { 'app.kubernetes.io/instance': 'other' } } }), /this changes its labels$/],
    ['the label the policy selects on', () => patchAs(agent0Token, `${DB}-0`, { metadata: { labels: { 'pxc-tls.dev/agent': null } } }), /this changes its labels$/],
    ['another annotation of its own pod', () => patchAs(agent0Token, `${DB}-0`, { metadata: { annotations: { 'example.com/x': 'y' } } }), /this changes another annotation$/],
    ['a finalizer on its own pod', () => patchAs(agent0Token, `${DB}-0`, { metadata: { finalizers: ['example.com/hold'] } }), /ownerReferences or finalizers$/],
  ];
  test.each(denied)('may not change %s: refused (403) with the policy\'s message, nothing changes', async (_what, send, message) => {
    const before = await pod(`${DB}-0`);
    const r = await send();
    expect(r.status).toBe(403);
    expect(r.message).toMatch(DENIED);
    expect(DENIED.exec(r.message)![1]).toMatch(message);
    expect((await pod(`${DB}-0`)).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  test('a token of the same ServiceAccount bound to no pod may patch nothing', async () => {
    const r = await patchAs(await token(ns, DB), `${DB}-0`, facts('{}'));
    expect(r.status).toBe(403);
    expect(DENIED.exec(r.message)?.[1]).toMatch(/bound to another pod, or to none/);
  });

  test('RBAC: it reads its StatefulSet and its decisions ConfigMap by name, nothing else; no pod status, no list', async () => {
    expect((await asAgent0(['get', 'statefulset', DB, '-n', ns, '-o', 'name'])).stdout.trim()).toBe(`statefulset.apps/${DB}`);
    for (const [args, what] of [
      [['get', 'configmap', 'someone-elses', '-n', ns], /cannot get resource "configmaps"/],
      [['get', 'statefulset', 'other', '-n', ns], /cannot get resource "statefulsets"/],
      [['get', 'pods', '-n', ns], /cannot list resource "pods"/],
      [['get', 'secrets', '-n', ns], /cannot list resource "secrets"/],
      [['delete', 'pod', `${DB}-1`, '-n', ns, '--dry-run=server'], /cannot delete resource "pods"/],
    ] as Array<[string[], RegExp]>) {
      const r = await asAgent0(args);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(what);
    }
    // Its own pod's status (conditions, readiness): PATCH straight away, as the agent would.
    const status = await patchWithToken(agent0Token, `/api/v1/namespaces/${ns}/pods/${DB}-0/status`, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, 'application/merge-patch+json');
    expect(status.status).toBe(403);
    expect(status.message).toMatch(/cannot patch resource "pods\/status"/);
  });
});

describe('the watcher\'s ConfigMap writes', () => {
  let asWatcher: (args: string[], input?: string) => Promise<KubectlResult>;
  beforeAll(async () => {
    const watcher = await tokenKubeconfig(ns, 'pxc-tls-watch');
    asWatcher = (args, input) => kubectlAs(watcher, args, input);
    await apply(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-settings, namespace: ${ns}}\ndata: {a: b}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: trap-pxc-tls-galera, namespace: ${ns}}\ndata: {a: b}\n`);
  });
  const cm = (name: string, labelled: boolean) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, ...(labelled ? { labels: { 'pxc-tls.dev/galera-decisions': DB } } : {}) }, data: { phase: 'waiting' } });

  test('creates and replaces its decisions ConfigMap <db>-pxc-tls-galera (labelled)', async () => {
    const created = await asWatcher(['create', '-f', '-'], cm(`${DB}-pxc-tls-galera`, true));
    expect({ code: created.code, stderr: created.stderr }).toEqual({ code: 0, stderr: '' });
    const replaced = await asWatcher(['replace', '-f', '-'], cm(`${DB}-pxc-tls-galera`, true));
    expect({ code: replaced.code, stderr: replaced.stderr }).toEqual({ code: 0, stderr: '' });
  });

  test.each([
    ['creating another ConfigMap', () => asWatcher(['create', '-f', '-'], cm('app-config', true)), /this is another ConfigMap$/],
    ['creating a decisions-named ConfigMap without the label', () => asWatcher(['create', '-f', '-'], cm(`other-pxc-tls-galera`, false)), /must carry the label pxc-tls.dev\/galera-decisions$/],
    ['rewriting a user\'s ConfigMap', () => asWatcher(['replace', '-f', '-'], cm('app-settings', true)), /this is another ConfigMap$/],
    ['taking over a ConfigMap named like its decisions it did not make', () => asWatcher(['replace', '-f', '-'], cm('trap-pxc-tls-galera', true)), /replaces only a ConfigMap labelled pxc-tls.dev\/galera-decisions$/],
  ] as Array<[string, () => Promise<KubectlResult>, RegExp]>)('%s is refused with the policy\'s message', async (_what, send, message) => {
    const r = await send();
    expect(r.code).not.toBe(0);
    expect(WATCH_DENIED.exec(r.stderr)?.[1]).toMatch(message);
  });
});

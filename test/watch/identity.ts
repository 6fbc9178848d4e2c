// The watcher's identity on the rig, as examples/watcher installs it: the example's documents, a
// ServiceAccount token in a kubeconfig, requests sent with it (raw, as the watcher sends them, or
// through kubectl), and the pod admission policies' refusals.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { kubectlOk, type KubectlResult } from '../cluster/kube';
import { eventually, REPO_ROOT, writeKubeconfig } from './fixture';

/** The documents of `kubectl kustomize examples/watcher/<dir>` whose kind is in `kinds`. */
export async function exampleDocs(dir: '.' | 'cluster-wide', kinds: readonly string[]): Promise<string[]> {
  return (await kubectlOk(['kustomize', join(REPO_ROOT, 'examples', 'watcher', dir)])).split(/^---$/m)
    .filter((doc) => kinds.some((k) => new RegExp(`^kind: ${k}$`, 'm').test(doc)));
}

/** What the watcher needs to run under the example's namespaced install: its ServiceAccount, RBAC and
 * the admission policies (cluster-scoped: they bind every pxc-tls-watch ServiceAccount). */
export const NAMESPACED_RBAC_KINDS = ['ServiceAccount', 'Role', 'RoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'] as const;

/** A kubeconfig in `dir` with a fresh token of a ServiceAccount (not the rig's admin credentials). */
export async function tokenKubeconfig(dir: string, namespace: string, serviceAccount: string): Promise<string> {
  const token = (await kubectlOk(['create', 'token', serviceAccount, '-n', namespace, '--duration=1h'])).trim();
  const path = join(dir, `${namespace}-${serviceAccount}.kubeconfig`);
  const env = (k: string) => {
    const v = process.env[k];
    if (!v) throw new Error(`${k} is not set: run through the jest project \`cluster\``);
    return v;
  };
  writeKubeconfig(path, env('PXC_TLS_KUBE_SERVER'), token, env('PXC_TLS_KUBE_CA'));
  return path;
}

export interface ApiResponse {
  status: number;
  /** The parsed JSON body (a Status on errors: `message`, `reason`). */
  body: any;
}

/** Raw API requests with a ServiceAccount's token from a kubeconfig made by tokenKubeconfig — for
 * writes kubectl cannot send without a GET first (`kubectl patch` reads the object, and the watcher
 * may not `get` pods). */
export function apiAs(kubeconfig: string): (method: 'PATCH' | 'PUT' | 'GET', path: string, body?: unknown, contentType?: string) => Promise<ApiResponse> {
  const text = readFileSync(kubeconfig, 'utf8');
  const server = new URL(/server: "([^"]+)"/.exec(text)![1]!);
  const ca = readFileSync(/certificate-authority: "([^"]+)"/.exec(text)![1]!);
  const token = /token: "([^"]+)"/.exec(text)![1]!;
  return (method, path, body, contentType = 'application/json') => new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest({
      host: server.hostname, port: server.port, path, method, ca, timeout: 30_000,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(payload ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {}) },
    }, (res) => {
      let data = '';
      res.on('data', (c: Buffer) => (data += c.toString()));
      res.on('end', () => {
        try { resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }); } catch { resolve({ status: res.statusCode ?? 0, body: data }); }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** kubectl with another kubeconfig (e.g. a ServiceAccount's token); never throws on a non-zero exit. */
export function kubectlAs(kubeconfig: string, args: string[], input?: string): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

/** The refusals of examples/watcher/base/pod-policy.yaml (one per policy), message part captured. */
export const POD_GATE_DENIED = /ValidatingAdmissionPolicy 'pxc-tls-watch-pod-gate-only' with binding 'pxc-tls-watch-pod-gate-only' denied request: pxc-tls-watch may only remove the scheduling gate pxc-tls\.dev\/certificates-ready from a pod: this changes (.+)$/m;
export const POD_CONDITION_DENIED = /ValidatingAdmissionPolicy 'pxc-tls-watch-pod-condition-only' with binding 'pxc-tls-watch-pod-condition-only' denied request: pxc-tls-watch may only write the pod condition pxc-tls\.dev\/CertificatesVerified: this changes (.+)$/m;

/** The API server loads new admission policies asynchronously: waits until both pod policies refuse
 * the ServiceAccount of `kubeconfig` in `namespace` (server-side dry runs on a probe pod that no
 * watcher selects and no scheduler places; removed at the end). */
export async function awaitPodPolicies(kubeconfig: string, namespace: string): Promise<void> {
  const probe = `policy-probe-${Date.now().toString(36)}`;
  await kubectlOk(['create', '-n', namespace, '-f', '-'], { input: JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: probe },
    spec: { schedulingGates: [{ name: 'example.com/never' }], containers: [{ name: 'c', image: 'registry.example.com/probe:1' }] },
  }) });
  const api = apiAs(kubeconfig);
  const path = `/api/v1/namespaces/${namespace}/pods/${probe}`;
  let seen = '';
  try {
    await eventually('the pod admission policies to be enforced', async () => {
      const label = await api('PATCH', `${path}?dryRun=All`, { metadata: { labels: { 'example.com/probe': '1' } } }, 'application/merge-patch+json');
      const condition = await api('PATCH', `${path}/status?dryRun=All`, { status: { conditions: [{ type: 'example.com/Probe', status: 'True' }] } }, 'application/strategic-merge-patch+json');
      seen = `label: ${label.status} ${label.body?.message}; condition: ${condition.status} ${condition.body?.message}`;
      return POD_GATE_DENIED.test(label.body?.message ?? '') && POD_CONDITION_DENIED.test(condition.body?.message ?? '') ? true : undefined;
    }, 60_000, 500).catch((e: Error) => { throw new Error(`${e.message}; last seen: ${seen}`); });
  } finally {
    await kubectlOk(['delete', 'pod', probe, '-n', namespace, '--wait=false']);
  }
}



/**
 * A kubeconfig for the watcher's own ServiceAccount in `ns`, under the example install's namespaced
 * RBAC and admission policies, applied first and enforced before it is returned.
 */
export async function exampleRbacKubeconfig(ns: string, dir: string): Promise<string> {
  const docs = await exampleDocs('.', NAMESPACED_RBAC_KINDS);
  await kubectlOk(['apply', '--server-side', '--field-manager=pxc-tls-test', '-n', ns, '-f', '-'], { input: docs.join('---\n') });
  const kubeconfig = await tokenKubeconfig(dir, ns, 'pxc-tls-watch');
  await awaitPodPolicies(kubeconfig, ns);
  return kubeconfig;
}

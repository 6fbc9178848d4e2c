// Glue for the watcher's tests on the real control plane (test/cluster): render databases with the
// built function, issue through the real cert-manager, wait for the gated pods of the rig's real
// StatefulSet controller (or make them by hand where none runs), and run the built watcher bundle
// as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { apply, getJson, kubectlOk, kubeconfigPath } from '../cluster/kube';
import { AGENT_IMAGE } from '../../src/test-support/fixtures';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const CLI = join(REPO_ROOT, 'dist', 'pxc-tls.cjs');
export const GATE = 'pxc-tls.dev/certificates-ready';
export const CONDITION = 'pxc-tls.dev/CertificatesVerified';

export type KObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: any }; [k: string]: any };

/** Runs the built function on a ResourceList of `items`; returns the output items. */
export function render(items: object[]): Promise<KObject[]> {
  if (!existsSync(CLI)) throw new Error(`${CLI} does not exist: run \`npm run build\` first`);
  // Standalone mode needs the agent's image (images.agent); the tests render as a user's config would.
  const functionConfig = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'function-input' }, data: { 'images.agent': AGENT_IMAGE } };
  const input = stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items, functionConfig }, { aliasDuplicateObjects: false });
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [CLI], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', rej);
    p.on('close', (code) => (code === 0 ? res((parse(out) as { items: KObject[] }).items) : rej(new Error(`pxc-tls exited ${code}: ${err}`))));
    p.stdin.end(input);
  });
}

export function perconaXtraDB(name: string, namespace: string, replicas = 3): object {
  return {
    apiVersion: 'kubedb.com/v1',
    kind: 'PerconaXtraDB',
    metadata: { name, namespace },
    spec: {
      version: '8.4.3',
      replicas,
      storageType: 'Ephemeral',
      requireSSL: true,
      tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'px-issuer' } },
      deletionPolicy: 'WipeOut',
    },
  };
}

/**
 * What goes to the cluster: the rendered objects without the source database (local-config), and
 * — as a user creates them beside a database, KubeDB's operator being absent — the auth, monitor
 * and replication Secrets its pods take credentials from (the watcher gates on them too).
 */
export function toApply(items: KObject[]): KObject[] {
  const rendered = items.filter((o) => o.metadata?.annotations?.['config.kubernetes.io/local-config'] !== 'true' && o.kind !== 'PerconaXtraDB');
  const credentials = rendered.filter((o) => o.kind === 'StatefulSet').flatMap((sts) => credentialSecrets(sts.metadata.namespace!, sts.metadata.name));
  return [...rendered, ...credentials];
}

/** `<db>-auth`, `<db>-monitor`, `<db>-replication` (kubernetes.io/basic-auth), as a user creates them. */
export function credentialSecrets(namespace: string, db: string): KObject[] {
  return (['auth', 'monitor', 'replication'] as const).map((purpose) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${db}-${purpose}`, namespace },
    type: 'kubernetes.io/basic-auth',
    stringData: { username: purpose === 'auth' ? 'root' : purpose, password: `${purpose}-${db}-pw` },
  }));
}

export function toYaml(objects: object[]): string {
  return objects.map((o) => stringify(o, { aliasDuplicateObjects: false })).join('---\n');
}

/** SelfSigned → CA Certificate (rotationPolicy Never) → CA Issuer `issuer`, in `namespace`. */
export async function caIssuer(namespace: string, issuer = 'px-issuer', ca = `${issuer}-ca`): Promise<void> {
  await apply(`apiVersion: cert-manager.io/v1
kind: Issuer
metadata: {name: ${ca}-selfsigned, namespace: ${namespace}}
spec: {selfSigned: {}}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: ${ca}, namespace: ${namespace}}
spec:
  isCA: true
  commonName: ${ca}
  secretName: ${ca}
  privateKey: {algorithm: ECDSA, size: 256, rotationPolicy: Never}
  issuerRef: {kind: Issuer, name: ${ca}-selfsigned}
---
apiVersion: cert-manager.io/v1
kind: Issuer
metadata: {name: ${issuer}, namespace: ${namespace}}
spec: {ca: {secretName: ${ca}}}
`);
}

/** True when the control plane in use runs the StatefulSet controller (the rig's default;
 * PXC_TLS_CONTROLLERS, set by global-setup.ts, or by a test that starts its own control plane). */
export const controllersRun = (): boolean => process.env.PXC_TLS_CONTROLLERS === '1';

/** The Pods the StatefulSet controller would create from `sts`'s template: `<sts>-<i>`, hostname
 * and subdomain set, the pod-name and pod-index labels, and the controller ownerReference when the
 * StatefulSet has a UID (a live one). `adjust` may change each pod (e.g. another controller's gate). */
export function podsFromTemplate(sts: KObject, count: number, adjust: (pod: KObject) => void = () => {}): KObject[] {
  const template = sts.spec.template;
  return Array.from({ length: count }, (_, i) => {
    const name = `${sts.metadata.name}-${i}`;
    const pod: KObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: sts.metadata.namespace,
        labels: { ...template.metadata.labels, 'statefulset.kubernetes.io/pod-name': name, 'apps.kubernetes.io/pod-index': String(i) },
        annotations: template.metadata.annotations ?? {},
        ...(sts.metadata.uid ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: sts.metadata.name, uid: sts.metadata.uid, controller: true, blockOwnerDeletion: true }] } : {}),
      },
      spec: { ...template.spec, hostname: name, subdomain: sts.spec.serviceName },
    };
    adjust(pod);
    return pod;
  });
}

/** Creates pods by hand (see podsFromTemplate), for a test that needs pods no controller owns. */
export async function createPodsByHand(namespace: string, sts: KObject, count: number, adjust?: (pod: KObject) => void): Promise<string[]> {
  const pods = podsFromTemplate({ ...sts, metadata: { ...sts.metadata, namespace } }, count, adjust);
  await kubectlOk(['create', '-f', '-'], { input: pods.map((p) => JSON.stringify(p)).join('\n') });
  return pods.map((p) => p.metadata.name);
}

/** The pods `<sts>-0 … <sts>-(count-1)` of an applied StatefulSet. Where the StatefulSet controller
 * runs, it creates them and this waits until they all exist; elsewhere (a control plane started
 * with `controllers: false`) this creates what the controller would. */
export async function createPods(namespace: string, stsName: string, count: number): Promise<string[]> {
  if (!controllersRun()) return createPodsByHand(namespace, await getJson(['get', 'statefulset', stsName, '-n', namespace]), count);
  const names = Array.from({ length: count }, (_, i) => `${stsName}-${i}`);
  await eventually(`the StatefulSet controller to create ${names.join(', ')}`, async () => {
    const pods = await getJson(['get', 'pods', '-n', namespace, '-o', 'json']);
    const have = new Set(pods.items.map((p: KObject) => p.metadata.name));
    return names.every((n) => have.has(n)) ? true : undefined;
  }, 120_000, 250);
  return names;
}

/** Deletes a pod and has it back, gated, as the StatefulSet controller makes it (by the controller
 * where it runs; by hand, from the old pod, elsewhere). Resolves with the new pod's UID. */
export async function recreatePod(namespace: string, name: string): Promise<string> {
  const old = await getJson(['get', 'pod', name, '-n', namespace]);
  await kubectlOk(['delete', 'pod', name, '-n', namespace, '--wait=true']);
  if (!controllersRun()) {
    const { uid: _uid, resourceVersion: _rv, creationTimestamp: _ct, managedFields: _mf, ...metadata } = old.metadata;
    await kubectlOk(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata, spec: old.spec }) });
  }
  return eventually(`${name} created again`, async () => {
    const r = await getJson(['get', 'pods', '-n', namespace, '--field-selector', `metadata.name=${name}`]);
    const uid = r.items[0]?.metadata.uid;
    return uid && uid !== old.metadata.uid ? uid as string : undefined;
  }, 120_000, 250);
}

export async function podGates(namespace: string, name: string): Promise<string[]> {
  const pod = await getJson(['get', 'pod', name, '-n', namespace]);
  return (pod.spec.schedulingGates ?? []).map((g: { name: string }) => g.name);
}

export async function podCondition(namespace: string, name: string): Promise<{ status: string; reason: string; message: string } | undefined> {
  const pod = await getJson(['get', 'pod', name, '-n', namespace]);
  return (pod.status?.conditions ?? []).find((c: { type: string }) => c.type === CONDITION);
}

// ---- the watcher as a child process -------------------------------------------------------------

export interface WatcherProcess {
  name: string;
  child: ChildProcess;
  /** Every JSON log line so far. */
  lines: Array<Record<string, any>>;
  /** Everything written to stdout and stderr, raw (to assert that no key material leaks). */
  output(): string;
  port(): Promise<number>;
  metrics(): Promise<string>;
  /** Resident set size in KiB (from /proc). */
  rssKiB(): number;
  /** Waits for a log line matching `msg` (and fields); returns it. */
  waitLog(msg: string, timeoutMs?: number, fields?: Record<string, unknown>): Promise<Record<string, any>>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited(): boolean;
}

export interface WatcherOptions {
  name: string;
  kubeconfig?: string;
  namespaces?: string[];
  leaseNamespace: string;
  leaseName?: string;
  extraArgs?: string[];
}

/** NODE_OPTIONS as examples/watcher's Deployment sets it: the watcher runs here as it runs there. */
export function deploymentNodeOptions(): string {
  const deployment = parse(readFileSync(join(REPO_ROOT, 'examples', 'watcher', 'base', 'deployment.yaml'), 'utf8'));
  const env: Array<{ name: string; value?: string }> = deployment.spec.template.spec.containers[0].env ?? [];
  return env.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
}

const running = new Set<ChildProcess>();
process.on('exit', () => running.forEach((c) => c.kill('SIGKILL')));

export function startWatcher(opts: WatcherOptions): WatcherProcess {
  const args = [
    CLI, 'watch',
    '--kubeconfig', opts.kubeconfig ?? kubeconfigPath(),
    '--listen-address', '127.0.0.1:0',
    '--lease-namespace', opts.leaseNamespace,
    '--lease-name', opts.leaseName ?? 'pxc-tls-watch',
    '--identity', opts.name,
    ...(opts.namespaces ?? []).flatMap((ns) => ['--namespace', ns]),
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: deploymentNodeOptions() } });
  running.add(child);
  let raw = '';
  let pending = '';
  const lines: Array<Record<string, any>> = [];
  let exitCode: number | null | undefined;
  const exitP = new Promise<number | null>((res) => child.on('exit', (code) => { exitCode = code; running.delete(child); res(code); }));
  child.stdout!.on('data', (d: Buffer) => {
    raw += d.toString();
    pending += d.toString();
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      try { lines.push(JSON.parse(line)); } catch { lines.push({ msg: '(not JSON)', line }); }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (raw += d.toString()));
  const w: WatcherProcess = {
    name: opts.name,
    child,
    lines,
    output: () => raw,
    exited: () => exitCode !== undefined,
    async waitLog(msg, timeoutMs = 60_000, fields = {}) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines.find((l) => l.msg === msg && Object.entries(fields).every(([k, v]) => l[k] === v));
        if (hit) return hit;
        if (exitCode !== undefined) throw new Error(`watcher ${opts.name} exited (${exitCode}) before logging "${msg}":\n${raw.slice(-3000)}`);
        if (Date.now() > end) throw new Error(`watcher ${opts.name} did not log "${msg}" within ${timeoutMs} ms:\n${raw.slice(-3000)}`);
        await sleep(100);
      }
    },
    async port() {
      return (await w.waitLog('serving /healthz /readyz /metrics', 30_000)).port;
    },
    async metrics() {
      return httpGet(await w.port(), '/metrics').then((r) => r.body);
    },
    rssKiB() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    },
    async stop(signal = 'SIGTERM') {
      if (exitCode !== undefined) return exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exitP;
      clearTimeout(timer);
      return code;
    },
  };
  return w;
}

export function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    get({ host: '127.0.0.1', port, path, timeout: 5000 }, (r) => {
      let body = '';
      r.on('data', (c: Buffer) => (body += c.toString()));
      r.on('end', () => res({ status: r.statusCode ?? 0, body }));
    }).on('error', rej);
  });
}

/** The value of a metric line (`name{labels} value`), or undefined. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v) && Object.keys(have).length === Object.keys(labels).length) return Number(m[3]);
  }
  return undefined;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `probe` returns a value; the message says what was awaited and the last state seen. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `; last error: ${(last as Error).message}` : ''}`);
    await sleep(intervalMs);
  }
}

export function writeKubeconfig(path: string, server: string, token: string, caPath: string): void {
  writeFileSync(path, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${server}", certificate-authority: "${caPath}"}}]
users: [{name: u, user: {token: "${token}"}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`, { mode: 0o600 });
}


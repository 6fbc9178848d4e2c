// Helpers for tests on the rig's control plane: everything goes through the machine's kubectl with
// the rig's admin kubeconfig (PXC_TLS_KUBECONFIG, exported by global-setup.ts).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function kubeconfigPath(): string {
  const p = process.env.PXC_TLS_KUBECONFIG;
  if (!p) throw new Error('PXC_TLS_KUBECONFIG is not set: run through the jest project `cluster` (test/cluster/global-setup.ts)');
  return p;
}

/** Runs kubectl against the rig; never throws on a non-zero exit (see kubectlOk for that). */
export function kubectl(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'kubectl',
      ['--kubeconfig', kubeconfigPath(), ...args],
      { maxBuffer: 64 << 20, timeout: opts.timeoutMs ?? 120_000 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') return reject(err);
        resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(opts.input ?? '');
  });
}

/** Runs kubectl and throws with its stderr unless it exits 0; returns stdout. */
export async function kubectlOk(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await kubectl(args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** kubectl … -o json, parsed. */
export async function getJson<T = any>(args: string[]): Promise<T> {
  return JSON.parse(await kubectlOk([...args, '-o', 'json'])) as T;
}

/** Fetches one object, or undefined when it does not exist. */
export async function getObject<T = any>(kind: string, name: string, namespace?: string): Promise<T | undefined> {
  const r = await kubectl(['get', kind, name, ...(namespace ? ['-n', namespace] : []), '-o', 'json']);
  if (r.code !== 0) {
    if (/NotFound|not found/.test(r.stderr)) return undefined;
    throw new Error(`kubectl get ${kind} ${name}: ${r.stderr.trim()}`);
  }
  return JSON.parse(r.stdout) as T;
}

export interface ApplyOptions {
  namespace?: string;
  /** 'server' for a server-side dry run (nothing persisted). */
  dryRun?: 'server';
  /** Client-side apply instead of server-side apply. */
  clientSide?: boolean;
}

/** Applies a YAML (one or more documents); throws with kubectl's stderr when rejected. */
export function apply(yaml: string, opts: ApplyOptions = {}): Promise<string> {
  const args = ['apply', '-f', '-'];
  if (!opts.clientSide) args.push('--server-side', '--field-manager=pxc-tls-test');
  if (opts.dryRun) args.push(`--dry-run=${opts.dryRun}`);
  if (opts.namespace) args.push('-n', opts.namespace);
  return kubectlOk(args, { input: yaml });
}

/** Creates a namespace with a unique name: tests never share one, and none needs deleting (a
 * control plane started with `controllers: false` has no namespace controller to finish a delete). */
export async function createNamespace(prefix = 'test'): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`.toLowerCase().slice(0, 63);
  await kubectlOk(['create', 'namespace', name]);
  return name;
}

/** Waits with `kubectl wait --for=<cond>` (e.g. `condition=Ready`, `jsonpath={.status.x}=y`). */
export async function waitFor(resource: string, cond: string, opts: { namespace?: string; timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  await kubectlOk(['wait', resource, `--for=${cond}`, `--timeout=${Math.ceil(timeoutMs / 1000)}s`,
    ...(opts.namespace ? ['-n', opts.namespace] : [])], { timeoutMs: timeoutMs + 15_000 });
}

/** Polls `probe` until it returns something other than undefined. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const end = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}

/** Patches an object; `type` is kubectl's --type (json, merge, strategic). Returns the kubectl result
 * so tests can assert rejections. */
export function patch(kind: string, name: string, namespace: string, type: 'json' | 'merge' | 'strategic', body: unknown): Promise<KubectlResult> {
  return kubectl(['patch', kind, name, '-n', namespace, '--type', type, '-p', JSON.stringify(body)]);
}

/** Secret data, decoded. */
export function secretData(secret: { data?: Record<string, string> }): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
}

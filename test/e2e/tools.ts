/**
 * The real programs the e2e tests drive, built or found once: the single executable
 * (`npm run build:sea`, cached by its own stamp) and the standalone kustomize
 * (scripts/tools/go-tools.sh, cached under .cache/tools/). Both builds are serialised with flock,
 * so jest workers that ask at the same time wait for one build.
 */
import { execFileSync, spawnSync, SpawnSyncReturns } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { REPO } from './kpt-golden';

export const SEA = join(REPO, 'dist/pxc-tls');

function locked(name: string, command: string[]): string {
  mkdirSync(join(REPO, '.cache'), { recursive: true });
  return execFileSync('flock', [join(REPO, `.cache/.${name}.lock`), ...command], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30 * 60_000 });
}

/** Builds dist/pxc-tls unless it is up to date, and returns its path. */
export function ensureSea(): string {
  locked('build-sea', [process.execPath, join(REPO, 'scripts/build-sea.mjs')]);
  return SEA;
}

export interface Kustomize {
  path: string;
  version: string;
}

/** The standalone kustomize v5 built from the Go module proxy (the script prints `kustomize <version> <path> (…)`). */
export function ensureKustomize(): Kustomize {
  const line = execFileSync('bash', [join(REPO, 'scripts/tools/go-tools.sh'), 'kustomize'], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30 * 60_000 })
    .split('\n')
    .find((l) => l.startsWith('kustomize '));
  const [, version, path] = line?.split(' ') ?? [];
  if (!version || !path) throw new Error(`go-tools.sh kustomize printed no path: ${line}`);
  return { path, version };
}

/** kube-score built from the Go module proxy (the script prints `kube-score <version> <path> (…)`). */
export function ensureKubeScore(): { path: string; version: string } {
  const line = execFileSync('bash', [join(REPO, 'scripts/tools/go-tools.sh'), 'kube-score'], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30 * 60_000 })
    .split('\n')
    .find((l) => l.startsWith('kube-score '));
  const [, version, path] = line?.split(' ') ?? [];
  if (!version || !path) throw new Error(`go-tools.sh kube-score printed no path: ${line}`);
  return { path, version };
}

/** A folder holding only `pxc-tls` → the given file: used as the whole PATH, so no node is reachable. */
export function pathWith(target: string, name = 'pxc-tls'): string {
  const bin = mkdtempSync(join(tmpdir(), 'pxc-tls-path-'));
  symlinkSync(target, join(bin, name));
  return bin;
}

/** A folder with an executable script `name`. */
export function scriptDir(name: string, text: string): string {
  const bin = mkdtempSync(join(tmpdir(), 'pxc-tls-script-'));
  writeFileSync(join(bin, name), text);
  chmodSync(join(bin, name), 0o755);
  return bin;
}

export function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { encoding: 'utf8', timeout: 120_000, ...options });
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** The objects of a multi-document YAML stream (kustomize's output) or of a ResourceList. */
export function objectsOf(text: string): K8sObject[] {
  const docs = text
    .split(/^---$/m)
    .map((doc) => load(doc) as K8sObject | null)
    .filter((doc): doc is K8sObject => doc !== null && doc !== undefined);
  if (docs.length === 1 && docs[0]!.kind === 'ResourceList') return (docs[0] as unknown as { items: K8sObject[] }).items;
  return docs;
}

export function kindsOf(objects: readonly K8sObject[]): string[] {
  return objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
}

/** What kpt hands a function for a package (`kpt fn source`), as a ResourceList. */
/**
 * The package as `kpt fn render` hands it to pxc-tls: its resources, and the function config its
 * Kptfile gives the pxc-tls step (a `configMap:` becomes the ConfigMap `function-input`, as kpt
 * makes it) — standalone mode needs at least `images.agent` from it.
 */
export function sourceList(dir: string): string {
  const args = ['fn', 'source', dir];
  let kptfile: { pipeline?: { mutators?: Array<{ exec?: string; configMap?: Record<string, string> }> } } | undefined;
  try {
    kptfile = load(readFileSync(join(dir, 'Kptfile'), 'utf8')) as typeof kptfile;
  } catch {
    kptfile = undefined;
  }
  const configMap = kptfile?.pipeline?.mutators?.find((m) => m.exec === 'pxc-tls')?.configMap;
  if (configMap) {
    const file = join(mkdtempSync(join(tmpdir(), 'pxc-tls-fn-config-')), 'function-input.yaml');
    const data = Object.entries(configMap).map(([k, v]) => `  ${k}: ${JSON.stringify(String(v))}`).join('\n');
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: function-input\ndata:\n${data}\n`);
    args.push('--fn-config', file);
  }
  return execFileSync('kpt', args, { encoding: 'utf8' });
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/**
 * The warning of a database whose three certificates share one issuer (issue 15, src/render/trust.ts),
 * as the function prints it on stderr: the examples taken from KubeDB's docs all get it.
 */
export function sharedIssuerWarning(namespace: string, name: string, issuer = 'Issuer px-issuer'): string {
  return `pxc-tls: [warning] kubedb.com/v1/PerconaXtraDB/${namespace}/${name} spec.tls.issuerRef: the server (Galera) certificate comes from the same issuer (${issuer}) as the client and metrics-exporter certificates: Galera admits any certificate its CA signed, so holders of those, or of any other certificate that issuer signs, are let into the cluster (docs/security.md); give the server certificate an issuer of its own (spec.tls.certificates[alias=server].issuerRef)\n`;
}

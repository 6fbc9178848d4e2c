// From an example package to the objects a user applies: the package is staged (stagePackage from
// test/e2e/kpt-golden.ts), optionally moved to other namespaces / ClusterIssuer names by editing the
// user's own input files (never the rendered output: DNS names in Certificates depend on the
// namespace), rendered by the real kpt running the built function (`kpt fn render --allow-exec
// -o unwrap`, `pxc-tls` on PATH through makeBinDir), and split into what `kpt live apply` would send
// (everything without `config.kubernetes.io/local-config: "true"`) and the local-config rest.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, parseAllDocuments, visit, type Document } from 'yaml';
import { kubectl } from './kube';
import { BUNDLE, REPO, caseConfig, findCases, makeBinDir, stagePackage } from '../e2e/kpt-golden';

export type KObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  [k: string]: any;
};

export const EXAMPLES = join(REPO, 'examples');
export const LOCAL_CONFIG = 'config.kubernetes.io/local-config';
/** The kpt golden cases under examples/ that render successfully: a Kptfile and `.expected/` in
 * the folder itself, exit code 0. examples/kustomize (and argocd, watcher: tested by others through
 * their own tools) have no `.expected/` of their own, so they are not found here unless they become
 * kpt golden cases. */
export function exampleCases(): string[] {
  return findCases(EXAMPLES).filter((dir) => existsSync(join(dir, 'Kptfile')) && (caseConfig(dir).exitCode ?? 0) === 0);
}

export interface Rewrite {
  /** Namespace renames, applied to every object's metadata.namespace in the user's files. */
  namespaces?: Record<string, string>;
  /** ClusterIssuer renames: the ClusterIssuers themselves and every issuerRef of kind ClusterIssuer. */
  clusterIssuers?: Record<string, string>;
}

function yamlFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.name === '.git') continue;
    if (entry.isDirectory()) out.push(...yamlFiles(dir, path));
    else if (/\.ya?ml$/.test(entry.name)) out.push(path);
  }
  return out;
}

function rewriteDocument(doc: Document, rw: Rewrite): boolean {
  let changed = false;
  const kind = doc.get('kind');
  const ns = doc.getIn(['metadata', 'namespace']);
  if (typeof ns === 'string' && rw.namespaces?.[ns]) {
    doc.setIn(['metadata', 'namespace'], rw.namespaces[ns]);
    changed = true;
  }
  const name = doc.getIn(['metadata', 'name']);
  if (kind === 'Namespace' && typeof name === 'string' && rw.namespaces?.[name]) {
    doc.setIn(['metadata', 'name'], rw.namespaces[name]);
    changed = true;
  }
  if (kind === 'ClusterIssuer' && typeof name === 'string' && rw.clusterIssuers?.[name]) {
    doc.setIn(['metadata', 'name'], rw.clusterIssuers[name]);
    changed = true;
  }
  // Every issuerRef (spec.tls.issuerRef, spec.tls.certificates[].issuerRef, a Certificate's issuerRef).
  visit(doc, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || pair.key.value !== 'issuerRef' || !isMap(pair.value)) return;
      const ref = pair.value;
      const refName = ref.get('name');
      if (ref.get('kind') === 'ClusterIssuer' && typeof refName === 'string' && rw.clusterIssuers?.[refName]) {
        ref.set('name', rw.clusterIssuers[refName]);
        changed = true;
      }
    },
  });
  return changed;
}

/** Stages `caseDir` (a git-initialised copy without `.expected`) and applies `rewrite` to the user's
 * YAML files there (comments kept). Returns the package path; remove it with `cleanup`. */
export function stageExample(caseDir: string, rewrite: Rewrite = {}): string {
  const pkg = stagePackage(caseDir);
  for (const file of yamlFiles(pkg)) {
    const path = join(pkg, file);
    const text = readFileSync(path, 'utf8');
    const docs = parseAllDocuments(text);
    if (!Array.isArray(docs)) continue; // an empty file
    let changed = false;
    for (const doc of docs) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      if (isMap(doc.contents) && rewriteDocument(doc, rewrite)) changed = true;
    }
    if (changed) writeFileSync(path, docs.map((d) => d.toString()).join(''));
  }
  return pkg;
}

/** Removes a package made by stageExample (and its temporary parent). */
export function cleanup(pkg: string): void {
  rmSync(join(pkg, '..'), { recursive: true, force: true });
}

export interface Rendered {
  /** Every object kpt's render produced, in kpt's output order. */
  objects: KObject[];
  /** What `kpt live apply` would send: the objects without the local-config mark. */
  toApply: KObject[];
  /** The same objects as kpt wrote them (its own bytes: comments, quoting), as multi-document YAML:
   * what a user's `kubectl apply -f` of the rendered files reads, minus the local-config objects. */
  applyYaml: string;
  /** The local-config objects (Kptfile, function configs, the rendered source databases). */
  localConfig: KObject[];
  /** kpt's stderr (progress and the function's results). */
  stderr: string;
}

let binDir: string | undefined;

/** `kpt fn render --allow-exec -o unwrap` in `pkg` (files untouched; the objects on stdout). */
export function renderPackage(pkg: string): Rendered {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} does not exist: run \`npm run build\` first`);
  binDir ??= makeBinDir();
  const run = spawnSync('kpt', ['fn', 'render', '--allow-exec', '-o', 'unwrap'], {
    cwd: pkg,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, PATH: `${binDir}:${process.env.PATH}` },
  });
  if (run.status !== 0) throw new Error(`kpt fn render in ${pkg} exited ${run.status ?? run.signal}:\n${run.stderr}`);
  // kpt separates documents with `---` lines; each piece is kept byte for byte (re-serialising would
  // lose the quoting that keeps e.g. "yes" a string for kubectl's YAML 1.1 reader).
  const objects: KObject[] = [];
  const apply: string[] = [];
  const localConfig: KObject[] = [];
  for (const piece of run.stdout.split(/^---[ \t]*\n/m)) {
    const docs = parseAllDocuments(piece) as Document[];
    if (docs.length !== 1) {
      if (docs.length === 0 && piece.trim() === '') continue;
      throw new Error(`kpt's output: a piece with ${docs.length} documents:\n${piece.slice(0, 200)}`);
    }
    const doc = docs[0]!;
    if (doc.errors.length) throw new Error(`kpt's output does not parse: ${doc.errors[0]!.message}`);
    const o = doc.toJS() as KObject | null;
    if (!o) continue;
    objects.push(o);
    if (o.metadata?.annotations?.[LOCAL_CONFIG] === 'true') localConfig.push(o);
    else apply.push(piece.endsWith('\n') ? piece : `${piece}\n`);
  }
  const isLocal = (o: KObject) => o.metadata?.annotations?.[LOCAL_CONFIG] === 'true';
  return { objects, toApply: objects.filter((o) => !isLocal(o)), applyYaml: apply.join('---\n'), localConfig, stderr: run.stderr };
}

/** Stages, rewrites and renders an example; the staged copy is removed afterwards. */
export function renderExample(caseDir: string, rewrite: Rewrite = {}): Rendered {
  const pkg = stageExample(caseDir, rewrite);
  try {
    return renderPackage(pkg);
  } finally {
    cleanup(pkg);
  }
}

/** The namespaces and ClusterIssuer names used in an example's input files. */
export function exampleNames(caseDir: string): { namespaces: string[]; clusterIssuers: string[] } {
  const namespaces = new Set<string>();
  const clusterIssuers = new Set<string>();
  for (const file of yamlFiles(caseDir)) {
    if (file.startsWith('.expected/')) continue;
    for (const doc of parseAllDocuments(readFileSync(join(caseDir, file), 'utf8')) as Document[]) {
      const o = doc.toJS() as KObject | null;
      if (!o || typeof o !== 'object') continue;
      if (o.metadata?.namespace) namespaces.add(o.metadata.namespace);
      if (o.kind === 'ClusterIssuer' && o.metadata?.name) clusterIssuers.add(o.metadata.name);
    }
  }
  return { namespaces: [...namespaces].sort(), clusterIssuers: [...clusterIssuers].sort() };
}

/** A unique suffixed name, a valid DNS label (≤ 63 characters). */
export function uniqueName(base: string): string {
  const suffix = randomBytes(3).toString('hex');
  return `${base.slice(0, 63 - suffix.length - 1)}-${suffix}`;
}

/** A Rewrite moving every namespace and ClusterIssuer of the example to fresh unique names. */
export function freshNames(caseDir: string, opts: { clusterIssuers?: boolean } = {}): Rewrite {
  const names = exampleNames(caseDir);
  return {
    namespaces: Object.fromEntries(names.namespaces.map((n) => [n, uniqueName(n)])),
    clusterIssuers: opts.clusterIssuers === false ? {} : Object.fromEntries(names.clusterIssuers.map((n) => [n, uniqueName(n)])),
  };
}

/** Objects as kubectl input: a JSON `v1 List` (kubectl flattens it; JSON leaves no YAML 1.1/1.2
 * doubt about how kubectl reads a scalar). */
export function asList(objects: object[]): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
}

export interface ApplyRun {
  stdout: string;
  stderr: string;
  /** kubectl's `Warning: …` lines (API server warnings, e.g. deprecations, unknown fields). */
  warnings: string[];
}

/** `kubectl apply --server-side` of a YAML stream (optionally `--dry-run=server`), keeping stderr so
 * a test can assert there was no warning; throws with kubectl's stderr when it fails. */
export async function applyYaml(yaml: string, opts: { dryRun?: boolean } = {}): Promise<ApplyRun> {
  const args = ['apply', '--server-side', '--field-manager=pxc-tls-test', '-f', '-'];
  if (opts.dryRun) args.push('--dry-run=server');
  const run = await kubectl(args, { input: yaml, timeoutMs: 180_000 });
  if (run.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${run.code}:\n${run.stderr.trim()}`);
  return { stdout: run.stdout, stderr: run.stderr, warnings: run.stderr.split('\n').filter((l) => /^\s*Warning:/i.test(l)) };
}

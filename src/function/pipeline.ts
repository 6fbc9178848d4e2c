/**
 * The function's core over a whole ResourceList: find the databases, validate, render, place the
 * new objects beside their database's file, replace what an earlier run generated, and report.
 * Pure: items and options in, output items and results out.
 */
import { Result } from '../krm/results';
import { groupOf, KubeObject, OutputItem, refOf } from '../krm/types';
import { ISSUER_GROUP } from '../model/kubedb';
import { resolveDatabase } from '../render/resolve';
import { RenderOptions } from '../model/options';
import { Problem } from '../render/problems';
import { CERT_ALIAS_LABEL, GENERATED_FROM_ANNOTATION, INDEX_ANNOTATIONS, LOCAL_CONFIG_ANNOTATION, PATH_ANNOTATIONS } from '../model/project';
import { renderDatabase, renderWarnings } from '../render/render';
import { isPerconaXtraDB, PerconaXtraDB } from '../model/perconaxtradb';
import { hasTLS, IssuerIndex, validateDatabase, validateWithoutTLS } from '../render/validate';

export interface PipelineResult {
  items: OutputItem[];
  results: Result[];
}

export function generatedFrom(object: KubeObject): string | undefined {
  return object.metadata.annotations?.[GENERATED_FROM_ANNOTATION];
}

function indexIssuers(items: readonly KubeObject[]): IssuerIndex {
  const issuers = new Map<string, Set<string>>();
  const clusterIssuers = new Set<string>();
  for (const item of items) {
    if (groupOf(item.apiVersion) !== ISSUER_GROUP || !item.metadata.name) continue;
    if (item.kind === 'ClusterIssuer') clusterIssuers.add(item.metadata.name);
    if (item.kind === 'Issuer') {
      const namespaces = issuers.get(item.metadata.name) ?? new Set<string>();
      namespaces.add(item.metadata.namespace ?? '');
      issuers.set(item.metadata.name, namespaces);
    }
  }
  return { issuers, clusterIssuers };
}

/** `group/Kind namespace/name`: two objects with the same key are the same object to the API server. */
function objectKey(object: KubeObject): string {
  return `${groupOf(object.apiVersion)}/${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}

function describe(object: KubeObject): string {
  return `${object.kind} ${object.metadata.namespace ? object.metadata.namespace + '/' : ''}${object.metadata.name}`;
}

function dbKey(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}

function toResult(db: KubeObject, problem: Problem): Result {
  const result: Result = { message: problem.message, severity: problem.severity, resourceRef: refOf(db) };
  if (problem.path) result.field = { path: problem.path };
  const path = pathOf(db);
  if (path) {
    const index = Number(indexOf(db) ?? 0);
    result.file = index > 0 ? { path, index } : { path };
  }
  return result;
}

function pathOf(object: KubeObject): string | undefined {
  const annotations = object.metadata.annotations ?? {};
  for (const key of PATH_ANNOTATIONS) if (annotations[key]) return annotations[key];
  return undefined;
}

function indexOf(object: KubeObject): string | undefined {
  const annotations = object.metadata.annotations ?? {};
  for (const key of INDEX_ANNOTATIONS) if (annotations[key]) return annotations[key];
  return undefined;
}

/** `dbs/sample.yaml` → `dbs/sample.pxc-tls.yaml`: generated objects sit beside their database's file. */
export function generatedPath(sourcePath: string): string {
  const slash = sourcePath.lastIndexOf('/');
  const dir = sourcePath.slice(0, slash + 1);
  const file = sourcePath.slice(slash + 1);
  const stem = file.replace(/\.(ya?ml|json)$/, '');
  return `${dir}${stem}.pxc-tls.yaml`;
}

interface Rendered {
  db: PerconaXtraDB;
  objects: KubeObject[];
}

export function renderResourceList(items: readonly KubeObject[], options: RenderOptions): PipelineResult {
  const results: Result[] = [];
  const issuers = indexIssuers(items);
  const databases = items.filter(isPerconaXtraDB);
  const verdicts = new Map<PerconaXtraDB, 'rendered' | 'failed' | 'untouched'>();
  const rendered: Rendered[] = [];

  for (const db of databases) {
    if (!hasTLS(db)) {
      const problems = validateWithoutTLS(db, issuers);
      results.push(...problems.map((p) => toResult(db, p)));
      if (!problems.some((p) => p.severity === 'error')) {
        results.push(toResult(db, { severity: 'info', message: 'has no spec.tls.issuerRef: passed through unchanged, nothing rendered' }));
      }
      verdicts.set(db, problems.some((p) => p.severity === 'error') ? 'failed' : 'untouched');
      continue;
    }
    const problems = validateDatabase(db, issuers);
    if (problems.some((p) => p.severity === 'error')) {
      results.push(...problems.map((p) => toResult(db, p)));
      verdicts.set(db, 'failed');
      continue;
    }
    const model = resolveDatabase(db, options);
    results.push(...[...problems, ...renderWarnings(model)].map((p) => toResult(db, p)));
    rendered.push({ db, objects: renderDatabase(model) });
    verdicts.set(db, 'rendered');
  }

  // Objects an earlier run generated are replaced by this run's — unless their database failed
  // validation this time: then they stay as they are, so nothing is lost.
  const failed = new Set(databases.filter((db) => verdicts.get(db) === 'failed').map((db) => dbKey(db.metadata.namespace, db.metadata.name)));
  const keep = (item: KubeObject): boolean => {
    const source = generatedFrom(item);
    return source === undefined || failed.has(dbKey(item.metadata.namespace, source));
  };
  const collisions = findCollisions(items.filter(keep), rendered);
  for (const [db, problems] of collisions) {
    results.push(...problems.map((p) => toResult(db, p)));
    verdicts.set(db, 'failed');
    failed.add(dbKey(db.metadata.namespace, db.metadata.name));
  }
  const removed = items.filter((item) => !keep(item));

  const output: OutputItem[] = [];
  items.forEach((item, origin) => {
    if (!keep(item)) return;
    const verdict = isPerconaXtraDB(item) ? verdicts.get(item) : undefined;
    output.push({ object: verdict === 'rendered' ? markSource(item, options) : item, origin });
  });
  const nextIndex = highestIndexByPath(output.map((o) => o.object));
  for (const { db, objects } of rendered) {
    if (verdicts.get(db) !== 'rendered') continue;
    const placed = place(db, objects, nextIndex);
    output.push(...placed.map((object) => ({ object })));
    results.push(toResult(db, { severity: 'info', message: summary(objects, pathOf(placed[0]!)) }));
  }
  results.push(...staleResults(removed, rendered));
  return { items: output, results };
}

/**
 * The source database must not reach the cluster where a KubeDB operator would act on it too:
 * `config.kubernetes.io/local-config` makes kustomize drop it and `kpt live apply` skip it.
 * In kubedb mode the operator is meant to act on it, so the mark is taken off again.
 */
function markSource(db: KubeObject, options: RenderOptions): KubeObject {
  const annotations = { ...db.metadata.annotations };
  if (options.mode === 'standalone') {
    if (annotations[LOCAL_CONFIG_ANNOTATION] === 'true') return db;
    annotations[LOCAL_CONFIG_ANNOTATION] = 'true';
  } else {
    if (annotations[LOCAL_CONFIG_ANNOTATION] === undefined) return db;
    delete annotations[LOCAL_CONFIG_ANNOTATION];
  }
  return { ...db, metadata: { ...db.metadata, annotations } };
}

/**
 * A rendered object may not take the identity of an input object or of another database's object.
 * One problem per database and field, naming every object that collides.
 */
function findCollisions(kept: readonly KubeObject[], rendered: readonly Rendered[]): Map<PerconaXtraDB, Problem[]> {
  const existing = new Map(kept.map((item) => [objectKey(item), item]));
  const claimed = new Map<string, PerconaXtraDB>();
  const problems = new Map<PerconaXtraDB, Problem[]>();
  for (const { db, objects } of rendered) {
    const clashes = new Map<string, string[]>();
    for (const object of objects) {
      const key = objectKey(object);
      const other = existing.get(key);
      const owner = claimed.get(key);
      let clash: string | undefined;
      if (other && generatedFrom(other) === undefined) clash = `${describe(object)} (already in the input)`;
      else if (owner && owner !== db) clash = `${describe(object)} (also rendered for PerconaXtraDB ${owner.metadata.name})`;
      else if (owner === db) clash = `${describe(object)} (twice: give each certificate its own secretName)`;
      if (clash === undefined) {
        claimed.set(key, db);
        continue;
      }
      const path = collisionPath(db, object);
      clashes.set(path, [...(clashes.get(path) ?? []), clash]);
    }
    if (clashes.size > 0) {
      problems.set(db, [...clashes].map(([path, list]) => ({ severity: 'error', path, message: `would render objects that collide: ${list.join('; ')}` })));
    }
  }
  return problems;
}

/** Points at the user's field that produced the colliding name: a certificate's secretName, else the database name. */
function collisionPath(db: PerconaXtraDB, object: KubeObject): string {
  const alias = object.kind === 'Secret' ? object.metadata.labels?.[CERT_ALIAS_LABEL] : undefined;
  const index = alias === undefined ? -1 : (db.spec?.tls?.certificates?.findIndex((c) => c.alias === alias && c.secretName === object.metadata.name) ?? -1);
  return index >= 0 ? `spec.tls.certificates[${index}].secretName` : 'metadata.name';
}

function highestIndexByPath(objects: readonly KubeObject[]): Map<string, number> {
  const highest = new Map<string, number>();
  for (const object of objects) {
    const path = pathOf(object);
    if (path === undefined) continue;
    highest.set(path, Math.max(highest.get(path) ?? -1, Number(indexOf(object) ?? 0)));
  }
  return highest;
}

/** In a kpt package, new objects go to a file beside their database's, each at its own index. */
function place(db: KubeObject, objects: KubeObject[], nextIndex: Map<string, number>): KubeObject[] {
  const source = pathOf(db);
  if (source === undefined) return objects;
  const path = generatedPath(source);
  const annotationKeys = db.metadata.annotations ?? {};
  return objects.map((object) => {
    const index = (nextIndex.get(path) ?? -1) + 1;
    nextIndex.set(path, index);
    const annotations = { ...object.metadata.annotations };
    PATH_ANNOTATIONS.forEach((key, i) => {
      if (annotationKeys[key] !== undefined) {
        annotations[key] = path;
        annotations[INDEX_ANNOTATIONS[i]!] = String(index);
      }
    });
    return { ...object, metadata: { ...object.metadata, annotations } };
  });
}

function summary(objects: readonly KubeObject[], path: string | undefined): string {
  const counts = new Map<string, number>();
  for (const object of objects) counts.set(object.kind, (counts.get(object.kind) ?? 0) + 1);
  const plural = (kind: string) => (kind.endsWith('y') ? `${kind.slice(0, -1)}ies` : `${kind}s`);
  const list = [...counts].map(([kind, count]) => (count > 1 ? `${count} ${plural(kind)}` : `1 ${kind}`)).join(', ');
  return `rendered ${list}${path ? ` into ${path}` : ''}`;
}

/** Objects removed because their database is gone or no longer has TLS. */
function staleResults(removed: readonly KubeObject[], rendered: readonly Rendered[]): Result[] {
  const renderedKeys = new Set(rendered.map(({ db }) => dbKey(db.metadata.namespace, db.metadata.name)));
  const stale = removed.filter((item) => !renderedKeys.has(dbKey(item.metadata.namespace, generatedFrom(item))));
  return stale.map((item) => ({
    severity: 'info',
    message: `removed: it was generated for PerconaXtraDB ${generatedFrom(item)}, which is gone or no longer has TLS`,
    resourceRef: refOf(item),
  }));
}

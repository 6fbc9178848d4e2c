/**
 * The function's core over a whole ResourceList: find the databases, validate, render, place the
 * new objects beside their database's file, replace what an earlier run generated, and report.
 * Pure: items and options in, output items and results out.
 *
 * What it never does: remove an object whose mark does not prove pxc-tls generated it for a
 * database in this input (ownership.ts); remove a generated object whose database is not in the
 * input (kpt may have sent only part of the package: `--match-kind`); touch a local-config mark it
 * did not add. So a second run over the first run's output removes nothing the first kept.
 */
import { Result } from '../krm/results';
import { groupOf, KubeObject, OutputItem, refOf } from '../krm/types';
import { ReplacedImage } from '../model/catalog';
import { ISSUER_GROUP } from '../model/kubedb';
import { resolveDatabase } from '../render/resolve';
import { RenderOptions } from '../model/options';
import { Problem } from '../render/problems';
import { CERT_ALIAS_LABEL } from '../model/project';
import { renderDatabase, renderWarnings } from '../render/render';
import { isPerconaXtraDB, PerconaXtraDB } from '../model/perconaxtradb';
import { hasTLS, IssuerIndex, standaloneProblems, validateDatabase, validateWithoutTLS } from '../render/validate';
import { caRekeyWarnings } from './ca-warnings';
import { nearMissResults } from './near-misses';
import { carriesForeignMark, generatedFor, LocalConfigChange, markRendered, unmarkUnrendered, withGeneratedMark } from './ownership';
import { highestIndexByPath, indexOf, pathOf, place } from './placement';

export { generatedPath } from './placement';

export interface PipelineResult {
  items: OutputItem[];
  results: Result[];
}

type Verdict = 'rendered' | 'failed' | 'untouched';

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

function toResult(object: KubeObject, problem: Problem): Result {
  const result: Result = { message: problem.message, severity: problem.severity, resourceRef: refOf(object) };
  if (problem.path) result.field = { path: problem.path };
  const path = pathOf(object);
  if (path) {
    const index = indexOf(object);
    result.file = index > 0 ? { path, index } : { path };
  }
  return result;
}

interface Rendered {
  db: PerconaXtraDB;
  objects: KubeObject[];
  replacedImages: readonly ReplacedImage[];
}

/** Two databases of the same namespace and name would render the same objects: both fail. */
function duplicateDatabases(databases: readonly PerconaXtraDB[]): Map<PerconaXtraDB, Problem> {
  const byKey = new Map<string, PerconaXtraDB[]>();
  for (const db of databases) {
    const key = dbKey(db.metadata.namespace, db.metadata.name);
    byKey.set(key, [...(byKey.get(key) ?? []), db]);
  }
  const problems = new Map<PerconaXtraDB, Problem>();
  for (const [key, same] of byKey) {
    if (same.length < 2) continue;
    for (const db of same) problems.set(db, { severity: 'error', path: 'metadata.name', message: `${same.length} PerconaXtraDB objects are named ${key} in the input: rename or remove all but one` });
  }
  return problems;
}

export function renderResourceList(items: readonly KubeObject[], options: RenderOptions): PipelineResult {
  const results: Result[] = nearMissResults(items);
  const issuers = indexIssuers(items);
  const databases = items.filter(isPerconaXtraDB);
  const duplicates = duplicateDatabases(databases);
  const verdicts = new Map<PerconaXtraDB, Verdict>();
  const rendered: Rendered[] = [];

  for (const db of databases) {
    const duplicate = duplicates.get(db);
    const problems = [...(duplicate ? [duplicate] : []), ...(hasTLS(db) ? [...validateDatabase(db, issuers), ...standaloneProblems(db, options)] : validateWithoutTLS(db, issuers))];
    if (problems.some((p) => p.severity === 'error')) {
      results.push(...problems.map((p) => toResult(db, p)));
      verdicts.set(db, 'failed');
      continue;
    }
    if (!hasTLS(db)) {
      results.push(...problems.map((p) => toResult(db, p)));
      verdicts.set(db, 'untouched');
      continue;
    }
    const model = resolveDatabase(db, options);
    results.push(...[...problems, ...renderWarnings(model)].map((p) => toResult(db, p)));
    rendered.push({ db, objects: renderDatabase(model).map((object) => withGeneratedMark(object, model.name)), replacedImages: model.replacedImages });
    verdicts.set(db, 'rendered');
  }

  // Objects an earlier run generated are replaced by this run's, or removed when their database no
  // longer renders them — unless their database failed validation this time (they stay, so nothing
  // is lost) or is not in the input at all (they stay, with a warning).
  const verdictByKey = new Map<string, Verdict>();
  for (const db of databases) {
    const key = dbKey(db.metadata.namespace, db.metadata.name);
    if (verdictByKey.get(key) !== 'failed') verdictByKey.set(key, verdicts.get(db)!);
  }
  const owners = new Map<KubeObject, string | undefined>();
  const ownerOf = (item: KubeObject): string | undefined => {
    if (owners.has(item)) return owners.get(item);
    const database = generatedFor(item);
    const owner = database === undefined ? undefined : dbKey(item.metadata.namespace, database);
    owners.set(item, owner);
    return owner;
  };
  const keep = (item: KubeObject): boolean => {
    const owner = ownerOf(item);
    if (owner === undefined) return true;
    const verdict = verdictByKey.get(owner);
    return verdict === undefined || verdict === 'failed';
  };
  const collisions = findCollisions(items.filter(keep), rendered);
  for (const [db, problems] of collisions) {
    results.push(...problems.map((p) => toResult(db, p)));
    verdicts.set(db, 'failed');
    verdictByKey.set(dbKey(db.metadata.namespace, db.metadata.name), 'failed');
  }

  const output: OutputItem[] = [];
  items.forEach((item, origin) => {
    if (!keep(item)) return;
    const verdict = isPerconaXtraDB(item) ? verdicts.get(item) : undefined;
    if (verdict === undefined || verdict === 'failed') {
      output.push({ object: item, origin });
      return;
    }
    const { object, change } = verdict === 'rendered' && options.mode === 'standalone' ? markRendered(item) : unmarkUnrendered(item);
    results.push(...localConfigResults(item, verdict, options, change));
    output.push({ object, origin });
  });
  const nextIndex = highestIndexByPath(output.map((o) => o.object));
  for (const { db, objects, replacedImages } of rendered) {
    if (verdicts.get(db) !== 'rendered') continue;
    const placed = place(db, objects, nextIndex);
    output.push(...placed.map((object) => ({ object })));
    results.push(toResult(db, { severity: 'info', message: summary(objects, pathOf(placed[0]!), replacedImages) }));
  }
  results.push(...removedResults(items.filter((item) => !keep(item)), rendered, verdictByKey), ...orphanResults(items, verdictByKey, ownerOf));
  const live = rendered.filter(({ db }) => verdicts.get(db) === 'rendered');
  for (const w of caRekeyWarnings(items, live)) {
    const result = toResult(w.object, w.problem);
    result.field = { path: w.problem.path!, ...(w.rotationPolicy !== undefined ? { currentValue: w.rotationPolicy } : {}), proposedValue: w.proposedValue };
    results.push(result);
  }
  return { items: output, results };
}

function localConfigResults(db: PerconaXtraDB, verdict: Verdict, options: RenderOptions, change: LocalConfigChange): Result[] {
  if (verdict === 'untouched') {
    const message =
      change === 'removed'
        ? 'has no spec.tls.issuerRef: nothing rendered; took off the config.kubernetes.io/local-config mark pxc-tls had added, so the database reaches the cluster again'
        : 'has no spec.tls.issuerRef: passed through unchanged, nothing rendered';
    return [toResult(db, { severity: 'info', message })];
  }
  if (options.mode === 'kubedb' && change === 'user-mark') {
    return [toResult(db, { severity: 'warning', path: 'metadata.annotations', message: 'carries config.kubernetes.io/local-config: "true", which pxc-tls did not add: in kubedb mode the KubeDB operator should see this database, but kustomize drops it and kpt live apply skips it' })];
  }
  return [];
}

/**
 * A rendered object may not take the identity of an object kept from the input (the user's, or one
 * generated for another database) or of another database's object. One problem per database and
 * field, naming every object that collides.
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
      if (other) clash = `${describe(object)} (${alreadyThere(other)})`;
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

function alreadyThere(other: KubeObject): string {
  const owner = generatedFor(other);
  if (owner !== undefined) return `already in the input, generated for PerconaXtraDB ${owner}`;
  if (carriesForeignMark(other)) return 'already in the input; it carries pxc-tls.dev/database without a matching pxc-tls.dev/generated mark (copied or changed by hand), so pxc-tls leaves it alone: delete it to let pxc-tls render it';
  return 'already in the input';
}

/** Points at the user's field that produced the colliding name: a certificate's secretName, else the database name. */
function collisionPath(db: PerconaXtraDB, object: KubeObject): string {
  const alias = object.kind === 'Secret' ? object.metadata.labels?.[CERT_ALIAS_LABEL] : undefined;
  const index = alias === undefined ? -1 : (db.spec?.tls?.certificates?.findIndex((c) => c.alias === alias && c.secretName === object.metadata.name) ?? -1);
  return index >= 0 ? `spec.tls.certificates[${index}].secretName` : 'metadata.name';
}

/** What was rendered, where, and which catalog images an override replaced (only those the objects use). */
function summary(objects: readonly KubeObject[], path: string | undefined, replacedImages: readonly ReplacedImage[]): string {
  const counts = new Map<string, number>();
  for (const object of objects) counts.set(object.kind, (counts.get(object.kind) ?? 0) + 1);
  const plural = (kind: string) => (kind.endsWith('y') ? `${kind.slice(0, -1)}ies` : `${kind}s`);
  const list = [...counts].map(([kind, count]) => (count > 1 ? `${count} ${plural(kind)}` : `1 ${kind}`)).join(', ');
  const used = replacedImages.length > 0 ? JSON.stringify(objects) : '';
  const images = replacedImages.filter((r) => used.includes(JSON.stringify(r.to)));
  const replaced = images.length > 0 ? `; images replaced: ${images.map((r) => `${r.component} ${r.from} → ${r.to} (${r.by})`).join(', ')}` : '';
  return `rendered ${list}${path ? ` into ${path}` : ''}${replaced}`;
}

/** Generated objects removed because their database no longer renders them (replaced ones are not reported). */
function removedResults(removed: readonly KubeObject[], rendered: readonly Rendered[], verdictByKey: ReadonlyMap<string, Verdict>): Result[] {
  const renderedKeys = new Set(rendered.flatMap(({ objects }) => objects.map(objectKey)));
  return removed
    .filter((item) => !renderedKeys.has(objectKey(item)))
    .map((item) => {
      const database = generatedFor(item)!;
      const why = verdictByKey.get(dbKey(item.metadata.namespace, database)) === 'untouched' ? 'which no longer has spec.tls.issuerRef' : 'which no longer renders it';
      return { severity: 'info', message: `removed: it was generated for PerconaXtraDB ${database}, ${why}`, resourceRef: refOf(item) };
    });
}

/** Generated objects whose database is not in the input: kept, one warning per database. */
function orphanResults(items: readonly KubeObject[], verdictByKey: ReadonlyMap<string, Verdict>, ownerOf: (item: KubeObject) => string | undefined): Result[] {
  const orphans = new Map<string, KubeObject[]>();
  for (const item of items) {
    const owner = ownerOf(item);
    if (owner === undefined || verdictByKey.has(owner)) continue;
    orphans.set(owner, [...(orphans.get(owner) ?? []), item]);
  }
  return [...orphans].map(([owner, objects]) => {
    const files = [...new Set(objects.flatMap((o) => pathOf(o) ?? []))];
    const where = files.length > 0 ? ` (${files.join(', ')})` : '';
    return toResult(objects[0]!, {
      severity: 'warning',
      message: `kept ${objects.length} object(s) generated for PerconaXtraDB ${owner}, which is not in the input${where}: if the database is gone, delete them; pxc-tls removes only what it can prove it generated for a database it sees`,
    });
  });
}

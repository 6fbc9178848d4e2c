/**
 * Checks a PerconaXtraDB against KubeDB's CRD schema for its version (src/model/perconaxtradb-schema.ts):
 * unknown fields (with the field meant, when one is near), values of the wrong type, values outside
 * an enumeration, missing required fields. What the API server would refuse, reported at its path
 * before anything is rendered, so a typo (`requireSsl`) never renders silently without its effect.
 * `null` is taken as unset, as the API server prunes it.
 */
import { childPath } from '../krm/field-path';
import { isPlainObject } from '../krm/types';
import { KUBEDB_GROUP } from '../model/kubedb';
import { didYouMean } from '../model/near-miss';
import { CompactSchema, perconaXtraDBSchema, QUANTITY, SchemaEntry, SchemaRef } from '../model/perconaxtradb-schema';
import { error, Problem } from './problems';

/** More problems than this for one database are summed up in one last line. */
const MAX_PROBLEMS = 50;

const TYPE_NAMES: Readonly<Record<string, string>> = {
  s: 'a string',
  i: 'an integer',
  n: 'a number',
  b: 'a boolean',
  x: 'an integer or a string',
  q: 'a quantity (e.g. 1Gi, 500m, 2)',
};


function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a mapping';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 60 ? value.slice(0, 60) + '…' : value)}`;
  return `${typeof value} ${String(value)}`;
}

interface Walk {
  schema: CompactSchema;
  problems: Problem[];
  version: string;
  otherVersion: string;
}

function entry(schema: CompactSchema, ref: SchemaRef | undefined): SchemaEntry | undefined {
  return typeof ref === 'number' ? schema.table[ref] : undefined;
}

function check(walk: Walk, value: unknown, ref: SchemaRef, other: SchemaRef | undefined, path: string): void {
  if (value === null || value === undefined || ref === '*') return;
  if (typeof ref === 'string') {
    const ok =
      ref === 's' ? typeof value === 'string'
      : ref === 'b' ? typeof value === 'boolean'
      : ref === 'i' ? Number.isInteger(value)
      : ref === 'n' ? typeof value === 'number' && Number.isFinite(value)
      : ref === 'x' ? Number.isInteger(value) || typeof value === 'string'
      : Number.isInteger(value) || (typeof value === 'string' && QUANTITY.test(value));
    if (!ok) {
      const got = ref === 'q' && typeof value === 'string' ? `"${value}" is not one` : `got ${describe(value)}`;
      walk.problems.push(error(path, `must be ${TYPE_NAMES[ref] ?? ref}, ${got}`));
    }
    return;
  }
  const node = entry(walk.schema, ref)!;
  const otherNode = entry(walk.schema, other);
  if ('e' in node) {
    if (typeof value !== 'string') walk.problems.push(error(path, `must be a string, got ${describe(value)}`));
    else if (!node.e.includes(value)) walk.problems.push(error(path, `must be one of ${node.e.join(', ')}, got ${JSON.stringify(value)}${didYouMean(value, node.e)}`));
    return;
  }
  if ('l' in node) {
    if (!Array.isArray(value)) {
      walk.problems.push(error(path, `must be a list, got ${describe(value)}`));
      return;
    }
    const otherItems = otherNode && 'l' in otherNode ? otherNode.l : undefined;
    value.forEach((item, index) => check(walk, item, node.l, otherItems, `${path}[${index}]`));
    return;
  }
  if (!isPlainObject(value)) {
    walk.problems.push(error(path, `must be a mapping, got ${describe(value)}`));
    return;
  }
  const fields = node.o ?? {};
  const otherFields = otherNode && 'o' in otherNode ? (otherNode.o ?? {}) : {};
  for (const required of node.r ?? []) {
    if (value[required] === undefined || value[required] === null) walk.problems.push(error(childPath(path, required), 'is required'));
  }
  for (const key of Object.keys(value)) {
    const at = childPath(path, key);
    const field = Object.prototype.hasOwnProperty.call(fields, key) ? fields[key] : undefined;
    if (field !== undefined) {
      check(walk, value[key], field, Object.prototype.hasOwnProperty.call(otherFields, key) ? otherFields[key] : undefined, at);
    } else if (node.m !== undefined) {
      check(walk, value[key], node.m, otherNode && 'm' in otherNode ? otherNode.m : undefined, at);
    } else {
      walk.problems.push(error(at, unknownField(walk, key, Object.keys(fields), Object.prototype.hasOwnProperty.call(otherFields, key))));
    }
  }
}

function unknownField(walk: Walk, key: string, known: readonly string[], inOtherVersion: boolean): string {
  const hint = didYouMean(key, known);
  if (inOtherVersion) return `unknown field ${JSON.stringify(key)} in ${KUBEDB_GROUP}/${walk.version}: it is a field of ${KUBEDB_GROUP}/${walk.otherVersion}${hint}`;
  return `unknown field ${JSON.stringify(key)}${hint || (known.length > 0 && known.length <= 12 ? `; known fields: ${known.join(', ')}` : '')}`;
}

/** An unpaired UTF-16 surrogate (from a `"\ud800"` escape): no Go program (kpt, kustomize, the API server) can hold it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function findLoneSurrogates(value: unknown, path: string, problems: Problem[], depth = 0): void {
  if (depth > 200 || problems.length > MAX_PROBLEMS) return;
  const complain = (at: string) => problems.push(error(at, 'contains an unpaired UTF-16 surrogate (a \\ud800–\\udfff escape), which kpt, kustomize and the API server cannot read'));
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) complain(path);
  } else if (Array.isArray(value)) value.forEach((item, index) => findLoneSurrogates(item, `${path}[${index}]`, problems, depth + 1));
  else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (LONE_SURROGATE.test(key)) complain(childPath(path, key));
      else findLoneSurrogates(item, childPath(path, key), problems, depth + 1);
    }
  }
}

/** The problems KubeDB's CRD schema finds in `object` (a PerconaXtraDB of `version`, v1 or v1alpha2). */
export function checkAgainstSchema(object: unknown, version: string): Problem[] {
  const schema = perconaXtraDBSchema();
  const root = schema.roots[version];
  if (root === undefined) return [];
  const otherVersion = Object.keys(schema.roots).find((v) => v !== version) ?? version;
  const walk: Walk = { schema, problems: [], version, otherVersion };
  check(walk, object, root, schema.roots[otherVersion], '');
  // JSON.stringify writes exactly the unpaired surrogates as \u escapes: walk only when there is one.
  if (/(?<!\\)(?:\\\\)*\\u[dD][89a-fA-F]/.test(JSON.stringify(object))) findLoneSurrogates(object, '', walk.problems);
  if (walk.problems.length <= MAX_PROBLEMS) return walk.problems;
  const shown = walk.problems.slice(0, MAX_PROBLEMS);
  shown.push(error(undefined, `and ${walk.problems.length - MAX_PROBLEMS} more problems against KubeDB's CRD schema`));
  return shown;
}

/**
 * Property-based: thousands of generated inputs (databases from valid to broken, configs, raw edits
 * of the YAML) through the whole function, each checked for what must hold for every input:
 *   - exit code 0 or 1, never an exception, no internal error text on stderr, one stderr line when
 *     nothing is written;
 *   - the output parses (js-yaml, and the `yaml` package in YAML 1.2 and 1.1 when the input does),
 *     and the lines pxc-tls writes itself hold no character a YAML reader refuses or folds;
 *   - every input item is in the output, unchanged — but a database's local-config marks, and
 *     objects whose mark proves pxc-tls generated them for a database in the input;
 *   - the same input gives byte-identical output; the output, run again, gives itself (idempotence);
 *   - no key material in output or logs; generated Secrets carry no data.
 * `npm test` runs a bounded number of cases; PXC_TLS_PROPERTY_RUNS=N runs N per property (a soak),
 * PXC_TLS_PROPERTY_SEED=S replays a seed.
 */
import { fc, test } from '@fast-check/jest';
import { CORE_SCHEMA, load } from 'js-yaml';
import { parse as parseYaml } from 'yaml';
import { isPlainObject, KubeObject } from '../krm/types';
import { isPerconaXtraDB } from '../model/perconaxtradb';
import { LOCAL_CONFIG_ADDED_ANNOTATION, LOCAL_CONFIG_ANNOTATION } from '../model/project';
import { applyEdits, listText, rawEdit, resourceList, troubleString, troubleValue } from '../test-support/arbitraries';
import { generatedFor } from './ownership';
import { FunctionRun, runFunction } from './run';

const SOAK = Number(process.env.PXC_TLS_PROPERTY_RUNS ?? '0');
const SEED = process.env.PXC_TLS_PROPERTY_SEED === undefined ? {} : { seed: Number(process.env.PXC_TLS_PROPERTY_SEED) };
const runs = (bounded: number) => ({ numRuns: SOAK > 0 ? SOAK : bounded, ...SEED });
/** Generous: the run count bounds the time; a cut-short property would pass having run fewer cases. */
const TIMEOUT_MS = SOAK > 0 ? 6 * 3600_000 : 600_000;

/** Raw characters no YAML reader of kpt or kustomize takes back as written. */
const FORBIDDEN_RAW = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;
const INTERNAL_ERROR = /TypeError|ReferenceError|RangeError|SyntaxError|is not a function|Cannot read propert|undefined is not|\n\s+at /;
const KEY_MATERIAL = /-----BEGIN|PRIVATE KEY/;

const readList = (text: string): Record<string, unknown> | undefined => {
  try {
    const value = load(text, { schema: CORE_SCHEMA, json: true });
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
};

/** Key-order-free canonical JSON. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isPlainObject(value)) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  return JSON.stringify(value) ?? 'undefined';
}

function withoutOwnMarks(object: unknown): string {
  if (!isPlainObject(object) || !isPlainObject(object.metadata)) return canonical(object);
  const annotations = { ...(isPlainObject(object.metadata.annotations) ? object.metadata.annotations : {}) };
  delete annotations[LOCAL_CONFIG_ANNOTATION];
  delete annotations[LOCAL_CONFIG_ADDED_ANNOTATION];
  const metadata: Record<string, unknown> = { ...object.metadata, annotations };
  if (Object.keys(annotations).length === 0) delete metadata.annotations;
  return canonical({ ...object, metadata });
}

const itemsOf = (stdout: string): string => stdout.replace(/\nresults:\n[\s\S]*$/, '\n');

/** The items an input may lose: generated objects whose mark proves it, of a database in the input. */
function replaceable(item: unknown, items: readonly unknown[]): boolean {
  if (!isPlainObject(item) || !isPlainObject(item.metadata) || typeof item.apiVersion !== 'string' || typeof item.kind !== 'string') return false;
  const object = item as KubeObject;
  const database = typeof object.metadata.annotations === 'object' ? generatedFor(object) : undefined;
  if (database === undefined) return false;
  return items.some((other) => isPlainObject(other) && typeof other.apiVersion === 'string' && typeof other.kind === 'string' && isPlainObject(other.metadata) && isPerconaXtraDB(other as KubeObject) && other.metadata.name === database && other.metadata.namespace === object.metadata.namespace);
}

function checkRun(input: string, rerunInput?: (stdout: string) => string): void {
  let first: FunctionRun | undefined;
  expect(() => (first = runFunction(input))).not.toThrow();
  const run = first!;
  // Byte-identical on a second run (no state, no clock, no JIT-dependent check).
  expect(runFunction(input)).toEqual(run);
  expect([0, 1]).toContain(run.exitCode);
  expect(run.stderr).not.toMatch(INTERNAL_ERROR);
  expect(run.stderr).not.toMatch(KEY_MATERIAL);
  for (const line of run.stderr.split('\n').filter(Boolean)) expect(line).toMatch(/^pxc-tls: /);
  if (run.stdout === '') {
    expect(run.exitCode).toBe(1);
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    return;
  }
  const output = readList(run.stdout);
  expect(output?.kind).toBe('ResourceList');
  const inputList = readList(input);
  // Parses for the `yaml` package in YAML 1.2 and 1.1 whenever the input did.
  for (const version of ['1.2', '1.1'] as const) {
    let inputParses = true;
    try {
      parseYaml(input, { version, uniqueKeys: false });
    } catch {
      inputParses = false;
    }
    if (inputParses) expect(() => parseYaml(run.stdout, { version, uniqueKeys: false })).not.toThrow();
  }
  // What pxc-tls writes itself holds no raw character a reader refuses or folds.
  const inputLines = new Set(input.split('\n'));
  for (const line of run.stdout.split('\n')) if (!inputLines.has(line)) expect({ line, forbidden: FORBIDDEN_RAW.test(line) }).toEqual({ line, forbidden: false });
  expect(run.stdout).not.toMatch(KEY_MATERIAL);
  // Every input item preserved.
  const inItems = Array.isArray(inputList?.items) ? (inputList!.items as unknown[]) : [];
  const outItems = (output!.items ?? []) as unknown[];
  const exact = new Map<string, number>();
  const loose = new Map<string, number>();
  for (const item of outItems) {
    exact.set(canonical(item), (exact.get(canonical(item)) ?? 0) + 1);
    loose.set(withoutOwnMarks(item), (loose.get(withoutOwnMarks(item)) ?? 0) + 1);
  }
  for (const item of inItems) {
    const key = canonical(item);
    if ((exact.get(key) ?? 0) > 0) {
      exact.set(key, exact.get(key)! - 1);
      continue;
    }
    const isDatabase = isPlainObject(item) && typeof item.kind === 'string' && typeof item.apiVersion === 'string' && isPlainObject(item.metadata) && isPerconaXtraDB(item as KubeObject);
    if (isDatabase && (loose.get(withoutOwnMarks(item)) ?? 0) > 0) continue;
    expect({ lost: item, replaceable: replaceable(item, inItems) }).toEqual({ lost: item, replaceable: true });
  }
  // Generated Secrets are placeholders: never data.
  for (const item of outItems) {
    if (isPlainObject(item) && item.kind === 'Secret' && isPlainObject(item.metadata) && isPlainObject(item.metadata.annotations) && item.metadata.annotations['pxc-tls.dev/generated'] !== undefined && replaceable(item, [...outItems, ...inItems])) {
      expect(item).not.toHaveProperty('data');
      expect(item).not.toHaveProperty('stringData');
    }
  }
  // Idempotent over its own output.
  if (rerunInput) {
    const again = runFunction(rerunInput(run.stdout));
    expect({ items: itemsOf(again.stdout), exitCode: again.exitCode }).toEqual({ items: itemsOf(run.stdout), exitCode: run.exitCode });
  }
}

/** The run's output as the next run's input: its items, and the input's functionConfig block as it was. */
function nextInput(input: string): (stdout: string) => string {
  const at = input.search(/^functionConfig:/m);
  const config = at < 0 ? '' : input.slice(at);
  return (stdout) => itemsOf(stdout) + config;
}

describe('every input, whatever it holds', () => {
  test.prop([resourceList], runs(120))('generated ResourceLists', (list) => {
    const input = listText(list);
    checkRun(input, nextInput(input));
  }, TIMEOUT_MS);

  test.prop([resourceList, fc.array(rawEdit, { minLength: 1, maxLength: 3 })], runs(120))('raw edits of their YAML', (list, edits) => {
    const input = applyEdits(listText(list), edits);
    checkRun(input, input.includes('functionConfig') ? undefined : nextInput(input));
  }, TIMEOUT_MS);

  test.prop([fc.array(fc.oneof(troubleValue, fc.dictionary(troubleString, troubleValue, { maxKeys: 4 })), { maxLength: 4 }), fc.oneof(fc.constant(undefined), troubleValue)], runs(80))('arbitrary values as items and config', (items, config) => {
    const input = listText({ items, functionConfig: config });
    checkRun(input, config === undefined || isPlainObject(config) ? nextInput(input) : undefined);
  }, TIMEOUT_MS);
});

/**
 * Reads a ResourceList from text.
 *
 * Values come from js-yaml (core schema: no YAML 1.1 timestamps or merge keys), about twenty times
 * faster here than the `yaml` package's composer (2.4 MB list: ~120 ms against ~1.3–4 s). Next to
 * the values we keep each item's own source text, so items we pass through are written back
 * exactly as they came — comments, quoting and all — and kpt sees no change in files it does
 * not need to touch.
 */
import { load, CORE_SCHEMA } from 'js-yaml';
import { fieldPath } from './field-path';
import { Result } from './results';
import { isPlainObject, KubeObject, refOf } from './types';

/** Failure of the input as a whole: reported as one line on stderr, exit 1. */
export class InputError extends Error {}

export interface ReadOptions {
  /** Largest input accepted, in bytes. */
  maxBytes: number;
  /** Largest number of nodes the value tree may have once aliases are expanded. */
  maxNodes: number;
}

export const DEFAULT_READ_OPTIONS: ReadOptions = { maxBytes: 256 * 1024 * 1024, maxNodes: 20_000_000 };

export interface ResourceListInput {
  apiVersion: string;
  /** The items as read. When `problems` is not empty some may not be Kubernetes objects at all. */
  items: KubeObject[];
  /** The items exactly as read (`items` fills in missing metadata), written back when their text could not be cut out. */
  rawItems: unknown[];
  /** The source text of each item as a compact sequence entry at column 0, when it could be cut out faithfully. */
  itemTexts?: string[];
  functionConfig?: Record<string, unknown>;
  /**
   * What is broken inside a list that could still be read (an item that is not a Kubernetes
   * object, a functionConfig that is not a mapping, a duplicate key): error results, located.
   * The list is then written back unchanged with them.
   */
  problems: Result[];
}

const RESOURCE_LIST_VERSIONS = ['config.kubernetes.io/v1', 'config.kubernetes.io/v1alpha1'];

type LoadOptions = { schema: typeof CORE_SCHEMA; json: boolean };

export function readResourceList(text: string, options: ReadOptions = DEFAULT_READ_OPTIONS): ResourceListInput {
  if (Buffer.byteLength(text) > options.maxBytes) {
    throw new InputError(`input is larger than ${options.maxBytes} bytes; refusing to parse it`);
  }
  if (text.trim() === '') throw new InputError('no input: expected a ResourceList (config.kubernetes.io/v1) on stdin');
  // Duplicate keys: read again with the last one winning, then report each where it is.
  let loadOptions: LoadOptions = { schema: CORE_SCHEMA, json: false };
  let doc: unknown;
  try {
    doc = load(text, loadOptions);
  } catch (error) {
    if (!/duplicated mapping key/.test((error as Error).message)) throw new InputError(`input is not valid YAML: ${oneLine((error as Error).message)}`);
    loadOptions = { schema: CORE_SCHEMA, json: true };
    try {
      doc = load(text, loadOptions);
    } catch (again) {
      throw new InputError(`input is not valid YAML: ${oneLine((again as Error).message)}`);
    }
  }
  if (!isPlainObject(doc)) throw new InputError('input is not a ResourceList: expected a YAML mapping with kind: ResourceList');
  assertBoundedExpansion(doc, options.maxNodes);
  if (doc.kind !== 'ResourceList' || !RESOURCE_LIST_VERSIONS.includes(String(doc.apiVersion))) {
    throw new InputError(
      `input is not a ResourceList: got apiVersion ${JSON.stringify(doc.apiVersion ?? null)} kind ${JSON.stringify(doc.kind ?? null)}, ` +
        `expected kind ResourceList with apiVersion ${RESOURCE_LIST_VERSIONS.join(' or ')}`,
    );
  }
  const rawItems = doc.items ?? [];
  if (!Array.isArray(rawItems)) throw new InputError('ResourceList.items is not a list');
  const problems: Result[] = [];
  rawItems.forEach((item, index) => problems.push(...itemProblems(item, index)));
  const functionConfig = doc.functionConfig;
  if (functionConfig !== undefined && functionConfig !== null && !isPlainObject(functionConfig)) {
    problems.push({ severity: 'error', message: `ResourceList.functionConfig must be a mapping (a ConfigMap or a PxcTlsConfig), got ${describe(functionConfig)}`, field: { path: 'functionConfig' } });
  }
  if (loadOptions.json) problems.push(...duplicateKeyProblems(text, rawItems, functionConfig));
  const itemTexts = cutItemTexts(text, rawItems, loadOptions);
  // No metadata, or `metadata:` left empty (null), reads as empty metadata; the item as written is
  // kept for writing it back.
  const items = rawItems.map((item) => (isPlainObject(item) && (item.metadata === undefined || item.metadata === null) ? { ...item, metadata: {} } : item)) as KubeObject[];
  const result: ResourceListInput = { apiVersion: String(doc.apiVersion), items, rawItems, problems };
  if (isPlainObject(functionConfig)) result.functionConfig = functionConfig;
  if (itemTexts) result.itemTexts = itemTexts;
  return result;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** An item kpt or kustomize would refuse: not a mapping, no apiVersion or kind, metadata not a mapping. */
function itemProblems(item: unknown, index: number): Result[] {
  const at = (path: string | undefined, message: string): Result => {
    const result: Result = { severity: 'error', message: `ResourceList.items[${index}] ${message}`, resourceRef: refOf(item) };
    if (path) result.field = { path };
    return result;
  };
  if (!isPlainObject(item)) return [at(undefined, `is not a Kubernetes object: it is ${describe(item)}, not a mapping`)];
  const problems: Result[] = [];
  for (const key of ['apiVersion', 'kind']) {
    if (typeof item[key] !== 'string' || item[key] === '') problems.push(at(key, `is not a Kubernetes object: ${key} ${item[key] === undefined ? 'is missing' : 'must be a non-empty string'}`));
  }
  if (item.metadata !== undefined && item.metadata !== null && !isPlainObject(item.metadata)) problems.push(at('metadata', `(${String(item.kind)}): metadata must be a mapping, got ${describe(item.metadata)}`));
  return problems;
}

function duplicateKeyProblems(text: string, items: readonly unknown[], functionConfig: unknown): Result[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { findDuplicateKeys } = require('./duplicate-keys') as typeof import('./duplicate-keys');
  const duplicates = findDuplicateKeys(text);
  const problems: Result[] = [];
  for (const { path, line } of duplicates) {
    const [top, index, ...rest] = path;
    const message = `duplicate key ${JSON.stringify(String(path[path.length - 1]))}${line === undefined ? '' : ` (line ${line})`}: YAML forbids it, and tools disagree on which value applies`;
    if (top === 'items' && typeof index === 'number') {
      problems.push({ severity: 'error', message, resourceRef: refOf(items[index]), field: { path: fieldPath(rest) } });
    } else if (top === 'functionConfig') {
      problems.push({ severity: 'error', message, resourceRef: refOf(functionConfig), field: { path: fieldPath(index === undefined ? [] : [index, ...rest]) || 'functionConfig' } });
    } else {
      // Two `items:` (or other top-level keys): the list itself is ambiguous.
      throw new InputError(`input is not a readable ResourceList: ${message}`);
    }
  }
  if (problems.length === 0) throw new InputError('input is not valid YAML: it has a duplicate key');
  return problems;
}


/**
 * js-yaml shares one object for every alias of an anchor, so a "billion laughs" document is small
 * in memory but explodes in anything that walks it. Count the expanded tree, memoised per shared
 * node, and refuse past the limit.
 */
function assertBoundedExpansion(root: unknown, maxNodes: number): void {
  const sizes = new Map<object, number>();
  const sizeOf = (value: unknown, depth: number): number => {
    if (typeof value !== 'object' || value === null) return 1;
    if (depth > 1000) throw new InputError('input nests deeper than 1000 levels; refusing it');
    const known = sizes.get(value);
    if (known !== undefined) return known;
    let size = 1;
    const children = Array.isArray(value) ? value : Object.values(value);
    for (const child of children) {
      size += sizeOf(child, depth + 1);
      if (size > maxNodes) break;
    }
    sizes.set(value, size);
    return size;
  };
  const size = sizeOf(root, 0);
  if (size > maxNodes) {
    throw new InputError(`input expands to more than ${maxNodes} YAML nodes (aliases?); refusing it`);
  }
}

function oneLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

const ITEMS_KEY = /^items:[ \t]*(#.*)?$/;
const ENTRY = /^( *)-(?: |$)/;

/**
 * Cuts the source text of each item out of a block-style `items:` sequence, then checks the cut by
 * parsing the pieces again: any difference (flow style, anchors across items, odd layouts) and we
 * return undefined, and the writer re-emits values instead.
 */
export function cutItemTexts(text: string, items: readonly unknown[], loadOptions: LoadOptions = { schema: CORE_SCHEMA, json: false }): string[] | undefined {
  if (items.length === 0) return [];
  const lines = text.split('\n');
  const start = lines.findIndex((line) => ITEMS_KEY.test(line));
  if (start < 0) return undefined;
  let column = -1;
  const entries: string[][] = [];
  let pending: string[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trimStart();
    const indent = line.length - trimmed.length;
    if (trimmed === '' || trimmed.startsWith('#')) {
      pending.push(line);
      continue;
    }
    if (column < 0) {
      const match = ENTRY.exec(line);
      if (!match) return undefined;
      column = match[1]!.length;
    }
    if (indent === column && ENTRY.test(line)) {
      // Comments deeper than the sequence belong to the item above; the rest head the new item.
      const lastDeep = findLastIndex(pending, (l) => l.trim() !== '' && l.length - l.trimStart().length > column);
      if (entries.length > 0) entries[entries.length - 1]!.push(...pending.slice(0, lastDeep + 1));
      entries.push(pending.slice(lastDeep + 1));
      pending = [];
      entries[entries.length - 1]!.push(line);
      continue;
    }
    if (indent <= column || trimmed === '---' || trimmed === '...') break;
    entries[entries.length - 1]!.push(...pending, line);
    pending = [];
  }
  const lastDeep = findLastIndex(pending, (l) => l.trim() !== '' && l.length - l.trimStart().length > column);
  if (entries.length > 0) entries[entries.length - 1]!.push(...pending.slice(0, lastDeep + 1));
  if (entries.length !== items.length) return undefined;
  const texts = entries.map((entry) => entry.map((line) => dedent(line, column)).join('\n') + '\n');
  return sameValues(texts, items, loadOptions) ? texts : undefined;
}

function dedent(line: string, column: number): string {
  let cut = 0;
  while (cut < column && line[cut] === ' ') cut++;
  return line.slice(cut);
}

function findLastIndex<T>(list: readonly T[], predicate: (value: T) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (predicate(list[i]!)) return i;
  return -1;
}

/** Each piece must read back alone as its item: an alias to another item's anchor, say, would not. */
function sameValues(texts: readonly string[], items: readonly unknown[], loadOptions: LoadOptions): boolean {
  try {
    return texts.every((text, i) => JSON.stringify((load(text, loadOptions) as unknown[])[0]) === JSON.stringify(items[i]));
  } catch {
    return false;
  }
}

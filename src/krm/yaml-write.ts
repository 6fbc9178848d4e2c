/**
 * Writes the output ResourceList. Items that came in and left unchanged are written from their own
 * source text; items whose only change is in annotations are edited in their source text when the
 * line edit reads back as exactly the wanted object; all others (new objects, and changed items
 * whose layout the line edit does not handle) are emitted from their values. No other path: the
 * output is a function of the input alone, byte for byte, and reading it back gives the values
 * written.
 */
import { load, CORE_SCHEMA } from 'js-yaml';
import { Result } from './results';
import { setAnnotationInText } from './text-edit';
import { KubeObject, OutputItem } from './types';
import { emitSequenceItem } from './yaml-emit';
import { ResourceListInput } from './yaml-read';

export function writeResourceList(input: Pick<ResourceListInput, 'apiVersion' | 'items' | 'itemTexts' | 'rawItems'>, items: readonly OutputItem[], results: readonly Result[]): string {
  const out: string[] = [`apiVersion: ${input.apiVersion}\n`, 'kind: ResourceList\n'];
  out.push(items.length === 0 ? 'items: []\n' : 'items:\n');
  for (const item of items) out.push(itemText(input, item));
  if (results.length > 0) {
    out.push('results:\n');
    for (const result of results) out.push(emitSequenceItem(result));
  }
  return out.join('');
}

function itemText(input: Pick<ResourceListInput, 'items' | 'itemTexts' | 'rawItems'>, item: OutputItem): string {
  if (item.origin === undefined) return emitSequenceItem(item.object);
  const original = input.items[item.origin]!;
  const source = input.itemTexts?.[item.origin];
  if (item.object === original) return source ?? emitSequenceItem(input.rawItems[item.origin]);
  if (source === undefined) return emitSequenceItem(item.object);
  const changes = annotationChanges(original, item.object);
  if (changes === undefined) return emitSequenceItem(item.object);
  return editInText(source, changes, item.object) ?? emitSequenceItem(item.object);
}

/** `null` removes the annotation. */
type AnnotationChanges = Readonly<Record<string, string | null>>;

/** Line edits of the item's own text, accepted only if the result reads back as exactly the wanted object. */
function editInText(source: string, changes: AnnotationChanges, wanted: KubeObject): string | undefined {
  let text: string | undefined = source;
  for (const [key, value] of Object.entries(changes)) {
    text = setAnnotationInText(text, key, value);
    if (text === undefined) return undefined;
  }
  try {
    const [parsed] = load(text, { schema: CORE_SCHEMA }) as unknown[];
    return sameData(parsed, wanted) ? text : undefined;
  } catch {
    return undefined;
  }
}

/** Deep equality of plain data, ignoring map key order. */
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length && keysA.every((key) => key in b && sameData((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** The annotation edits that turn `before` into `after`, or undefined if anything else changed too. */
function annotationChanges(before: KubeObject, after: KubeObject): AnnotationChanges | undefined {
  const withoutAnnotations = (object: KubeObject): string => {
    const { annotations: _ignored, ...metadata } = object.metadata;
    return JSON.stringify({ ...object, metadata });
  };
  if (withoutAnnotations(before) !== withoutAnnotations(after)) return undefined;
  const was = before.metadata.annotations ?? {};
  const now = after.metadata.annotations ?? {};
  const changes: Record<string, string | null> = {};
  for (const key of Object.keys(was)) if (!(key in now)) changes[key] = null;
  for (const [key, value] of Object.entries(now)) if (was[key] !== value) changes[key] = value;
  return changes;
}

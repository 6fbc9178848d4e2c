/**
 * Where the duplicate keys of a YAML text are, as paths (`['items', 3, 'metadata', 'name']`).
 * js-yaml only says that there is one; the `yaml` package's composer says where. Loaded only when
 * an input has duplicate keys.
 */
import { isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';

export interface DuplicateKey {
  path: Array<string | number>;
  /** 1-based line of the repeated key. */
  line: number;
}

export function findDuplicateKeys(text: string): DuplicateKey[] {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const starts = new Set(doc.errors.filter((e) => e.code === 'DUPLICATE_KEY').map((e) => e.pos[0]));
  const found: DuplicateKey[] = [];
  if (starts.size === 0) return found;
  const lineOf = (offset: number): number => text.slice(0, offset).split('\n').length;
  const walk = (node: unknown, path: Array<string | number>, depth: number): void => {
    if (depth > 1000) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const start = (pair.key as { range?: [number, number, number] } | null)?.range?.[0];
        if (start !== undefined && starts.has(start)) found.push({ path: [...path, key], line: lineOf(start) });
        walk(pair.value, [...path, key], depth + 1);
      }
    } else if (isSeq(node)) node.items.forEach((item, index) => walk(item, [...path, index], depth + 1));
  };
  walk(doc.contents, [], 0);
  return found;
}

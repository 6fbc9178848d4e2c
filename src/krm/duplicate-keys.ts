/**
 * Where the duplicate keys of a YAML text are, as paths (`['items', 3, 'metadata', 'name']`).
 * js-yaml only says that there is one; the `yaml` package's syntax tree keeps every pair, so each
 * mapping is searched for a key seen before in it (keys compared as text, as js-yaml compares
 * them). Loaded only when an input has duplicate keys.
 */
import { isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';

export interface DuplicateKey {
  path: Array<string | number>;
  /** 1-based line of the repeated key, when known. */
  line?: number;
}

export function findDuplicateKeys(text: string): DuplicateKey[] {
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
  const found: DuplicateKey[] = [];
  const lineOf = (offset: number): number => text.slice(0, offset).split('\n').length;
  const walk = (node: unknown, path: Array<string | number>, depth: number): void => {
    if (depth > 1000) return;
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (seen.has(key)) {
          const start = (pair.key as { range?: [number, number, number] } | null)?.range?.[0];
          found.push(start === undefined ? { path: [...path, key] } : { path: [...path, key], line: lineOf(start) });
        }
        seen.add(key);
        walk(pair.value, [...path, key], depth + 1);
      }
    } else if (isSeq(node)) node.items.forEach((item, index) => walk(item, [...path, index], depth + 1));
  };
  walk(doc.contents, [], 0);
  return found;
}

/**
 * Sets or removes one `metadata.annotations` entry directly in an item's block-YAML text, touching
 * no other line. This is the fast path for the one edit pxc-tls makes to users' objects (the
 * local-config mark on a rendered database): the `yaml` Document API does the same in ~0.4 ms per
 * object, which dominates a run over a thousand databases. Returns undefined whenever the layout
 * is not the plain block style handled here; the caller then writes the item from its values.
 */
import { doubleQuoted, isPlainSafe } from './yaml-emit';

interface Block {
  /** Line index of the key line. */
  at: number;
  /** Index after the last line that belongs to the block's value. */
  end: number;
  /** Indentation of the block's children (undefined when it has none). */
  childIndent?: number;
}

const indentOf = (line: string): number => line.length - line.trimStart().length;
const isContent = (line: string): boolean => line.trim() !== '' && !line.trimStart().startsWith('#');

/** Finds `key:` (with a block value) among the lines [from, to) at exactly `indent`. */
function findBlock(lines: readonly string[], from: number, to: number, indent: number, key: string): Block | 'inline' | undefined {
  const keyLine = new RegExp(`^ {${indent}}${key.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:(.*)$`);
  for (let i = from; i < to; i++) {
    const match = keyLine.exec(lines[i]!);
    if (!match) continue;
    const rest = match[1]!.trim();
    if (rest !== '' && !rest.startsWith('#')) return 'inline';
    let end = i + 1;
    let childIndent: number | undefined;
    for (let j = i + 1; j < to; j++) {
      if (!isContent(lines[j]!)) continue;
      const indentation = indentOf(lines[j]!);
      if (indentation <= indent) break;
      childIndent ??= indentation;
      end = j + 1;
    }
    return childIndent === undefined ? { at: i, end } : { at: i, end, childIndent };
  }
  return undefined;
}

function quoted(value: string): string {
  return isPlainSafe(value) ? value : doubleQuoted(value);
}

/** @param entryText a compact sequence entry (`- apiVersion: …`) as cut by `cutItemTexts`. */
export function setAnnotationInText(entryText: string, key: string, value: string | null): string | undefined {
  const lines = entryText.replace(/\n$/, '').split('\n');
  const first = lines.findIndex((line) => /^- \S/.test(line));
  if (first < 0) return undefined;
  const top = 2;
  const metadata = findBlock(lines, first, lines.length, top, 'metadata');
  if (metadata === undefined || metadata === 'inline' || metadata.childIndent === undefined) return undefined;
  // `- metadata:` on the entry line itself is a layout we do not edit.
  if (metadata.at === first) return undefined;
  const inner = metadata.childIndent;
  const annotations = findBlock(lines, metadata.at + 1, metadata.end, inner, 'annotations');
  if (annotations === 'inline') return undefined;
  if (annotations === undefined) {
    if (value === null) return entryText;
    lines.splice(metadata.end, 0, `${' '.repeat(inner)}annotations:`, `${' '.repeat(inner + 2)}${quoted(key)}: ${quoted(value)}`);
    return lines.join('\n') + '\n';
  }
  const child = annotations.childIndent ?? inner + 2;
  const existing = findBlock(lines, annotations.at + 1, annotations.end, child, key);
  if (existing === 'inline') {
    // A single-line `key: value`: replace or remove that line.
    const at = lines.findIndex((line, i) => i > annotations.at && i < annotations.end && line.startsWith(`${' '.repeat(child)}${key}:`));
    if (at < 0 || (at + 1 < annotations.end && isContent(lines[at + 1]!) && indentOf(lines[at + 1]!) > child)) return undefined;
    if (value === null) {
      lines.splice(at, 1);
      if (annotations.childIndent !== undefined && !lines.slice(annotations.at + 1, annotations.end - 1).some(isContent)) lines.splice(annotations.at, 1);
    } else lines[at] = `${' '.repeat(child)}${quoted(key)}: ${quoted(value)}`;
    return lines.join('\n') + '\n';
  }
  if (existing !== undefined) return undefined; // a block value under the key: not ours to rewrite
  if (value === null) return entryText;
  lines.splice(annotations.end, 0, `${' '.repeat(child)}${quoted(key)}: ${quoted(value)}`);
  return lines.join('\n') + '\n';
}

/**
 * Changes annotations inside an item's own source text with the `yaml` Document API, so every
 * other line of the user's object (comments, quoting, order) stays as written.
 */
import { parseDocument, Scalar } from 'yaml';
import { isPlainSafe } from './yaml-emit';

/** `null` removes the annotation. */
export type AnnotationChanges = Readonly<Record<string, string | null>>;

/**
 * @param entryText a compact sequence entry at column 0 (`- apiVersion: …`), optionally preceded
 *   by comment lines, as cut by `cutItemTexts`.
 * @param seqIndent kpt's `internal.config.kubernetes.io/seqindent` for the item's file.
 */
export function editAnnotations(entryText: string, changes: AnnotationChanges, seqIndent?: string): string {
  const lines = entryText.replace(/\n$/, '').split('\n');
  const entryLine = lines.findIndex((line) => /^-(?: |$)/.test(line));
  const head = lines.slice(0, entryLine);
  const body = lines.slice(entryLine).map((line, i) => (i === 0 ? line.slice(2) : line.startsWith('  ') ? line.slice(2) : line.trimStart()));
  const doc = parseDocument(body.join('\n'), { keepSourceTokens: false });
  for (const [key, value] of Object.entries(changes)) {
    const path = ['metadata', 'annotations', key];
    if (value === null) {
      if (doc.hasIn(path)) doc.deleteIn(path);
    } else {
      const node = new Scalar(value);
      if (!isPlainSafe(value)) node.type = Scalar.QUOTE_DOUBLE;
      doc.setIn(path, node);
    }
  }
  const edited = doc.toString({ lineWidth: 0, indentSeq: seqIndent === 'wide' }).replace(/\n$/, '').split('\n');
  const entry = edited.map((line, i) => (i === 0 ? '- ' + line : line === '' ? '' : '  ' + line));
  return [...head, ...entry].join('\n') + '\n';
}

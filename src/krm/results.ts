import { ResourceRef } from './types';

/** A KRM function result (kyaml `fn/framework/result.go` schema). Severity is always set:
 * kpt prints a result without one as `[info]` although the spec's default is `error`. */
export interface Result {
  message: string;
  severity: Severity;
  resourceRef?: ResourceRef;
  field?: { path: string; currentValue?: unknown; proposedValue?: unknown };
  file?: { path: string; index?: number };
  tags?: Record<string, string>;
}

export type Severity = 'error' | 'warning' | 'info';

export function hasErrors(results: readonly Result[]): boolean {
  return results.some((r) => r.severity === 'error');
}

/** kpt and kustomize decide pass/fail by the exit code alone: 1 whenever any result is an error. */
export function exitCodeOf(results: readonly Result[]): number {
  return hasErrors(results) ? 1 : 0;
}

/** Control characters and line breaks of user values, escaped: a result is always one line of plain text. */
function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** One line as kpt prints results: `[severity] apiVersion/kind/namespace/name field.path: message`. */
export function formatResult(result: Result): string {
  return oneLine(formatParts(result));
}

function formatParts(result: Result): string {
  const parts = [`[${result.severity}]`];
  const ref = result.resourceRef;
  if (ref) parts.push([ref.apiVersion, ref.kind, ref.namespace, ref.name].filter(Boolean).join('/'));
  if (result.field?.path) parts.push(result.field.path + ':');
  else if (ref) parts[parts.length - 1] += ':';
  parts.push(result.message);
  return parts.join(' ');
}

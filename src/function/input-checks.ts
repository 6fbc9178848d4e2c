/**
 * What every input object must have before pxc-tls reads it: metadata whose name, namespace,
 * labels and annotations have the shapes the API server requires, and bookkeeping annotations
 * (kpt's path and index, pxc-tls's own marks) that are strings. A number where kpt writes a path,
 * a list for `annotations`, would otherwise be read wrongly or reshaped; instead each is an error
 * result at its path, and the run changes nothing.
 */
import { childPath } from '../krm/field-path';
import { Result } from '../krm/results';
import { isPlainObject, KubeObject, refOf } from '../krm/types';
import { isPerconaXtraDB } from '../model/perconaxtradb';
import { BOOKKEEPING_ANNOTATIONS, INDEX_ANNOTATIONS } from '../model/project';

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

export function checkInputMetadata(items: readonly KubeObject[]): Result[] {
  const results: Result[] = [];
  for (const item of items) {
    const fail = (path: string, message: string) => results.push({ severity: 'error', message, resourceRef: refOf(item), field: { path } });
    const metadata = item.metadata;
    for (const field of ['name', 'namespace'] as const) {
      const value = metadata[field];
      if (value !== undefined && value !== null && typeof value !== 'string') fail(`metadata.${field}`, `must be a string, got ${describe(value)}`);
    }
    // A database's labels and annotations flow into what pxc-tls renders: every value must be a string.
    const database = isPerconaXtraDB(item);
    for (const field of ['labels', 'annotations'] as const) {
      const map = metadata[field];
      if (map === undefined || map === null) continue;
      if (!isPlainObject(map)) {
        fail(`metadata.${field}`, `must be a mapping of strings, got ${describe(map)}`);
        continue;
      }
      for (const [key, value] of Object.entries(map)) {
        const bookkeeping = field === 'annotations' && BOOKKEEPING_ANNOTATIONS.includes(key);
        if ((database || bookkeeping) && typeof value !== 'string') {
          fail(childPath(`metadata.${field}`, key), `must be a string${bookkeeping ? ' (kpt, kustomize and pxc-tls write this annotation as one)' : ''}, got ${describe(value)}`);
        } else if (field === 'annotations' && (INDEX_ANNOTATIONS as readonly string[]).includes(key) && !/^(0|[1-9][0-9]{0,8})$/.test(value as string)) {
          fail(childPath('metadata.annotations', key), `must be the index of the object in its file, a whole number, got ${JSON.stringify(value)}`);
        }
      }
    }
  }
  return results;
}

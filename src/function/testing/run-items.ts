/** Runs the function on a ResourceList made of the given items (and config), and reads its output back. */
import { load } from 'js-yaml';
import { KubeObject } from '../../krm/types';
import { resourceList } from '../../test-support/fixtures';
import { runFunction } from '../run';

export interface Output {
  items: KubeObject[];
  results: Array<{ severity: string; message: string; resourceRef?: { name: string; kind: string }; field?: { path: string } }>;
}

export function runItems(items: unknown[], config?: unknown): Output & { stdout: string; exitCode: number } {
  const result = runFunction(resourceList(items, config));
  return { ...(load(result.stdout) as Output), stdout: result.stdout, exitCode: result.exitCode };
}

export const kinds = (items: readonly KubeObject[]): string[] => items.map((i) => `${i.kind}/${i.metadata.name}`);

/**
 * The KRM function as text in, text out: read the ResourceList, parse the config, run the render
 * core, write the ResourceList. Kept free of process I/O so tests and the CLI share it.
 * Order as kyaml's framework: the ResourceList is always written, results included, and only then
 * does the exit code (1 on any error result) say whether the run failed.
 */
import { parseFnConfig } from '../config/fn-config';
import { checkInputMetadata } from './input-checks';
import { renderResourceList } from './pipeline';
import { exitCodeOf, formatResult, Result } from '../krm/results';
import { OutputItem } from '../krm/types';
import { readResourceList, InputError } from '../krm/yaml-read';
import { writeResourceList } from '../krm/yaml-write';

export interface FunctionRun {
  stdout: string;
  /** Lines for humans: kustomize and Argo CD show only stderr. */
  stderr: string;
  exitCode: number;
}

export function runFunction(input: string): FunctionRun {
  let list;
  try {
    list = readResourceList(input);
  } catch (error) {
    if (error instanceof InputError) return { stdout: '', stderr: `pxc-tls: ${error.message}\n`, exitCode: 1 };
    throw error;
  }
  // A list broken inside, or objects whose metadata pxc-tls cannot read safely: nothing is rendered,
  // every item goes back as it came, with the problems as results.
  const problems = list.problems.length > 0 ? list.problems : checkInputMetadata(list.items);
  const config = parseFnConfig(list.functionConfig);
  let results: Result[] = [...problems, ...config.results];
  let items: OutputItem[] = list.items.map((object, origin) => ({ object, origin }));
  if (exitCodeOf(results) === 0) {
    const rendered = renderResourceList(list.items, config.config);
    items = rendered.items;
    results = [...results, ...rendered.results];
  }
  const stderr = results
    .filter((r) => r.severity !== 'info')
    .map((r) => `pxc-tls: ${formatResult(r)}\n`)
    .join('');
  return { stdout: writeResourceList(list, items, results), stderr, exitCode: exitCodeOf(results) };
}

/**
 * KubeDB's documented facts (test/fidelity/kubedb-facts.table.ts) against what the built function
 * renders for the example packages: each row's JSONPath must find the value the facts file gives,
 * and the facts file must still say it on the line the row cites.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { JSONPath } from 'jsonpath-plus';
import { kubedbReferenceDir } from '../../src/test-support/shared-reference';
import { EXAMPLES, Example, FactRow, KUBEDB_FACTS } from '../fidelity/kubedb-facts.table';
import { BUNDLE, REPO } from './kpt-golden';
import { K8sObject, objectsOf, run, sourceList } from './tools';

const FACTS_FILE = join(dirname(kubedbReferenceDir()), 'kubedb-facts.md');
const factLines = readFileSync(FACTS_FILE, 'utf8').split('\n');

const rendered = new Map<Example, K8sObject[]>();
function renderedList(example: Example): K8sObject[] {
  if (!rendered.has(example)) {
    const result = run(process.execPath, [BUNDLE], { input: sourceList(join(REPO, 'examples', example)) });
    if (result.status !== 0) throw new Error(`examples/${example} did not render: ${result.stderr}`);
    rendered.set(example, objectsOf(result.stdout));
  }
  return rendered.get(example)!;
}

/** The facts file's lines a row cites, as one text. */
function cited(row: FactRow): string {
  const [from, to] = typeof row.line === 'number' ? [row.line, row.line] : row.line;
  return factLines.slice(from - 1, to).join('\n');
}

/** Every string, number, boolean and key in a value. */
function words(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(words);
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([key, inner]) => [key, ...words(inner)]);
  return [String(value)];
}

/** Replaces the example's placeholders (<name>, <ns>, <port>) in every string of a value. */
function substitute<T>(value: T, example: Example): T {
  if (typeof value === 'string') return Object.entries(EXAMPLES[example]).reduce((text, [placeholder, actual]) => text.split(placeholder).join(actual), value as string) as T;
  if (Array.isArray(value)) return value.map((inner) => substitute(inner, example)) as T;
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [substitute(key, example), substitute(inner, example)])) as T;
  return value;
}

describe('the facts table', () => {
  it('has a row for each fact, each fact stated once', () => {
    expect(KUBEDB_FACTS.length).toBeGreaterThanOrEqual(40);
    const facts = KUBEDB_FACTS.map((row) => row.fact);
    expect(facts.filter((fact, i) => facts.indexOf(fact) !== i)).toEqual([]);
  });
});

describe.each(KUBEDB_FACTS.map((row) => [`${row.fact} (${row.example}; kubedb-facts.md:${typeof row.line === 'number' ? row.line : row.line.join('-')})`, row] as const))('%s', (_name, row) => {
  it('is what the facts file says on that line', () => {
    const text = cited(row);
    expect(text).toContain(row.quote);
    const missing = words(row.expected).filter((word) => !text.includes(word));
    expect(missing).toEqual([]);
  });

  it('is what pxc-tls renders', () => {
    const found = JSONPath({ path: substitute(row.path, row.example), json: renderedList(row.example), wrap: true }) as unknown[];
    const expected = substitute(row.expected, row.example);
    switch (row.match ?? 'one') {
      case 'one':
        expect(found).toEqual([expected]);
        break;
      case 'all':
        expect(found).toEqual(expected);
        break;
      case 'includes':
        expect(found).toHaveLength(1);
        expect(found[0]).toEqual(expect.arrayContaining(expected as unknown[]));
        break;
      case 'flag': {
        const [flag, value] = expected as [string, string];
        expect(found).toHaveLength(1);
        expect(found[0]).toContain(`${flag}=${value}`);
        break;
      }
    }
  });
});

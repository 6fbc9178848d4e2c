// The arrows: only kube.ts loads the Kubernetes client (type-only imports are erased, so other
// files and rooms may name its model types); the function (src/render, src/krm,
// src/config, src/cli.ts) never imports the watcher; every API call kube.ts makes is one of
// API_CALLS (the list the RBAC test checks), and every entry is used.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { API_CALLS } from './api-calls';

const SRC = resolve(__dirname, '..');
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}
const source = (f: string) => readFileSync(f, 'utf8');
const imports = (f: string) => [...source(f).replace(/^import type\b[^;]*;/gm, '').matchAll(/(?:from|import|require)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);

test('only src/watch/kube.ts imports @kubernetes/client-node', () => {
  const users = files(SRC).filter((f) => imports(f).some((i) => i.startsWith('@kubernetes/client-node'))).map((f) => relative(SRC, f));
  expect(users).toEqual(['watch/kube.ts']);
});

test('the function never imports the watcher (src/cli.ts loads its bundle lazily, by path)', () => {
  const offenders = files(SRC)
    .filter((f) => !relative(SRC, f).startsWith('watch/'))
    .filter((f) => imports(f).some((i) => /(^|\/)watch(\/|$)/.test(i)))
    .map((f) => relative(SRC, f));
  expect(offenders).toEqual([]);
});

test('kube.ts makes its calls through API_CALLS, with the HTTP method of their verb, and uses every entry', () => {
  const kube = source(join(SRC, 'watch', 'kube.ts'));
  const used = new Set([...kube.matchAll(/API_CALLS\.(\w+)/g)].map((m) => m[1]!));
  expect([...used].sort()).toEqual(Object.keys(API_CALLS).sort());
  // One function sends requests, and only call() uses it.
  expect([...kube.matchAll(/\brequestJson\(/g)]).toHaveLength(2); // its definition and call()'s use
  const METHOD = { get: 'GET', list: 'GET', create: 'POST', update: 'PUT', patch: 'PATCH' } as const;
  const calls = [...kube.matchAll(/\bcall\((API_CALLS\.(\w+)|list), conn, \{ method: '(\w+)'/g)];
  expect(calls.length).toBeGreaterThanOrEqual(Object.values(API_CALLS).filter((c) => c.verb !== 'watch' && c.verb !== 'list').length);
  for (const [, , name, method] of calls) {
    if (name) expect([name, method]).toEqual([name, METHOD[API_CALLS[name as keyof typeof API_CALLS].verb as keyof typeof METHOD]]);
    else expect(method).toBe('GET'); // the informers' list
  }
  expect([...kube.matchAll(/\bcall\(/g)]).toHaveLength(calls.length + 1); // + its definition
});

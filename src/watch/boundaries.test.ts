// The arrows: only kube.ts loads the Kubernetes client; the function (src/render, src/krm,
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
const imports = (f: string) => [...source(f).matchAll(/(?:from|import|require)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);

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

test('kube.ts makes its calls through API_CALLS, and uses every entry', () => {
  const kube = source(join(SRC, 'watch', 'kube.ts'));
  const used = new Set([...kube.matchAll(/API_CALLS\.(\w+)/g)].map((m) => m[1]!));
  expect([...used].sort()).toEqual(Object.keys(API_CALLS).sort());
  // Each generated-API method it calls is wrapped by call(API_CALLS.x, …) on the same line.
  const apiMethods = [...kube.matchAll(/\b(core|coordination|apps)\.(\w+)\(/g)];
  expect(apiMethods.length).toBeGreaterThan(0);
  for (const m of apiMethods) {
    const line = kube.slice(kube.lastIndexOf('\n', m.index!) + 1, kube.indexOf('\n', m.index!));
    expect(line).toMatch(/call\(API_CALLS\.\w+/);
  }
});

// The rooms of src/ and the one way their arrows point (README "Layout"). A room imports only the
// rooms listed for it; tests may also use src/test-support and a room's own testing/ folder.
// cli.ts reaches the watcher and the agent only by path at run time (their own bundles), never by
// import, so the function's start-up never loads them.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const SRC = __dirname;

/** room → the rooms it may import (besides itself). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  'cli.ts': ['function', 'krm', 'help.ts'],
  'help.ts': [],
  function: ['config', 'render', 'model', 'krm'],
  config: ['model', 'krm'],
  render: ['model', 'krm'],
  watch: ['tls', 'observe', 'mysql', 'model'],
  agent: ['tls', 'observe', 'mysql', 'model'],
  mysql: [],
  tls: ['model'],
  observe: [],
  model: ['krm'],
  krm: [],
  'test-support': ['model', 'krm'],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}
const roomOf = (file: string): string => relative(SRC, file).split(sep)[0]!;
const isTest = (file: string): boolean => file.endsWith('.test.ts') || file.split(sep).includes('testing') || roomOf(file) === 'test-support';
const relativeImports = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from|import|require)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);

const sources = files(SRC).filter((f) => f !== __filename);

test('every file of src/ is in a room the table knows', () => {
  const unknown = [...new Set(sources.map(roomOf))].filter((room) => !(room in ALLOWED));
  expect(unknown).toEqual([]);
});

test('each room imports only the rooms below it', () => {
  const offenders: string[] = [];
  for (const file of sources) {
    const room = roomOf(file);
    for (const spec of relativeImports(file)) {
      const target = relative(SRC, resolve(dirname(file), spec));
      if (target.startsWith('..')) {
        offenders.push(`${relative(SRC, file)} → ${spec} (outside src/)`);
        continue;
      }
      const targetRoom = target.split(sep)[0]!.replace(/^(cli|help)$/, '$1.ts');
      if (targetRoom === room) continue;
      if (isTest(file) && (targetRoom === 'test-support' || ALLOWED[room]?.includes(targetRoom))) continue;
      if (!ALLOWED[room]?.includes(targetRoom)) offenders.push(`${relative(SRC, file)} → ${spec}`);
    }
  }
  expect(offenders).toEqual([]);
});

test('production code never imports test support', () => {
  const offenders = sources
    .filter((f) => !isTest(f))
    .filter((f) => relativeImports(f).some((spec) => /test-support|\/testing\//.test(resolve(dirname(f), spec))))
    .map((f) => relative(SRC, f));
  expect(offenders).toEqual([]);
});

test('no room but the watcher loads the Kubernetes client (type-only imports are erased), and tls/ opens no sockets', () => {
  const packages = (f: string) =>
    [...readFileSync(f, 'utf8').replace(/^import type\b[^;]*;/gm, '').matchAll(/(?:from|import|require)\s*\(?\s*['"]([^.'"][^'"]*)['"]/g)].map((m) => m[1]!);
  const clientUsers = sources.filter((f) => packages(f).some((p) => p.startsWith('@kubernetes/'))).map((f) => relative(SRC, f));
  expect(clientUsers.every((f) => f.startsWith(`watch${sep}`))).toBe(true);
  const tlsNetwork = sources.filter((f) => roomOf(f) === 'tls' && !isTest(f)).filter((f) => packages(f).some((p) => /^node:(net|tls|https?|dgram)$/.test(p)));
  expect(tlsNetwork).toEqual([]);
});

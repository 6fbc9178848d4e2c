// `npm run demo`: renders the example package examples/docs-tls-cluster the way a user would —
// `kpt fn render --allow-exec` with the built function on PATH — into a temporary copy (the
// repository is never written), then shows what a user would look at: the files written, the
// objects in them, the lines added to the user's own files, and kpt's results.
// Usage: node scripts/demo.mjs [example-package]    (after npm run build; kpt on PATH)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';

const { loadAll, load } = createRequire(import.meta.url)('js-yaml');
const repo = resolve(new URL('..', import.meta.url).pathname);
const example = resolve(repo, process.argv[2] ?? 'examples/docs-tls-cluster');
const bundle = join(repo, 'dist/pxc-tls.cjs');

function fail(message) {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(1);
}

if (!existsSync(bundle)) fail('dist/pxc-tls.cjs is missing: run npm run build first');
if (spawnSync('kpt', ['version'], { encoding: 'utf8' }).error) fail('kpt is not on PATH: the demo renders with kpt (https://kpt.dev/installation/)');

/** Every file of a folder, by relative path, with its text (the package's own .expected left out). */
function files(dir, prefix = '') {
  const out = new Map();
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.name === '.expected') continue;
    if (entry.isDirectory()) for (const [p, t] of files(dir, path)) out.set(p, t);
    else out.set(path, readFileSync(join(dir, path), 'utf8'));
  }
  return out;
}

const work = mkdtempSync(join(tmpdir(), 'pxc-tls-demo-'));
const pkg = join(work, relative(join(repo, 'examples'), example) || 'package');
cpSync(example, pkg, { recursive: true, filter: (source) => !relative(example, source).startsWith('.expected') });
const bin = join(work, '.bin');
mkdirSync(bin);
symlinkSync(bundle, join(bin, 'pxc-tls'));
const results = join(work, '.results');
mkdirSync(results);

const before = files(pkg);
const render = spawnSync('kpt', ['fn', 'render', '--allow-exec', '--results-dir', results], { cwd: pkg, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
const after = files(pkg);

const out = [];
out.push(`Rendered ${relative(repo, example)} with \`kpt fn render --allow-exec\` (pxc-tls from dist/) in a copy: ${pkg}`, '');
out.push('Files written:');
for (const [path, text] of after) {
  const old = before.get(path);
  if (old === text) continue;
  if (old === undefined) {
    const objects = loadAll(text).filter(Boolean).map((o) => `${o.kind} ${o.metadata?.name}`);
    out.push(`  + ${path}  (new, ${text.split('\n').length - 1} lines, ${objects.length} objects)`);
    for (const object of objects) out.push(`      ${object}`);
  } else {
    const was = new Set(old.split('\n'));
    const added = text.split('\n').filter((line) => !was.has(line));
    out.push(`  ~ ${path}  (${added.length} line(s) added)`);
    for (const line of added) out.push(`      ${line.trim()}`);
  }
}
if (out[out.length - 1] === 'Files written:') out.push('  (none)');
out.push('', 'Results:');
const resultsFile = join(results, 'results.yaml');
const list = existsSync(resultsFile) ? load(readFileSync(resultsFile, 'utf8')) : undefined;
for (const item of list?.items ?? []) {
  for (const r of item.results ?? []) {
    const ref = r.resourceRef ? [r.resourceRef.apiVersion, r.resourceRef.kind, r.resourceRef.namespace, r.resourceRef.name].filter(Boolean).join('/') : '';
    out.push(`  [${r.severity}] ${ref}${r.field?.path ? ` ${r.field.path}` : ''}: ${r.message}`);
  }
}
if (render.status !== 0) out.push('', `kpt failed (exit ${render.status}):`, render.stderr.trim());
out.push('', `Look at the files: ls ${pkg}`, `Remove the copy:   rm -rf ${work}`);
process.stdout.write(out.join('\n') + '\n');
process.exit(render.status ?? 1);

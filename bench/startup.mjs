// Start-up budget of the function (issue 3): a run on a small ResourceList should take no more
// than 1.3× a bare `node -e 0`. Measures, interleaved, the wall time of
//   node -e 0                      the floor
//   node dist/pxc-tls.cjs < list   the entry point (bundle + V8 code cache), as kpt exec / npm bin /
//                                  the container run it
//   dist/pxc-tls < list            the single executable (if built: npm run build:sea)
//   node dist/pxc-tls.cjs --help   start-up without reading YAML
// Prints medians and ratios and writes bench/results/startup-<time>.json. Not a test: timings on
// a shared 2-core machine are too noisy to fail a build on.
//   node bench/startup.mjs [runs=40]
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 40);
const bundle = join(root, 'dist/pxc-tls.cjs');
const sea = join(root, 'dist/pxc-tls');
if (!existsSync(bundle)) throw new Error('run npm run build first');

// The docs example as kpt hands it to the function.
const list = execFileSync('kpt', ['fn', 'source', join(root, 'examples/docs-tls-cluster')], { encoding: 'utf8' });

const cases = [
  { name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'], input: '' },
  { name: 'node dist/pxc-tls.cjs < docs example', cmd: process.execPath, args: [bundle], input: list },
  { name: 'node dist/pxc-tls.cjs --help', cmd: process.execPath, args: [bundle, '--help'], input: '' },
];
if (existsSync(sea)) cases.push({ name: 'dist/pxc-tls (single executable) < docs example', cmd: sea, args: [], input: list });

const times = new Map(cases.map((c) => [c.name, []]));
for (const c of cases) spawnSync(c.cmd, c.args, { input: c.input }); // warm the page cache
for (let i = 0; i < runs; i++) {
  for (const c of cases) {
    const start = process.hrtime.bigint();
    const run = spawnSync(c.cmd, c.args, { input: c.input });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (run.status !== 0) throw new Error(`${c.name} exited ${run.status}: ${run.stderr}`);
    times.get(c.name).push(ms);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const floor = median(times.get('node -e 0'));
const rows = cases.map((c) => {
  const m = median(times.get(c.name));
  return { case: c.name, medianMs: Number(m.toFixed(1)), minMs: Number(Math.min(...times.get(c.name)).toFixed(1)), ratio: Number((m / floor).toFixed(2)) };
});
console.log(`node ${process.version}, ${runs} runs each, interleaved; budget: ratio ≤ 1.3`);
for (const r of rows) console.log(`${r.case.padEnd(52)} median ${String(r.medianMs).padStart(6)} ms  min ${String(r.minMs).padStart(6)} ms  ×${r.ratio}`);
mkdirSync(join(root, 'bench/results'), { recursive: true });
const file = join(root, `bench/results/startup-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ node: process.version, runs, rows }, null, 2));
console.log(`wrote ${file}`);

// `npm run bench`: prints a table of figures and writes them to bench/results/latest.json.
// Usage: node bench/run.mjs [function] [kpt] [throughput] [watcher] [served] [agent] [watcher-controller] [rotation]
//        (default: all but watcher-controller and rotation)
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { coldStart, underKpt, throughput } from './function.mjs';
import { agentBench } from './agent.mjs';

const wanted = new Set(process.argv.slice(2));
const want = (name) => wanted.size === 0 || wanted.has(name);
const kptVersion = spawnSync('kpt', ['version'], { encoding: 'utf8' }).stdout.trim();
const machine = { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version, kpt: kptVersion, loadavg: loadavg() };
const results = { date: new Date().toISOString(), machine };

const fmt = (n, digits = 1) => n.toFixed(digits);
console.log(`machine: ${machine.cores} cores (${machine.cpu}), node ${machine.node}, kpt ${machine.kpt}, load ${machine.loadavg.map((l) => l.toFixed(2)).join(' ')}`);

if (want('function')) {
  const r = (results.coldStart = coldStart());
  console.log(`\ncold start (median of ${r.runs}, interleaved, after a warm-up)   target ${r.target}`);
  for (const row of r.rows) console.log(`  ${row.case.padEnd(50)} ${fmt(row.medianMs).padStart(6)} ms   ×${fmt(row.ratio, 2)}`);
}
if (want('kpt')) {
  const r = (results.kpt = underKpt());
  console.log(`\nkpt fn eval --exec, one database (median of ${r.runs}, interleaved)\n  cat (no-op)                 ${fmt(r.catMs)} ms\n  node copying stdin (no-op)  ${fmt(r.nodeCatMs)} ms\n  pxc-tls                     ${fmt(r.functionMs)} ms\n  extra over cat              ${fmt(r.extraMs)} ms   (target ${r.target})\n  extra over node's floor     ${fmt(r.extraOverNodeMs)} ms`);
}
if (want('throughput')) {
  const r = (results.throughput = throughput());
  console.log(`\nthroughput (whole process; best of 3, one run at 10,000)   target: ${r.target}`);
  console.log('  databases   input MiB   wall ms   peak RSS MiB   × previous');
  for (const row of r.rows) {
    console.log(`  ${String(row.databases).padStart(9)}   ${fmt(row.inputMiB, 2).padStart(9)}   ${fmt(row.ms, 0).padStart(7)}   ${fmt(row.rssMiB).padStart(12)}   ${row.growth ? fmt(row.growth, 2) + '×' : ''}`);
  }
}
/**
 * bench/<name>.ts imports the rig, the test harnesses and the watcher (TypeScript): bundle it with
 * esbuild. Those modules find the repository from their own __dirname, so each module's
 * __dirname is replaced by its source directory (the bundle itself lives in .cache/).
 */
async function loadTsBench(name) {
  const { build } = await import('esbuild');
  const root = new URL('..', import.meta.url).pathname;
  const outfile = join(root, '.cache', `bench-${name}.cjs`);
  const sourceDirname = {
    name: 'source-dirname',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes('/node_modules/')) return undefined;
        const text = await readFile(args.path, 'utf8');
        return { contents: text.replace(/\b__dirname\b/g, JSON.stringify(dirname(args.path))), loader: 'ts' };
      });
    },
  };
  await build({ entryPoints: [join(root, 'bench', `${name}.ts`)], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning', plugins: [sourceDirname] });
  return createRequire(import.meta.url)(outfile);
}

if (want('watcher')) {
  const { watcherBench } = await loadTsBench('watcher');
  results.watcher = await watcherBench();
}
if (want('served')) {
  const { servedBench } = await loadTsBench('served');
  results.served = await servedBench();
}
// Not in the default set (`node bench/run.mjs` alone): the same sizes with the StatefulSet
// controller, scheduler and kwok; 1,000 databases take a long while.
if (wanted.has('watcher-controller')) {
  const { watcherControllerBench } = await loadTsBench('watcher-controller');
  results.watcherController = await watcherControllerBench();
}

// Not in the default set either: a 3-member Galera cluster, certificate renewals reloaded by the
// agent, then rolling restarts, under client load (a few minutes). `npm run bench:rotation`.
if (wanted.has('rotation')) {
  const { rotationBench } = await loadTsBench('rotation');
  results.rotation = await rotationBench();
}

if (want('agent')) {
  const r = (results.agent = await agentBench());
  console.log(`\nthe agent at rest (a member waiting; NODE_OPTIONS ${r.nodeOptions})`);
  console.log(`  resident memory   ${fmt(r.rssMiB.median)} MiB median (${fmt(r.rssMiB.min)}–${fmt(r.rssMiB.max)})   rendered: request 64Mi, limit 128Mi`);
  console.log(`  V8 heap           ${fmt(r.heapUsedMiB)} MiB used of ${fmt(r.heapTotalMiB)} MiB`);
  console.log(`  CPU               ${fmt(r.cpuSecondsPerMinute, 2)} s per minute   API calls ${fmt(r.apiCallsPerMinute)} per minute   stage ${r.stage}`);
}

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/latest.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
console.log('\nwritten: bench/results/latest.json');

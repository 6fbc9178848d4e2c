// Builds dist/pxc-tls: the KRM function as one self-contained executable (a Node.js single
// executable application), for places without Node.js such as Argo CD's repo-server.
//   1. esbuild bundles src/cli.ts (with the README's help; PXC_TLS_SEA makes it start by itself and
//      say that `watch` is not in this file) into one CommonJS script;
//   2. `node --experimental-sea-config` turns it into a blob;
//   3. postject injects the blob into a copy of the node binary running this script.
// The result runs on Linux hosts like this one (same architecture and libc as that node binary).
// Cached: a stamp beside the file records what it was built from, and an unchanged input is not
// rebuilt. The file is written under a temporary name and renamed, so a reader never sees half.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { helpFromReadme } = require('./readme-help.cjs');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/pxc-tls');
const stampFile = join(root, 'dist/pxc-tls.sea-stamp');
const work = join(root, '.cache/sea');
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const started = Date.now();
mkdirSync(work, { recursive: true });
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const help = helpFromReadme(readFileSync(join(root, 'README.md'), 'utf8'));
const script = join(work, 'pxc-tls-sea.cjs');
await build({
  entryPoints: [join(root, 'src/cli.ts')],
  outfile: script,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { PXC_TLS_VERSION: JSON.stringify(version), PXC_TLS_HELP: JSON.stringify(help), PXC_TLS_SEA: 'true' },
});

const blob = join(work, 'pxc-tls.blob');
const config = join(work, 'sea-config.json');
// With V8's code cache for the script (made by this same node binary, so V8 accepts it): start-up
// ~10 ms shorter on this machine (npm run bench).
writeFileSync(config, JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }, null, 2));

const node = process.execPath;
const nodeStat = statSync(node);
const stamp = createHash('sha256')
  .update(readFileSync(script))
  .update(readFileSync(config))
  .update(`\0${process.version}\0${node}\0${nodeStat.size}\0${nodeStat.mtimeMs}`)
  .digest('hex');
if (existsSync(out) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp) {
  console.log(`build:sea: ${out} is up to date (${(statSync(out).size / 1e6).toFixed(1)} MB)`);
  process.exit(0);
}

execFileSync(node, ['--experimental-sea-config', config], { stdio: 'pipe' });

const tmp = `${out}.tmp-${process.pid}`;
copyFileSync(node, tmp);
chmodSync(tmp, 0o755);
try {
  // postject's CLI in a child process: its ELF parser prints harmless warnings, shown only on failure.
  const postject = join(dirname(require.resolve('postject/package.json')), 'dist/cli.js');
  execFileSync(node, [postject, tmp, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE], { stdio: 'pipe' });
  renameSync(tmp, out);
} catch (error) {
  rmSync(tmp, { force: true });
  process.stderr.write(String(error.stderr ?? ''));
  throw error;
}
writeFileSync(stampFile, `${stamp}\n`);
console.log(`build:sea: wrote ${out} (${(statSync(out).size / 1e6).toFixed(1)} MB, node ${process.version}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);

// Bundles the program into two CommonJS files:
//   dist/pxc-tls.cjs  the CLI and the KRM function — small, so the function starts fast;
//   dist/watch.cjs    the watcher with the Kubernetes client, loaded only by `pxc-tls watch`.
// One file each to copy into a container or turn into a single executable.
import { build } from 'esbuild';
import { readFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';

const { helpFromReadme } = createRequire(import.meta.url)('./readme-help.cjs');

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const help = helpFromReadme(readFileSync(new URL('../README.md', import.meta.url), 'utf8'));
const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', minifySyntax: true, legalComments: 'none', logLevel: 'warning' };

await Promise.all([
  build({
    ...common,
    entryPoints: ['src/cli.ts'],
    outfile: 'dist/pxc-tls.cjs',
    define: { PXC_TLS_VERSION: JSON.stringify(version), PXC_TLS_WATCH_BUNDLE: JSON.stringify('watch.cjs'), PXC_TLS_HELP: JSON.stringify(help) },
    banner: { js: '#!/usr/bin/env node' },
  }),
  build({ ...common, entryPoints: ['src/watch/main.ts'], outfile: 'dist/watch.cjs', define: { PXC_TLS_VERSION: JSON.stringify(version) } }),
]);
chmodSync('dist/pxc-tls.cjs', 0o755);

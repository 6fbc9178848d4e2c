// Bundles the program:
//   dist/pxc-tls.cjs              the entry point (npm bin, container ENTRYPOINT): a few lines that
//                                 load the function bundle with V8's code cache for it;
//   dist/pxc-tls-main.cjs         the CLI and the KRM function — small, so the function starts fast;
//   dist/pxc-tls-main.cjs.v8cache V8's code cache for it, made here by one run of the function:
//                                 ~10 ms less start-up (npm run bench). Another Node.js version
//                                 rejects it and the bundle compiles as usual;
//   dist/watch.cjs                the watcher with the Kubernetes client, loaded only by `pxc-tls watch`;
//   dist/agent.cjs                the in-pod agent (no Kubernetes client library), loaded only by `pxc-tls agent`.
// The help text is cut from README.md (scripts/readme-help.cjs). The single executable has its own
// build (scripts/build-sea.mjs).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const { helpFromReadme } = createRequire(import.meta.url)('./readme-help.cjs');

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const help = helpFromReadme(readFileSync(new URL('../README.md', import.meta.url), 'utf8'));
const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', minifySyntax: true, legalComments: 'none', logLevel: 'warning',
  // Module names from the paths as seen (a symlinked node_modules gives the same bundle, byte for byte).
  preserveSymlinks: true };

await Promise.all([
  build({
    ...common,
    entryPoints: ['src/cli.ts'],
    outfile: 'dist/pxc-tls-main.cjs',
    define: { PXC_TLS_VERSION: JSON.stringify(version), PXC_TLS_WATCH_BUNDLE: JSON.stringify('watch.cjs'), PXC_TLS_AGENT_BUNDLE: JSON.stringify('agent.cjs'), PXC_TLS_HELP: JSON.stringify(help) },
  }),
  build({ ...common, entryPoints: ['src/watch/main.ts'], outfile: 'dist/watch.cjs', define: { PXC_TLS_VERSION: JSON.stringify(version) } }),
  build({ ...common, entryPoints: ['src/agent/main.ts'], outfile: 'dist/agent.cjs', define: { PXC_TLS_VERSION: JSON.stringify(version) } }),
]);

// The cache starts with the bundle's hash, so a cache from another build is never used.
const main = readFileSync('dist/pxc-tls-main.cjs');
const stamp = createHash('sha256').update(main).digest('hex').slice(0, 32);
writeFileSync(
  'dist/pxc-tls.cjs',
  `#!/usr/bin/env node
'use strict';
// pxc-tls: runs pxc-tls-main.cjs with V8's code cache made by \`npm run build\` (see scripts/build.mjs).
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');
const { wrap } = require('node:module');
const file = join(__dirname, 'pxc-tls-main.cjs');
const cacheFile = file + '.v8cache';
const stamp = Buffer.from('${stamp}');
let cachedData;
try {
  const cache = readFileSync(cacheFile);
  if (cache.subarray(0, stamp.length).equals(stamp)) cachedData = cache.subarray(stamp.length);
} catch {}
const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
if (process.env.PXC_TLS_BUILD_CODE_CACHE === cacheFile) {
  process.once('exit', () => writeFileSync(cacheFile, Buffer.concat([stamp, script.createCachedData()])));
}
script.runInThisContext().call(module.exports, module.exports, require, module, file, __dirname);
`,
);
chmodSync('dist/pxc-tls.cjs', 0o755);

// One run of the function over a small list, so the cache holds the functions a run compiles.
const sample = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: cert-manager.io/v1
  kind: Issuer
  metadata: {name: ca, namespace: demo, annotations: {config.kubernetes.io/path: issuer.yaml}}
  spec: {ca: {secretName: ca}}
- apiVersion: cert-manager.io/v1
  kind: Issuer
  metadata: {name: members, namespace: demo, annotations: {config.kubernetes.io/path: issuer.yaml, config.kubernetes.io/index: '1'}}
  spec: {ca: {secretName: members}}
- apiVersion: kubedb.com/v1
  kind: PerconaXtraDB
  metadata: {name: db, namespace: demo, annotations: {config.kubernetes.io/path: db.yaml}}
  spec:
    version: "8.4.3"
    replicas: 3
    storage: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
    requireSSL: true
    monitor: {agent: prometheus.io/builtin}
    tls: {issuerRef: {apiGroup: cert-manager.io, kind: Issuer, name: ca}, certificates: [{alias: server, issuerRef: {apiGroup: cert-manager.io, kind: Issuer, name: members}}]}
functionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: function-input}, data: {argoSyncWaves: "true", images.agent: registry.example.com/platform/pxc-tls:0.1.0}}
`;
const cacheFile = join(realpathSync('dist'), 'pxc-tls-main.cjs.v8cache');
rmSync(cacheFile, { force: true });
execFileSync(process.execPath, ['dist/pxc-tls.cjs'], { input: sample, stdio: ['pipe', 'ignore', 'inherit'], env: { ...process.env, PXC_TLS_BUILD_CODE_CACHE: cacheFile } });
if (!existsSync(cacheFile)) throw new Error(`build: no code cache written to ${cacheFile}`);

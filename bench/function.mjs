// Benchmarks of the KRM function: cold start against bare node, the same under kpt against a
// no-op exec function, and throughput with growing lists. Figures only — no assertion.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, rmSync, symlinkSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BUNDLE = new URL('../dist/pxc-tls.cjs', import.meta.url).pathname;

/** One database with its Issuer, plus an unrelated Deployment and ConfigMap: a realistic package slice. */
export function packageSlice(i) {
  const ns = `team-${i % 50}`;
  return `- apiVersion: cert-manager.io/v1
  kind: Issuer
  metadata:
    name: ca-${i}
    namespace: ${ns}
  spec:
    ca:
      secretName: ca-${i}
- apiVersion: kubedb.com/v1
  kind: PerconaXtraDB
  metadata:
    name: db-${i}
    namespace: ${ns}
  spec:
    version: "8.4.3"
    replicas: 3
    storage:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 1Gi
    requireSSL: true
    tls:
      issuerRef:
        apiGroup: cert-manager.io
        kind: Issuer
        name: ca-${i}
      certificates:
      - alias: server
        subject:
          organizations: [kubedb:server]
        dnsNames: [localhost]
        ipAddresses: ["127.0.0.1"]
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: app-${i} # an unrelated workload
    namespace: ${ns}
  spec:
    replicas: 2
    selector:
      matchLabels: {app: app-${i}}
    template:
      metadata:
        labels: {app: app-${i}}
      spec:
        containers:
        - name: web
          image: nginx:1.27
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: settings-${i}
    namespace: ${ns}
  data:
    enabled: "yes"
`;
}

export function resourceList(databases) {
  let text = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n';
  for (let i = 0; i < databases; i++) text += packageSlice(i);
  return text;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Wall time of a whole process in ms; `/usr/bin/time -f %M` gives its peak RSS in KiB. */
function timeProcess(command, args, input, options = {}) {
  const start = process.hrtime.bigint();
  const run = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { input, maxBuffer: 1 << 30, ...options });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${run.stderr}`);
  const rssKiB = Number(String(run.stderr).trim().split('\n').pop());
  return { ms, rssMiB: rssKiB / 1024 };
}

/**
 * Whole-process start-up on a one-database list (the docs example as kpt hands it over), interleaved
 * with a bare `node -e 0` so a busy moment hurts both alike; also the single executable and --help.
 */
export function coldStart(runs = 20) {
  const root = new URL('..', import.meta.url).pathname;
  const list = spawnSync('kpt', ['fn', 'source', join(root, 'examples/docs-tls-cluster')], { encoding: 'utf8' }).stdout;
  const sea = join(root, 'dist/pxc-tls');
  const cases = [
    { name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'], input: '' },
    { name: 'node dist/pxc-tls.cjs < one database', cmd: process.execPath, args: [BUNDLE], input: list },
    { name: 'node dist/pxc-tls.cjs --help', cmd: process.execPath, args: [BUNDLE, '--help'], input: '' },
  ];
  if (existsSync(sea)) cases.push({ name: 'dist/pxc-tls (single executable) < one database', cmd: sea, args: [], input: list });
  for (const c of cases) timeProcess(c.cmd, c.args, c.input); // warm-up
  const times = cases.map(() => []);
  for (let i = 0; i < runs; i++) cases.forEach((c, k) => times[k].push(timeProcess(c.cmd, c.args, c.input).ms));
  const floor = median(times[0]);
  return {
    runs,
    target: '≤ 1.3× node -e 0',
    rows: cases.map((c, k) => ({ case: c.name, medianMs: median(times[k]), minMs: Math.min(...times[k]), ratio: median(times[k]) / floor })),
  };
}

function kptPackage(dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Kptfile'), 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: bench\n  annotations:\n    config.kubernetes.io/local-config: "true"\n');
  const slice = packageSlice(0).replace(/^- /gm, '---\n').replace(/^  /gm, '').replace(/^---\n/, '');
  writeFileSync(join(dir, 'resources.yaml'), slice);
}

export function underKpt(runs = 10) {
  const work = mkdtempSync(join(tmpdir(), 'pxc-tls-bench-kpt-'));
  const bin = join(work, 'bin');
  mkdirSync(bin);
  symlinkSync(BUNDLE, join(bin, 'pxc-tls'));
  writeFileSync(join(bin, 'cat-fn'), '#!/bin/sh\nexec cat\n');
  chmodSync(join(bin, 'cat-fn'), 0o755);
  // The floor of any Node.js function: node itself, copying stdin to stdout.
  writeFileSync(join(bin, 'node-cat-fn'), `#!/bin/sh\nexec ${process.execPath} -e 'process.stdin.pipe(process.stdout)'\n`);
  chmodSync(join(bin, 'node-cat-fn'), 0o755);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  const evalWith = (fn) => {
    const pkg = join(work, `pkg-${fn}`);
    rmSync(pkg, { recursive: true, force: true });
    kptPackage(pkg);
    // -o stdout: the package is not rewritten, so every run sees the same input.
    return timeProcess('kpt', ['fn', 'eval', '--exec', fn, '-o', 'stdout', pkg], '', { env }).ms;
  };
  evalWith('cat-fn');
  evalWith('node-cat-fn');
  evalWith('pxc-tls');
  const cat = [];
  const nodeCat = [];
  const ours = [];
  for (let i = 0; i < runs; i++) {
    cat.push(evalWith('cat-fn'));
    nodeCat.push(evalWith('node-cat-fn'));
    ours.push(evalWith('pxc-tls'));
  }
  rmSync(work, { recursive: true, force: true });
  const catMs = median(cat);
  const nodeCatMs = median(nodeCat);
  const oursMs = median(ours);
  return { runs, catMs, nodeCatMs, functionMs: oursMs, extraMs: oursMs - catMs, extraOverNodeMs: oursMs - nodeCatMs, target: '≤ +40 ms' };
}

export function throughput(sizes = [1, 10, 100, 1000, 10000]) {
  const rows = [];
  for (const databases of sizes) {
    const input = resourceList(databases);
    const runs = databases >= 10000 ? 1 : 3;
    const samples = [];
    for (let i = 0; i < runs; i++) samples.push(timeProcess(process.execPath, [BUNDLE], input));
    const best = samples.sort((a, b) => a.ms - b.ms)[0];
    rows.push({ databases, inputMiB: input.length / 1048576, ms: best.ms, rssMiB: best.rssMiB });
  }
  for (let i = 1; i < rows.length; i++) rows[i].growth = rows[i].ms / rows[i - 1].ms;
  return { rows, target: '1,000 databases ≤ 1 s; 10× input ≤ 11× time' };
}

// The agent at rest (issue 11: "the agent's resident memory at rest … measure it, aim low, set its
// resources from the figure"). The built agent (dist/pxc-tls.cjs agent) runs with the NODE_OPTIONS
// the rendered container sets, in a member's waiting state: KubeDB's init scripts in its /scripts,
// empty data and run-script directories, a server certificate made with openssl, peers that do not
// answer, and — standing in for the API server, this is a bench, not a test — a local HTTPS
// endpoint answering its three calls (its StatefulSet: 3 replicas; no decision yet; the patch of its
// facts). Figures: resident memory (VmRSS) sampled at rest, V8 heap, CPU used per minute.
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:https';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** ../shared/reference/kubedb beside the repository (src/test-support/shared-reference.ts's walk). */
function kubedbReferenceDir() {
  if (process.env.PXC_TLS_SHARED_DIR) return join(process.env.PXC_TLS_SHARED_DIR, 'reference', 'kubedb');
  for (let dir = root; ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'reference', 'kubedb');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error('shared/reference/kubedb not found; set PXC_TLS_SHARED_DIR');
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function certificates(dir) {
  const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=bench-ca', '-days', '2']);
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', '/CN=db']);
  writeFileSync(join(dir, 'ext'), 'subjectAltName=DNS:*.db-pods.bench.svc,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  run(['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt', '-days', '2', '-extfile', 'ext']);
}

function vmRSS(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line.split(/\s+/)[1]) / 1024;
}

function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

function metrics(port) {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/metrics', rejectUnauthorized: false }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve(text));
    }).on('error', reject).end();
  });
}

export async function agentBench({ warmupMs = 30_000, sampleMs = 60_000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pxc-tls-bench-agent-'));
  const paths = { scripts: join(dir, 'scripts'), run: join(dir, 'run-script'), data: join(dir, 'data'), tls: join(dir, 'tls') };
  Object.values(paths).forEach((p) => mkdirSync(p));
  // What px-init puts in /scripts (the agent copies its run scripts from there).
  cpSync(join(kubedbReferenceDir(), 'init-0.2.3', 'scripts'), paths.scripts, { recursive: true });
  certificates(paths.tls);
  writeFileSync(join(dir, 'token'), 'bench-token');
  const calls = { get: 0, patch: 0 };
  const api = createServer({ cert: readFileSync(join(paths.tls, 'tls.crt')), key: readFileSync(join(paths.tls, 'tls.key')) }, (req, res) => {
    req.resume();
    if (req.method === 'PATCH') calls.patch++;
    else calls.get++;
    if (req.url.includes('/statefulsets/')) return res.end(JSON.stringify({ spec: { replicas: 3 } }));
    if (req.url.includes('/configmaps/')) {
      res.statusCode = 404;
      return res.end('{}');
    }
    res.end('{}');
  });
  await new Promise((r) => api.listen(0, '127.0.0.1', r));
  const apiPort = api.address().port;
  const port = 19608 + Math.floor(Math.random() * 1000);
  const nodeOptions = '--max-semi-space-size=1 --max-old-space-size=48'; // as the rendered container sets it
  const agent = spawn(process.execPath, [join(root, 'dist', 'pxc-tls.cjs'), 'agent',
    '--scripts-dir', paths.scripts, '--run-script-dir', paths.run, '--data-dir', paths.data, '--tls-dir', paths.tls,
    '--listen-address', `127.0.0.1:${port}`, '--api-server', `https://127.0.0.1:${apiPort}`, '--token-file', join(dir, 'token'), '--api-ca-file', join(paths.tls, 'ca.crt'),
    // Peers that never answer (a member waiting for the others): nothing listens there.
    '--peer', 'db-1=127.0.0.1:1', '--peer', 'db-2=127.0.0.1:1', '--log-level', 'warn'],
  { env: { ...process.env, NODE_OPTIONS: nodeOptions, POD_NAME: 'db-0', POD_NAMESPACE: 'bench', DB_NAME: 'db', MONITOR_USERNAME: 'monitor', MONITOR_PASSWORD: 'x' }, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await sleep(warmupMs);
    const rss = [];
    const cpu0 = cpuSeconds(agent.pid);
    const t0 = performance.now();
    while (performance.now() - t0 < sampleMs) {
      rss.push(vmRSS(agent.pid));
      await sleep(5_000);
    }
    const cpuPerMinute = ((cpuSeconds(agent.pid) - cpu0) / ((performance.now() - t0) / 60_000));
    const text = await metrics(port);
    const gauge = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
    rss.sort((a, b) => a - b);
    const result = {
      nodeOptions,
      rssMiB: { min: rss[0], median: rss[Math.floor(rss.length / 2)], max: rss[rss.length - 1] },
      heapUsedMiB: gauge('nodejs_heap_size_used_bytes'),
      heapTotalMiB: gauge('nodejs_heap_size_total_bytes'),
      cpuSecondsPerMinute: cpuPerMinute,
      apiCallsPerMinute: ((calls.get + calls.patch) / ((warmupMs + sampleMs) / 60_000)),
      stage: /^pxc_tls_agent_stage\{stage="(\w+)"\} 1$/m.exec(text)?.[1],
    };
    return result;
  } finally {
    agent.kill('SIGTERM');
    api.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

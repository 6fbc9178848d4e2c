/**
 * What one served-certificate probe costs (issue 12.5): the watcher's probe
 * (src/watch/served-probe.ts) against a real MariaDB 10.11 (the test/db harness, standing in for
 * PXC) serving a certificate like the ones cert-manager issues by default (RSA 2048, signed by a
 * CA). Figures only. Bundled by bench/run.mjs into .cache/bench-served.cjs; `node bench/run.mjs served`.
 *
 * Method
 *  - One server (the harness's site options, `--ssl-ca/--ssl-cert/--ssl-key`, an account `%` so
 *    any host may connect), warmed with 20 probes.
 *  - Sequential: N probes one after another (PXC_TLS_BENCH_SERVED_PROBES, default 300). Per probe:
 *    wall time (median, p99 nearest rank); this process's CPU time (process.cpuUsage, user +
 *    system) over the run divided by N — the watcher's cost per pod and round; the server's CPU
 *    time (mariadbd's utime + stime from /proc/<pid>/stat) divided by N — what each probed pod
 *    pays.
 *  - Concurrent: the same N with 8 probes in flight (the watcher looks at 8 databases at once,
 *    each database's pods in parallel): probes per second.
 *  - Extrapolated: at the default --served-check-period of 1 minute, 1,000 databases of 3 pods
 *    are 50 probes a second: the watcher's CPU share is 50 × its CPU per probe.
 * No key material is printed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ensureMariaDB, scratch, startNode } from '../test/db/mariadb';
import { probeServedCertificate } from '../src/watch/served-probe';

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A CA and a server certificate for 127.0.0.1, RSA 2048 (cert-manager's default key). */
function certificates(dir: string): { ca: string; cert: string; key: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=bench-ca', '-days', '2',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', '/CN=bench-server']);
  writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  run(['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt', '-days', '1', '-extfile', 'ext']);
  for (const f of ['ca.crt', 'tls.crt', 'tls.key']) execFileSync('chmod', ['0644', join(dir, f)]);
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') };
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** utime + stime of a process, in ms (fields 14 and 15 of /proc/<pid>/stat). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1000;
}

export async function servedBench(log: (line: string) => void = (l) => console.log(l)): Promise<object> {
  const probes = Number(process.env.PXC_TLS_BENCH_SERVED_PROBES ?? 300);
  const install = await ensureMariaDB();
  const sc = scratch('pxc-bench-served-');
  const certDir = mkdtempSync(join(tmpdir(), 'pxc-bench-served-certs-'));
  execFileSync('chmod', ['0755', certDir]);
  const files = certificates(certDir);
  const node = await startNode(install, { name: 'bench', scratch: sc, options: [`--ssl-ca=${files.ca}`, `--ssl-cert=${files.cert}`, `--ssl-key=${files.key}`] });
  try {
    await node.admin("CREATE USER 'app'@'%' IDENTIFIED BY 'bench-only'");
    const target = { host: '127.0.0.1', port: node.port, timeoutMs: 5000 };
    for (let i = 0; i < 20; i++) await probeServedCertificate(target);

    const serverPid = node.serverPid();
    const wall: number[] = [];
    const cpu0 = process.cpuUsage();
    const server0 = processCpuMs(serverPid);
    for (let i = 0; i < probes; i++) {
      const t0 = process.hrtime.bigint();
      const r = await probeServedCertificate(target);
      wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (!r.certificate || r.ended !== 'denied') throw new Error(`probe ${i}: ${r.ended}, certificate ${!!r.certificate}`);
    }
    const cpu = process.cpuUsage(cpu0);
    const serverMs = processCpuMs(serverPid) - server0;
    wall.sort((a, b) => a - b);

    let next = 0;
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next++ < probes) await probeServedCertificate(target);
    }));
    const concurrentSeconds = (Date.now() - t0) / 1000;

    const watcherCpuMsPerProbe = (cpu.user + cpu.system) / 1000 / probes;
    const result = {
      probes,
      key: 'RSA 2048',
      server: `MariaDB ${install.packageVersion}`,
      wallMs: { median: quantile(wall, 0.5), p99: quantile(wall, 0.99) },
      watcherCpuMsPerProbe,
      serverCpuMsPerProbe: serverMs / probes,
      concurrent8PerSecond: probes / concurrentSeconds,
      at1000DatabasesEveryMinute: { probesPerSecond: 50, watcherCpuShare: (50 * watcherCpuMsPerProbe) / 1000 },
    };
    const f = (n: number, d = 2) => n.toFixed(d);
    log(`\nserved-certificate probe (${probes} probes, ${result.key}, ${result.server} on loopback)`);
    log(`  wall per probe, sequential      median ${f(result.wallMs.median)} ms   p99 ${f(result.wallMs.p99)} ms`);
    log(`  watcher CPU per probe           ${f(watcherCpuMsPerProbe)} ms`);
    log(`  server (mysqld) CPU per probe   ${f(result.serverCpuMsPerProbe)} ms`);
    log(`  8 in flight                     ${f(result.concurrent8PerSecond, 0)} probes/s`);
    log(`  1,000 databases × 3 pods / min  50 probes/s ≈ ${f(result.at1000DatabasesEveryMinute.watcherCpuShare * 100, 1)} % of one core in the watcher`);
    return result;
  } finally {
    await node.stop();
    sc.remove();
    rmSync(certDir, { recursive: true, force: true });
  }
}

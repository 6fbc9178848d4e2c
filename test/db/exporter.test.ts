// Issue 12.6: a real mysqld_exporter scraping MariaDB (standing in for PXC, README.md) over TLS
// with the rendered exporter.cnf and the issued metrics-exporter certificate — and what it does
// when that certificate is renewed in place. The binary is Debian's prometheus-mysqld-exporter
// 0.14.0 (scripts/tools/mysqld-exporter.sh): the catalog's image is v0.18.0, which the Go module
// proxy will not build here. Where 0.14 differs from the rendered container, the test says so and
// translates (logged); docs/rotation.md says what it means for v0.18.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { freePort, REPO_ROOT, sleep, startNode, type Node } from './mariadb';
import { fingerprint, setupSuite, subjectOneline, type Pod, type Suite } from './fixture';

jest.setTimeout(180_000);

const DB = 'pxc-exporter';
const PASSWORD = 'test-only-password';
let suite: Suite;
let node: Node;
let pod: Pod;
let exporterBin: string;
let exporterVersion: string;
const running = new Set<ChildProcess>();

function ensureExporter(): Promise<{ bin: string; version: string }> {
  return new Promise((res, rej) =>
    execFile('bash', [join(REPO_ROOT, 'scripts', 'tools', 'mysqld-exporter.sh')], { timeout: 10 * 60_000 }, (err, stdout, stderr) => {
      if (err) return rej(new Error(`scripts/tools/mysqld-exporter.sh failed: ${err.message}\n${stderr}`));
      const dir = stdout.trim().split('\n').pop()!;
      const env = Object.fromEntries(readFileSync(join(dir, 'mysqld-exporter.env'), 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      res({ bin: join(dir, env.MYSQLD_EXPORTER!), version: env.MYSQLD_EXPORTER_VERSION! });
    }),
  );
}

beforeAll(async () => {
  ({ bin: exporterBin, version: exporterVersion } = await ensureExporter());
  suite = await setupSuite('exporter', [{ name: DB, requireSSL: true, monitor: true }]);
  suite.log(`mysqld_exporter ${exporterVersion} (Debian's package) — the catalog's image is v0.18.0`);
  pod = suite.db(DB).pod(`${DB}-0`);
  node = await startNode(suite.install, { name: DB, scratch: suite.scratch, options: pod.mysqld.options });
  // REQUIRE SUBJECT: a scrape succeeds only if the server verified a client certificate with exactly this subject.
  const subject = await subjectOneline(readFileSync(pod.certFiles('metrics-exporter').cert));
  await node.admin(`CREATE USER 'exporter'@'%' IDENTIFIED BY '${PASSWORD}' REQUIRE SUBJECT '${subject.replace(/'/g, "''")}'; GRANT PROCESS, REPLICATION CLIENT, SLAVE MONITOR, SELECT ON *.* TO 'exporter'@'%'`);
}, 20 * 60_000);

afterAll(async () => {
  for (const p of running) p.kill('SIGKILL');
  await node?.stop();
  suite?.cleanup();
});

interface Exporter {
  port: number;
  output(): string;
  stop(): Promise<void>;
}

/**
 * The rendered exporter container's args, as 0.14 can take them. Translations (logged):
 *  - --web.listen-address=:<port> → 127.0.0.1:<free port> (several servers share this machine);
 *  - --config.my-cnf → the rendered exporter.cnf, its paths mapped into the exporter's mount, port = the test server's;
 *    0.14 reads user and password only from that file (or DATA_SOURCE_NAME), so they are appended to its [client];
 *  - --mysqld.username=… dropped: 0.14 has no such flag (v0.15+ does; with MYSQLD_EXPORTER_PASSWORD from the environment).
 */
function exporterArgs(listenPort: number, trustedCA?: string): { args: string[]; cnf: string } {
  const rendered = pod.exporter!.wiring.args;
  const cnf = pod.exporterCnf(node.port);
  appendFileSync(cnf.path, `user=exporter\npassword=${PASSWORD}\n`);
  if (trustedCA) writeFileSync(cnf.path, readFileSync(cnf.path, 'utf8').replace(/^ssl-ca=.*$/m, `ssl-ca=${trustedCA}`)); // negative control
  const args: string[] = [];
  const lines: string[] = [];
  for (const arg of rendered) {
    if (arg.startsWith('--web.listen-address=')) args.push(`--web.listen-address=127.0.0.1:${listenPort}`);
    else if (arg.startsWith('--config.my-cnf=')) args.push(`--config.my-cnf=${cnf.path}`);
    else if (arg.startsWith('--mysqld.username=')) {
      lines.push(`  ${arg} -> (dropped: not a flag of 0.14; user and password go into the my.cnf)`);
      continue;
    } else args.push(arg);
    if (args[args.length - 1] !== arg) lines.push(`  ${arg} -> ${args[args.length - 1]!.split(suite.scratch.dir).join('$TMP')}`);
  }
  for (const t of cnf.translations) lines.push(`  exporter.cnf ${t.rendered} -> ${t.mariadbd.split(suite.scratch.dir).join('$TMP')}   (${t.why})`);
  suite.log(`rendered exporter args -> mysqld_exporter ${exporterVersion}:\n${lines.join('\n')}`);
  return { args, cnf: cnf.path };
}

async function startExporter(trustedCA?: string): Promise<Exporter> {
  const port = await freePort();
  const { args } = exporterArgs(port, trustedCA);
  const child = spawn(exporterBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.on('exit', () => { running.delete(child); r(); }));
  const end = Date.now() + 20_000;
  while (!(await scrape(port).then(() => true, () => false))) {
    if (Date.now() > end) throw new Error(`the exporter did not serve /metrics within 20 s:\n${out}`);
    await sleep(200);
  }
  return { port, output: () => out, stop: async () => { child.kill('SIGTERM'); await exited; } };
}

function scrape(port: number, path = '/metrics'): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    get({ host: '127.0.0.1', port, path, timeout: 15_000 }, (r) => {
      let body = '';
      r.on('data', (c: Buffer) => (body += c.toString()));
      r.on('end', () => res({ status: r.statusCode ?? 0, body }));
    }).on('error', rej);
  });
}

const mysqlUp = async (e: Exporter) => Number(/^mysql_up (\d+)$/m.exec((await scrape(e.port)).body)?.[1]);
const connections = async () => Number((await node.status('Connections'))!);

test('0.14 refuses the rendered container\'s --mysqld.username (a v0.15+ flag): the catalog\'s v0.18.0 is what the render targets', async () => {
  const r = await new Promise<{ code: number | null; out: string }>((res) => {
    const p = spawn(exporterBin, pod.exporter!.wiring.args.map((a) => a.replace('$(MYSQL_ROOT_USERNAME)', 'root')), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d));
    p.stderr!.on('data', (d: Buffer) => (out += d));
    p.on('exit', (code) => res({ code, out }));
  });
  expect(r.code).not.toBe(0);
  expect(r.out).toMatch(/unknown long flag '--mysqld\.username'/);
});

test('it scrapes over verified TLS with the rendered exporter.cnf and the metrics-exporter certificate, one new connection per scrape', async () => {
  const e = await startExporter();
  try {
    expect(await mysqlUp(e)).toBe(1);
    const before = await connections();
    expect(await mysqlUp(e)).toBe(1);
    expect(await mysqlUp(e)).toBe(1);
    expect(await connections()).toBeGreaterThanOrEqual(before + 2);
    expect(e.output()).not.toMatch(/Access denied|x509|tls:|level=error/);
  } finally {
    await e.stop();
  }
});

test('it verifies the server: trusting another CA, every scrape fails (mysql_up 0, unknown authority)', async () => {
  const other = join(suite.scratch.dir, 'other-ca.crt');
  writeFileSync(other, suite.otherIssuer.caCert());
  const e = await startExporter(other);
  try {
    expect(await mysqlUp(e)).toBe(0);
    expect(e.output()).toMatch(/x509: certificate signed by unknown authority/);
  } finally {
    await e.stop();
  }
});

test('a renewed client certificate swapped in place: 0.14 keeps presenting the one it loaded at start until it is restarted', async () => {
  const e = await startExporter();
  try {
    expect(await mysqlUp(e)).toBe(1);
    const oldFp = await fingerprint(readFileSync(pod.certFiles('metrics-exporter').cert));
    // The renewal, told apart by the server: the same Certificate with one more subject field (a
    // test-only change of the spec; a real renewal keeps the subject, so REQUIRE SUBJECT could not tell).
    const spec = suite.db(DB).certificate('metrics-exporter');
    const renewedSpec = { ...spec, spec: { ...spec.spec, subject: { ...(spec.spec.subject ?? {}), organizationalUnits: ['renewed'] } } };
    const renewed = await suite.issuer.renew(renewedSpec);
    expect(await fingerprint(renewed['tls.crt']!)).not.toBe(oldFp);
    pod.replaceCert('metrics-exporter', renewed); // the kubelet's swap of the mounted files
    const newSubject = await subjectOneline(renewed['tls.crt']!);
    await node.admin(`ALTER USER 'exporter'@'%' REQUIRE SUBJECT '${newSubject.replace(/'/g, "''")}'`);
    // Only the renewed certificate is accepted now. 0.14 registered its TLS config (the key pair it
    // read) once, at start: every scrape, though a new connection, presents the old certificate.
    expect(await mysqlUp(e)).toBe(0);
    await sleep(1500);
    expect(await mysqlUp(e)).toBe(0);
    expect(e.output()).toMatch(/Access denied for user 'exporter'/);
    // 0.14 has no reload (v0.15+ re-reads the certificate files at each scrape, and the my.cnf on
    // /-/reload): a restart reads the renewed files.
    await e.stop();
    const restarted = await startExporter();
    try {
      expect(await mysqlUp(restarted)).toBe(1);
    } finally {
      await restarted.stop();
    }
  } finally {
    await e.stop();
  }
});

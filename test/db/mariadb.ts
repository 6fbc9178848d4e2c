// MariaDB 10.11 + Galera 4 servers for the database tests (issue 6), started and stopped inside the
// test run on loopback ports chosen free, each with its own temporary datadir.
//
// Why MariaDB: Percona XtraDB Cluster has no Debian package. MariaDB with Galera 4 takes the same
// mysqld TLS options (ssl-ca/ssl-cert/ssl-key/ssl-capath, require_secure_transport) and the same
// Galera provider options (socket.ssl_*), so the wiring the function renders for PXC runs on it
// unchanged; README.md in this folder says what that proves and what stays PXC-specific.
//
// The binaries come from scripts/tools/mariadb.sh (Debian's packages unpacked into .cache), run from
// ensureMariaDB() — the test setup installs what it needs, nothing is installed by hand.
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');

export interface MariaDBInstall {
  version: string;
  packageVersion: string;
  galeraPackageVersion: string;
  /** `extracted` (unpacked into the cache, the normal case) or `system` (apt-get install fallback). */
  mode: string;
  basedir: string;
  mariadbd: string;
  client: string;
  installDb: string;
  sharedir: string;
  pluginDir: string;
  galeraProvider: string;
  /** Environment for every MariaDB process: PATH (the wsrep_sst_* scripts, rsync) and the library path. */
  env: NodeJS.ProcessEnv;
}

let installing: Promise<MariaDBInstall> | undefined;

/** Runs scripts/tools/mariadb.sh (idempotent and cached; minutes on a cold cache) and reads its env file. */
export function ensureMariaDB(): Promise<MariaDBInstall> {
  installing ??= new Promise<MariaDBInstall>((res, rej) => {
    execFile('bash', [join(REPO_ROOT, 'scripts', 'tools', 'mariadb.sh')], { timeout: 20 * 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) return rej(new Error(`scripts/tools/mariadb.sh failed: ${err.message}\n${stderr}`));
      const dir = stdout.trim().split('\n').pop()!;
      const kv: Record<string, string> = {};
      for (const line of readFileSync(join(dir, 'mariadb.env'), 'utf8').split('\n')) {
        const i = line.indexOf('=');
        if (i > 0) kv[line.slice(0, i)] = line.slice(i + 1);
      }
      relocateForRunAsUser(kv);
      const need = (k: string): string => {
        const v = kv[k];
        if (v === undefined) throw new Error(`mariadb.env has no ${k}`);
        return v;
      };
      const ld = kv.MARIADB_LD_LIBRARY_PATH ?? '';
      res({
        version: need('MARIADB_VERSION'),
        packageVersion: need('MARIADB_PACKAGE_VERSION'),
        galeraPackageVersion: need('GALERA_PACKAGE_VERSION'),
        mode: need('MARIADB_INSTALL_MODE'),
        basedir: need('MARIADB_BASEDIR'),
        mariadbd: need('MARIADBD'),
        client: need('MARIADB_CLIENT'),
        installDb: need('MARIADB_INSTALL_DB'),
        sharedir: need('MARIADB_SHAREDIR'),
        pluginDir: need('MARIADB_PLUGIN_DIR'),
        galeraProvider: need('GALERA_PROVIDER'),
        env: {
          PATH: `${need('MARIADB_PATH')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
          ...(ld ? { LD_LIBRARY_PATH: ld } : {}),
          LANG: 'C',
        },
      });
    });
  });
  return installing;
}

/**
 * mariadbd drops to RUN_AS and then loads Galera, plugins and message files. A clone in a private
 * directory (e.g. mktemp's 0700) hides the cache from that user: then use a copy of the install
 * tree in the (world-traversable) temp directory, made once per version.
 */
function relocateForRunAsUser(kv: Record<string, string>): void {
  const root = kv.MARIADB_ROOT;
  if (!RUN_AS || !root || !kv.GALERA_PROVIDER) return;
  const readable = spawnSync('setpriv', [`--reuid=${RUN_AS.uid}`, `--regid=${RUN_AS.gid}`, '--clear-groups', 'test', '-r', kv.GALERA_PROVIDER]).status === 0;
  if (readable) return;
  const copy = join(tmpdir(), `pxc-tls-mariadb-${kv.MARIADB_PACKAGE_VERSION?.replace(/[^\w.-]/g, '_') ?? 'install'}`);
  if (!existsSync(join(copy, '.complete'))) {
    const partial = `${copy}.${process.pid}.partial`;
    rmSync(partial, { recursive: true, force: true });
    execFileSync('cp', ['-a', root, partial]);
    chmodSync(partial, 0o755);
    writeFileSync(join(partial, '.complete'), '');
    if (existsSync(copy) && !existsSync(join(copy, '.complete'))) rmSync(copy, { recursive: true, force: true });
    try {
      renameSync(partial, copy);
    } catch {
      rmSync(partial, { recursive: true, force: true }); // another worker made it first
    }
  }
  for (const key of Object.keys(kv)) kv[key] = kv[key]!.split(root).join(copy);
}

// ---- ports ------------------------------------------------------------------------------------

const handedOut = new Set<number>();
const PORT_CLAIMS = join(tmpdir(), 'pxc-db-ports');

/** A TCP port free on 127.0.0.1 now and claimed for this process. Galera's SST and IST ports are
 * bound only when a transfer starts, long after they are chosen: so the port comes from below the
 * kernel's ephemeral range (no outgoing connection or listen(0) takes it meanwhile), and a claim file
 * keeps other jest workers off it (a claim whose process is gone is taken over). */
export async function freePort(): Promise<number> {
  mkdirSync(PORT_CLAIMS, { recursive: true });
  for (let attempt = 0; attempt < 500; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port) || !claim(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port found');
}

function claim(port: number): boolean {
  const f = join(PORT_CLAIMS, String(port));
  try {
    writeFileSync(f, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    const owner = Number(readFileSync(f, 'utf8') || 0);
    try {
      if (owner) process.kill(owner, 0);
      return false; // alive: someone else's
    } catch {
      writeFileSync(f, String(process.pid));
      return true;
    }
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

// ---- temp dirs and process lifetime -------------------------------------------------------------

// When the tests run as root, mariadbd drops to this user (it refuses to run as root without
// --user, and the rsync SST daemon, started as root, would drop to `nobody` and then could not write
// a root-owned datadir). Everything a server reads is made readable to it.
const RUN_AS = process.getuid?.() === 0 ? { name: 'nobody', uid: 65534, gid: 65534 } : undefined;

// Each server runs in its own session under a small shell watchdog. It forwards TERM; when the test
// process disappears (jest killed, worker crash) it stops the server, then kills the whole process
// group (SST scripts, rsync daemons) and removes the server's directory — no exit hook can do that.
const WATCHDOG = `
parent=$1; cleanup=$2; shift 2
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 0.5; done
orphaned=0; kill -0 "$parent" 2>/dev/null || orphaned=1
kill -TERM "$child" 2>/dev/null
i=0
while kill -0 "$child" 2>/dev/null && [ $i -lt 30 ]; do sleep 0.5; i=$((i+1)); done
kill -KILL "$child" 2>/dev/null
wait "$child"
if [ "$orphaned" = 1 ] && [ -n "$cleanup" ]; then rm -rf "$cleanup"; fi
kill -KILL 0
`;

// A janitor for a whole scratch directory: removes it once the test process is gone.
const JANITOR = `
parent=$1; dir=$2
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
sleep 20
rm -rf "$dir"
`;

export interface Scratch {
  dir: string;
  /** A subdirectory, created; readable (and, for servers, owned) by the server user. */
  sub(name: string, opts?: { serverOwned?: boolean }): string;
  remove(): void;
}

/** A temporary directory for one test file, removed by remove() or, if jest dies, by a janitor. */
export function scratch(prefix = 'pxc-db-'): Scratch {
  // Unix socket paths are limited to 107 bytes: keep the base short.
  const base = tmpdir().length < 40 ? tmpdir() : '/tmp';
  const dir = mkdtempSync(join(base, prefix));
  chmodSync(dir, 0o755);
  // detached: its own process group (and session), so jest's signals to ours do not reach it.
  const janitor = spawn('sh', ['-c', JANITOR, 'janitor', String(process.pid), dir], { stdio: 'ignore', detached: true });
  janitor.unref();
  return {
    dir,
    sub(name, opts = {}) {
      const d = join(dir, name);
      mkdirSync(d, { recursive: true, mode: 0o755 });
      if (opts.serverOwned && RUN_AS) chownSync(d, RUN_AS.uid, RUN_AS.gid);
      return d;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
      try {
        if (janitor.pid) process.kill(-janitor.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    },
  };
}

/** Makes certificate files readable to the server user (a Secret volume's default mode is 0644 too). */
export function makeReadable(path: string): void {
  chmodSync(path, 0o644);
}

// ---- SQL ----------------------------------------------------------------------------------------

export interface SqlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ClientOptions {
  /** Connection and TLS options for the `mariadb` client, e.g. ['--protocol=TCP', '-h', '127.0.0.1', ...]. */
  args: string[];
  /** A my.cnf given as --defaults-file (replaces --no-defaults). */
  defaultsFile?: string;
  user?: string;
  password?: string;
  timeoutMs?: number;
}

/** Runs SQL with the `mariadb` client; never throws on a refused connection (see sqlOk). */
export async function sql(install: MariaDBInstall, query: string, opts: ClientOptions): Promise<SqlResult> {
  const args = [
    opts.defaultsFile ? `--defaults-file=${opts.defaultsFile}` : '--no-defaults',
    ...opts.args,
    ...(opts.user ? [`--user=${opts.user}`] : []),
    '--batch',
    '--skip-column-names',
    '--connect-timeout=10',
    '-e',
    query,
  ];
  return new Promise((res, rej) => {
    execFile(
      install.client,
      args,
      { env: { ...install.env, ...(opts.password !== undefined ? { MYSQL_PWD: opts.password } : {}) }, timeout: opts.timeoutMs ?? 60_000 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') return rej(err);
        res({ code: err ? (err.code as number) : 0, stdout, stderr });
      },
    );
  });
}

export async function sqlOk(install: MariaDBInstall, query: string, opts: ClientOptions): Promise<string> {
  const r = await sql(install, query, opts);
  if (r.code !== 0) throw new Error(`mariadb exited ${r.code} for ${JSON.stringify(query)}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** A client connection kept open across statements (to show it survives a TLS reload). */
export interface Session {
  query(q: string): Promise<string>;
  close(): void;
}

export function openSession(install: MariaDBInstall, opts: ClientOptions): Session {
  const args = [opts.defaultsFile ? `--defaults-file=${opts.defaultsFile}` : '--no-defaults', ...opts.args, ...(opts.user ? [`--user=${opts.user}`] : []),
    '--batch', '--skip-column-names', '--unbuffered', '--connect-timeout=10'];
  const p = spawn(install.client, args, { env: { ...install.env, ...(opts.password !== undefined ? { MYSQL_PWD: opts.password } : {}) }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let exited = false;
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  p.on('exit', () => (exited = true));
  let n = 0;
  return {
    async query(q) {
      const marker = `--end-of-query-${++n}--`;
      const start = out.length;
      p.stdin.write(`${q};\nSELECT '${marker}';\n`);
      const end = Date.now() + (opts.timeoutMs ?? 30_000);
      for (;;) {
        const i = out.indexOf(`${marker}\n`, start);
        if (i >= 0) return out.slice(start, i);
        if (exited || Date.now() > end) throw new Error(`session ${exited ? 'ended' : 'timed out'}: ${err.trim()}`);
        await sleep(50);
      }
    },
    close() {
      p.stdin.end();
      if (!exited) p.kill();
    },
  };
}

// ---- servers ------------------------------------------------------------------------------------

export interface GaleraOptions {
  clusterName: string;
  /** Start a new cluster (first node) or join these peers' gcomm ports. */
  bootstrap: boolean;
  peers: number[];
  /** Provider options from the rendered wiring (socket.ssl_*), paths already mapped. */
  providerOptions: [string, string][];
}

export interface NodeOptions {
  name: string;
  scratch: Scratch;
  /** mariadbd options from the rendered wiring (rendered-wiring.ts), paths already mapped. */
  options: string[];
  /** Also listen on these loopback addresses (besides 127.0.0.1). */
  extraBindAddresses?: string[];
  galera?: GaleraOptions;
  /** How long to wait for the server to be ready (Synced, for Galera). */
  readyTimeoutMs?: number;
  /** Do not wait for readiness (a node expected never to join). */
  noWait?: boolean;
  /** The SQL and Galera ports of an earlier start of this member (a restart keeps its address); else free ones. */
  port?: number;
  gcommPort?: number;
}

export interface Node {
  name: string;
  port: number;
  gcommPort?: number;
  dir: string;
  socket: string;
  errorLog: string;
  /** The full mariadbd command line (for the test log). */
  argv: string[];
  exited(): boolean;
  /** mariadbd's own pid (from its pid file): unchanged means not restarted. */
  serverPid(): number;
  /** SQL as root over the Unix socket (administration only; the TLS tests connect over TCP). */
  admin(query: string): Promise<string>;
  /** One status variable, e.g. wsrep_cluster_size. */
  status(name: string): Promise<string | undefined>;
  log(): string;
  stop(timeoutMs?: number): Promise<void>;
}

export async function startNode(install: MariaDBInstall, o: NodeOptions): Promise<Node> {
  const dir = o.scratch.sub(o.name, { serverOwned: true });
  const datadir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const errorLog = join(dir, 'error.log');
  const port = o.port ?? (await freePort());

  if (!existsSync(datadir)) await installDb(install, datadir);

  const argv: string[] = [
    // Site options, the same for every node; the PXC image's entrypoint sets its own equivalents.
    ...(RUN_AS ? [`--user=${RUN_AS.name}`] : []),
    `--basedir=${install.basedir}`,
    `--lc-messages-dir=${install.sharedir}`,
    `--plugin-dir=${install.pluginDir}`,
    `--datadir=${datadir}`,
    `--socket=${socket}`,
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    `--log-error=${errorLog}`,
    // The pod listens on 3306 on its own IP; here every server shares loopback: a free port.
    `--port=${port}`,
    `--bind-address=${['127.0.0.1', ...(o.extraBindAddresses ?? [])].join(',')}`,
    '--innodb-buffer-pool-size=64M',
    '--innodb-log-file-size=16M',
    '--performance-schema=OFF',
    // The rendered wiring, translated by rendered-wiring.ts.
    ...o.options,
  ];
  let gcommPort: number | undefined;
  if (o.galera) {
    const g = o.galera;
    gcommPort = o.gcommPort ?? (await freePort());
    const ist = await freePort();
    const sst = await freePort();
    const provider = [
      ...g.providerOptions,
      // Galera's listeners default to 4567/4568 on the pod IP; several nodes on one loopback need
      // their own ports. These are appended to (never replace) the rendered socket.ssl_* options.
      ['gmcast.listen_addr', `tcp://127.0.0.1:${gcommPort}`],
      ['ist.recv_addr', `127.0.0.1:${ist}`],
    ] as [string, string][];
    argv.push(
      '--wsrep-on=ON',
      // The PXC image's provider path is its own; here it is Debian's galera-4.
      `--wsrep-provider=${install.galeraProvider}`,
      `--wsrep-cluster-name=${g.clusterName}`,
      `--wsrep-cluster-address=gcomm://${g.bootstrap ? '' : g.peers.map((p) => `127.0.0.1:${p}`).join(',')}`,
      `--wsrep-node-name=${o.name}`,
      `--wsrep-node-address=127.0.0.1:${gcommPort}`,
      `--wsrep-sst-receive-address=127.0.0.1:${sst}`,
      // PXC uses xtrabackup-v2; MariaDB's rsync method is what runs here (see README.md).
      '--wsrep-sst-method=rsync',
      '--binlog-format=ROW',
      '--innodb-autoinc-lock-mode=2',
      '--default-storage-engine=InnoDB',
      `--wsrep-provider-options=${provider.map(([k, v]) => `${k}=${v}`).join(';')}`,
      ...(g.bootstrap ? ['--wsrep-new-cluster'] : []),
    );
  }

  const outPath = join(dir, 'stdout.log');
  const fd = openSync(outPath, 'a');
  const p = spawn('setsid', ['sh', '-c', WATCHDOG, 'watchdog', String(process.pid), dir, install.mariadbd, '--no-defaults', ...argv], {
    stdio: ['ignore', fd, fd],
    env: install.env,
  });
  closeSync(fd);
  if (p.pid === undefined) throw new Error(`could not spawn ${o.name}`);
  const pid = p.pid;
  let done = false;
  const exitedP = new Promise<void>((r) => p.on('exit', () => { done = true; r(); }));
  p.unref();

  const read = (f: string): string => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  const adminOpts: ClientOptions = { args: [`--socket=${socket}`], user: 'root' };
  const node: Node = {
    name: o.name,
    port,
    ...(gcommPort !== undefined ? { gcommPort } : {}),
    dir,
    socket,
    errorLog,
    argv: [install.mariadbd, '--no-defaults', ...argv],
    exited: () => done,
    serverPid: () => Number(read(join(dir, 'mysqld.pid')).trim()),
    admin: (q) => sqlOk(install, q, adminOpts),
    async status(name) {
      const out = await sqlOk(install, `SHOW GLOBAL STATUS LIKE '${name}'`, adminOpts);
      const line = out.trim().split('\n').find((l) => l.startsWith(`${name}\t`));
      return line?.split('\t')[1];
    },
    log: () => read(errorLog) + read(outPath),
    async stop(timeoutMs = 30_000) {
      if (done) return;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      const t = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
      if ((await Promise.race([exitedP, t])) === 'timeout') {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        await exitedP;
      }
    },
  };
  if (o.noWait) return node;

  const end = Date.now() + (o.readyTimeoutMs ?? 120_000);
  for (;;) {
    if (done) throw new Error(`${o.name} exited before it was ready:\n${tail(node.log(), 40)}`);
    const r = await sql(install, o.galera ? "SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'" : 'SELECT 1', adminOpts);
    if (r.code === 0 && (!o.galera || /\tSynced\b/.test(r.stdout))) return node;
    if (Date.now() > end) {
      await node.stop(5_000);
      throw new Error(`${o.name} not ready within ${o.readyTimeoutMs ?? 120_000} ms:\n${tail(node.log(), 40)}`);
    }
    await sleep(300);
  }
}

async function installDb(install: MariaDBInstall, datadir: string): Promise<void> {
  const args = [
    '--no-defaults',
    `--basedir=${install.basedir}`,
    `--datadir=${datadir}`,
    // root@localhost without a password, reachable over the Unix socket only in these tests.
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    ...(RUN_AS ? [`--user=${RUN_AS.name}`] : []),
  ];
  await new Promise<void>((res, rej) =>
    execFile(install.installDb, args, { env: install.env, timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) return rej(new Error(`mariadb-install-db failed: ${err.message}\n${tail(stdout + stderr, 30)}`));
      res();
    }),
  );
}

export function tail(text: string, n: number): string {
  return text.split('\n').slice(-n).join('\n');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until probe returns a value other than undefined, or throws after timeoutMs. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 300): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

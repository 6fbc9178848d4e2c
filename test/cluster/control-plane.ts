// A real, throw-away control plane for tests: etcd + kube-apiserver + the cert-manager controller,
// and (unless `controllers: false`) kube-controller-manager, kube-scheduler and kwok, all built from
// the Go module proxy by scripts/tools/go-tools.sh and started on loopback only. The StatefulSet
// controller creates the pods, the scheduler places them, kwok plays the kubelet of the nodes that
// carry its annotation (no containers run). See test/cluster/README.md.
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { kubedbReferenceDir } from '../../src/test-support/shared-reference';

const run = promisify(execFile);

export interface ControlPlaneOptions {
  /** Repository root; default: two levels above this file. */
  repoRoot?: string;
  /** CRD files or directories applied after the cert-manager CRDs; default: KubeDB's from ../shared. */
  extraCrds?: string[];
  /** Namespace holding ClusterIssuer CA Secrets (created at start). Default `cert-manager`. */
  clusterResourceNamespace?: string;
  /** Start the cert-manager controller (default true). */
  certManager?: boolean;
  /** Extra kube-apiserver flags appended to the rig's own (e.g. an audit log for a benchmark). */
  extraApiServerArgs?: string[];
  /** Extra cert-manager controller flags appended to the rig's own (e.g. a higher client QPS for a benchmark). */
  extraCertManagerArgs?: string[];
  /** Start kube-controller-manager, kube-scheduler and kwok (default true). Without them nothing
   * creates, places or runs pods: tests create pods themselves (envtest's world). */
  controllers?: boolean;
  /** Extra kube-controller-manager flags (e.g. --kube-api-qps for a benchmark). */
  extraControllerManagerArgs?: string[];
  /** Extra kube-scheduler flags. */
  extraSchedulerArgs?: string[];
  log?: (line: string) => void;
}

export interface ToolInfo {
  version: string;
  path: string;
}

export type ToolName = 'kube-apiserver' | 'etcd' | 'cert-manager' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';
const BASE_TOOLS = ['kube-apiserver', 'etcd', 'cert-manager'] as const;
const CONTROLLER_TOOLS = ['kube-controller-manager', 'kube-scheduler', 'kwok'] as const;

/** The annotation kwok's nodes carry (kwok's own convention): kwok manages only nodes that have it,
 * so a node without it (e.g. one a sandbox kubelet registers) is left to whoever runs it. */
export const KWOK_NODE_ANNOTATION = { key: 'kwok.x-k8s.io/node', value: 'fake' } as const;

/** kube-controller-manager's controllers the rig runs: what the flows under test need, no more.
 * statefulset: creates the gated pods; garbage-collector: a deleted StatefulSet's pods go too;
 * disruption: PodDisruptionBudget status, which the eviction API reads; namespace: deleted
 * namespaces are emptied; node-lifecycle: nodes that stop renewing their Lease go NotReady;
 * pod-garbage-collector: pods bound to deleted nodes; validatingadmissionpolicy-status: the
 * admission policies' type checks (status.typeChecking). */
export const CONTROLLERS = [
  'statefulset-controller', 'garbage-collector-controller', 'disruption-controller', 'namespace-controller',
  'node-lifecycle-controller', 'pod-garbage-collector-controller', 'validatingadmissionpolicy-status-controller',
] as const;

export interface ControlPlane {
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** CA that signed the apiserver's serving certificate (and the admin client certificate). */
  caPath: string;
  /** Temp dir with certificates, etcd data and process logs; removed by stop(). */
  dir: string;
  clusterResourceNamespace: string;
  tools: Partial<Record<ToolName, ToolInfo>> & Record<(typeof BASE_TOOLS)[number], ToolInfo>;
  /** Whether kube-controller-manager, kube-scheduler and kwok run. */
  controllers: boolean;
  /** Warm start time in ms (tools already built). */
  startMs: number;
  /** Of that, ms from the API server's readiness to the controllers, scheduler and kwok running. */
  controllersStartMs: number;
  /** Stops kube-apiserver (SIGTERM, SIGKILL after `graceMs`) and starts it again with the same
   * flags; resolves once /readyz says ok. Returns the ms it was unreachable (stop → ready). */
  restartApiServer(graceMs?: number): Promise<number>;
  /** Paths of each process's log (etcd.log, kube-apiserver.log, …) for a test that reads them. */
  logs: Record<string, string>;
  stop(): Promise<void>;
}

const defaultRepoRoot = resolve(__dirname, '..', '..');

/** Builds (or finds in the cache) the binaries; parses go-tools.sh's `tool version path (...)` lines. */
export async function ensureTools(repoRoot = defaultRepoRoot, log: (l: string) => void = () => {}, controllers = true): Promise<ControlPlane['tools']> {
  const script = join(repoRoot, 'scripts', 'tools', 'go-tools.sh');
  const wanted: ToolName[] = [...BASE_TOOLS, ...(controllers ? CONTROLLER_TOOLS : [])];
  const p = run('bash', [script, ...wanted], { maxBuffer: 16 << 20, timeout: 90 * 60_000 });
  // Build progress (only on a cold cache) goes straight to our stderr: a cold build takes minutes.
  p.child.stderr?.pipe(process.stderr);
  const { stdout } = await p;
  const tools: Partial<Record<ToolName, ToolInfo>> = {};
  for (const line of stdout.split('\n').filter(Boolean)) {
    log(line);
    const [name, version, path] = line.split(' ');
    if ((wanted as string[]).includes(name!)) tools[name as ToolName] = { version: version!, path: path! };
  }
  for (const t of wanted) {
    if (!tools[t]) throw new Error(`go-tools.sh did not report ${t}:\n${stdout}`);
  }
  return tools as ControlPlane['tools'];
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const repoRoot = opts.repoRoot ?? defaultRepoRoot;
  const log = opts.log ?? ((l: string) => process.stderr.write(`[control-plane] ${l}\n`));
  const crNamespace = opts.clusterResourceNamespace ?? 'cert-manager';
  const extraCrds = opts.extraCrds ?? [join(kubedbReferenceDir(repoRoot), 'crds')];

  const withControllers = opts.controllers !== false;
  const tools = await ensureTools(repoRoot, log, withControllers);
  const t0 = Date.now();
  removeStaleDirs();
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  const procs: Child[] = [];
  const stop = async () => {
    // Reverse start order: the controller first, etcd last.
    for (const p of procs.splice(0).reverse()) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [etcdPort, etcdPeerPort, apiPort] = await freePorts(3);
    const pki = await makePki(dir);
    const server = `https://127.0.0.1:${apiPort}`;

    procs.push(
      startChild(dir, 'etcd', join(tools.etcd.path), [
        '--name=pxc-tls-test',
        `--data-dir=${join(dir, 'etcd-data')}`,
        `--listen-client-urls=https://127.0.0.1:${etcdPort}`,
        `--advertise-client-urls=https://127.0.0.1:${etcdPort}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-cluster=pxc-tls-test=http://127.0.0.1:${etcdPeerPort}`,
        `--cert-file=${pki.servingCert}`,
        `--key-file=${pki.servingKey}`,
        `--trusted-ca-file=${pki.caCert}`,
        '--client-cert-auth=true',
        // A test store: durability across power loss is irrelevant, speed is not.
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ]),
    );
    // envtest's flag set, with TLS to etcd and the endpoint reconciler off (nothing listens on a Service IP).
    const apiServerArgs = [
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${join(dir, 'apiserver-certs')}`,
        `--tls-cert-file=${pki.servingCert}`,
        `--tls-private-key-file=${pki.servingKey}`,
        `--client-ca-file=${pki.caCert}`,
        `--etcd-servers=https://127.0.0.1:${etcdPort}`,
        `--etcd-cafile=${pki.caCert}`,
        `--etcd-certfile=${pki.clientCert}`,
        `--etcd-keyfile=${pki.clientKey}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--allow-privileged=true',
        '--disable-admission-plugins=ServiceAccount',
        '--authorization-mode=RBAC',
        '--endpoint-reconciler-type=none',
        `--service-account-issuer=${server}`,
        `--service-account-key-file=${pki.saPub}`,
        `--service-account-signing-key-file=${pki.saKey}`,
        '--profiling=false',
        '--v=0',
        ...(opts.extraApiServerArgs ?? []),
    ];
    procs.push(startChild(dir, 'kube-apiserver', tools['kube-apiserver'].path, apiServerArgs));

    const kubeconfigPath = join(dir, 'admin.kubeconfig');
    writeFileSync(kubeconfigPath, kubeconfig(server, pki), { mode: 0o600 });
    await waitReady(server, pki, procs, 90_000);
    log(`kube-apiserver ${tools['kube-apiserver'].version} ready at ${server} after ${Date.now() - t0} ms`);

    const kubectl = (args: string[]) => run('kubectl', ['--kubeconfig', kubeconfigPath, ...args], { maxBuffer: 64 << 20 });
    // Server-side apply: the KubeDB CRD is larger than the last-applied annotation allows.
    const crdPaths = [join(tools['cert-manager'].path, 'crds'), ...extraCrds];
    for (const p of crdPaths) {
      if (!existsSync(p)) throw new Error(`CRD path not found: ${p}`);
      await kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=pxc-tls-test-rig', '-f', p]);
    }
    await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
    await kubectl(['create', 'namespace', crNamespace]);
    log(`CRDs established (${crdPaths.join(', ')}) after ${Date.now() - t0} ms`);

    if (opts.certManager !== false) {
      const cm = startChild(dir, 'cert-manager-controller', join(tools['cert-manager'].path, 'bin', 'controller'), [
        `--kubeconfig=${kubeconfigPath}`,
        '--leader-elect=false',
        `--cluster-resource-namespace=${crNamespace}`,
        // v1.11 has no flag to disable metrics (and no --internal-healthz-listen-address): keep it on loopback.
        '--metrics-listen-address=127.0.0.1:0',
        '--v=2',
        ...(opts.extraCertManagerArgs ?? []),
      ]);
      procs.push(cm);
      // The controller has no readiness endpoint of its own here; wait until its informers synced.
      await waitForLog(cm, /"msg"="starting controller" "controller"=/, 60_000);
      log(`cert-manager controller ${tools['cert-manager'].version} running after ${Date.now() - t0} ms`);
    }
    let controllersStartMs = 0;
    if (withControllers) {
      const tc = Date.now();
      await startControllers(dir, tools, kubeconfigPath, pki, procs, opts);
      controllersStartMs = Date.now() - tc;
      log(`kube-controller-manager, kube-scheduler ${tools['kube-controller-manager']!.version}, kwok ${tools.kwok!.version} running after ${Date.now() - t0} ms (+${controllersStartMs} ms)`);
    }
    const startMs = Date.now() - t0;
    log(`warm start ${startMs} ms`);

    const restartApiServer = async (graceMs = 10_000): Promise<number> => {
      const i = procs.findIndex((p) => p.name === 'kube-apiserver');
      if (i < 0) throw new Error('kube-apiserver is not running');
      const stoppedAt = Date.now();
      // A graceful stop drains long-running requests (watches) for up to a minute: cut it short.
      await procs[i]!.stop(graceMs);
      procs[i] = startChild(dir, 'kube-apiserver', tools['kube-apiserver'].path, apiServerArgs);
      await waitReady(server, pki, procs, 90_000);
      return Date.now() - stoppedAt;
    };
    const logs = Object.fromEntries(procs.map((p) => [p.name, p.logPath]));
    return {
      kubeconfigPath, server, caPath: pki.caCert, dir, clusterResourceNamespace: crNamespace, tools, controllers: withControllers,
      startMs, controllersStartMs, restartApiServer, logs, stop,
    };
  } catch (err) {
    const logs = procs.map((p) => `--- ${p.name} (last lines)\n${p.tail()}`).join('\n');
    await stop();
    throw new Error(`control plane failed to start: ${(err as Error).message}\n${logs}`);
  }
}

/** kube-controller-manager, kube-scheduler and kwok against the admin kubeconfig, each in its own
 * watchdog like the rest. Leader election off (one of each); no serving ports (--secure-port=0). */
async function startControllers(dir: string, tools: ControlPlane['tools'], kubeconfigPath: string, pki: Pki, procs: Child[], opts: ControlPlaneOptions): Promise<void> {
  const kcm = startChild(dir, 'kube-controller-manager', tools['kube-controller-manager']!.path, [
    `--kubeconfig=${kubeconfigPath}`,
    '--leader-elect=false',
    '--secure-port=0',
    `--controllers=${CONTROLLERS.join(',')}`,
    // Every controller under the admin identity (no per-controller ServiceAccounts: the rig has no
    // token controller and ServiceAccount admission is off).
    '--use-service-account-credentials=false',
    `--root-ca-file=${pki.caCert}`,
    '--v=2',
    ...(opts.extraControllerManagerArgs ?? []),
  ]);
  procs.push(kcm);
  const scheduler = startChild(dir, 'kube-scheduler', tools['kube-scheduler']!.path, [
    `--kubeconfig=${kubeconfigPath}`,
    '--leader-elect=false',
    '--secure-port=0',
    '--v=2',
    ...(opts.extraSchedulerArgs ?? []),
  ]);
  procs.push(scheduler);
  const kwokDir = tools.kwok!.path;
  const stages = readdirSync(join(kwokDir, 'stages')).filter((f) => f.endsWith('.yaml')).map((f) => join(kwokDir, 'stages', f));
  const kwok = startChild(dir, 'kwok', join(kwokDir, 'bin', 'kwok'), [
    `--kubeconfig=${kubeconfigPath}`,
    // Only nodes carrying kwok's annotation: any other node (a sandbox kubelet's) is not kwok's.
    `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION.key}=${KWOK_NODE_ANNOTATION.value}`,
    `--config=${stages.join(',')}`,
    // Node Leases, as kubelets renew them: the node-lifecycle controller reads them.
    '--node-lease-duration-seconds=40',
    // Addresses written into node and pod status only; nothing is ever sent to them. Loopback for
    // the nodes, so even a `kubectl logs` would stay on this machine.
    '--node-ip=127.0.0.1',
    '--cidr=10.244.0.0/16',
  ]);
  procs.push(kwok);
  await Promise.all([
    waitForLog(kcm, KCM_READY, 60_000),
    waitForLog(scheduler, SCHEDULER_READY, 60_000),
    waitForLog(kwok, KWOK_READY, 60_000),
  ]);
}

// What each process logs once it works (read in their logs at --v=2; see test/cluster/README.md).
const KCM_READY = /"synced garbage collector"/; // after discovery and every informer's first list
const SCHEDULER_READY = /"Caches populated" type="\*v1\.Pod"/;
const KWOK_READY = /"msg":"Watch nodes"/;

const DIR_PREFIX = 'pxc-tls-cp-';

/** A run killed before stop() leaves its temp dir (test certificates, etcd data): remove those whose
 * owner is gone. Its processes are already gone: the watchdogs saw the owner die. */
function removeStaleDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    const owner = Number(tailOf(join(dir, 'owner.pid'), 1).trim());
    if (owner > 0 && !alive(owner)) rmSync(dir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---- child processes -------------------------------------------------------------------------

interface Child {
  name: string;
  pid: number;
  logPath: string;
  exited: () => boolean;
  tail: () => string;
  /** SIGTERM, then SIGKILL of its session after `graceMs` (default 15 s). */
  stop: (graceMs?: number) => Promise<void>;
}

// Each child runs in its own session under a tiny shell watchdog: it kills the child when our
// process disappears (jest crash, SIGKILL), which no 'exit' handler can do, and forwards TERM.
const WATCHDOG = `
parent=$1; shift
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 0.5; done
kill -TERM "$child" 2>/dev/null
i=0
while kill -0 "$child" 2>/dev/null && [ $i -lt 10 ]; do sleep 0.5; i=$((i+1)); done
kill -KILL "$child" 2>/dev/null
wait "$child"
`;

const live = new Set<number>();
let exitHookInstalled = false;

function startChild(dir: string, name: string, bin: string, args: string[]): Child {
  const logPath = join(dir, `${name}.log`);
  const fd = openSync(logPath, 'a');
  const p = spawn('setsid', ['sh', '-c', WATCHDOG, 'watchdog', String(process.pid), bin, ...args], {
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (p.pid === undefined) throw new Error(`could not spawn ${name}`);
  const pid = p.pid;
  let done = false;
  const exitedP = new Promise<void>((res) => p.on('exit', () => { done = true; live.delete(pid); res(); }));
  live.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last resort on a normal exit without stop(): kill whole sessions (setsid made pid the group id).
    process.on('exit', () => { for (const id of live) try { process.kill(-id, 'SIGKILL'); } catch { /* gone */ } });
  }
  p.unref();
  return {
    name,
    pid,
    logPath,
    exited: () => done,
    tail: () => tailOf(logPath, 30),
    stop: async (graceMs = 15_000) => {
      if (done) return;
      try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
      // A ref'd timer: it also keeps the event loop (and so us, the watchdog's parent) alive
      // until the child has exited, since the child itself is unref'd.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((res) => { timer = setTimeout(() => res('timeout'), graceMs); });
      const outcome = await Promise.race([exitedP, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
        await exitedP;
      }
    },
  };
}

function tailOf(path: string, n: number): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

async function waitForLog(c: Child, re: RegExp, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (c.exited()) throw new Error(`${c.name} exited`);
    if (re.test(readFileSync(c.logPath, 'utf8'))) return;
    await sleep(200);
  }
  throw new Error(`${c.name}: no line matching ${re} within ${timeoutMs} ms`);
}

// ---- readiness, ports, certificates ----------------------------------------------------------

async function waitReady(server: string, pki: Pki, procs: Child[], timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    const dead = procs.find((p) => p.exited());
    if (dead) throw new Error(`${dead.name} exited during start-up`);
    last = await get(`${server}/readyz`, pki).catch((e: Error) => e.message);
    if (last === 'ok') return;
    await sleep(250);
  }
  throw new Error(`kube-apiserver not ready within ${timeoutMs} ms: ${last}`);
}

function get(url: string, pki: Pki): Promise<string> {
  return new Promise((res, rej) => {
    const req = request(
      url,
      { ca: readFileSync(pki.caCert), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey), timeout: 2000 },
      (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => res(r.statusCode === 200 ? body.trim() : `HTTP ${r.statusCode}: ${body.slice(0, 200)}`));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', rej);
    req.end();
  });
}

/** Distinct free loopback ports (bound together, then released just before use). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((res, rej) => {
      const s = createServer();
      s.once('error', rej);
      s.listen(0, '127.0.0.1', () => res(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((res) => s.close(res))));
  return ports;
}

interface Pki {
  caCert: string;
  servingCert: string;
  servingKey: string;
  clientCert: string;
  clientKey: string;
  saKey: string;
  saPub: string;
}

/** A fresh CA, a loopback serving certificate, an admin (system:masters) client certificate and a
 * service-account key pair, made with the openssl CLI in `dir` (node:crypto cannot sign X.509). */
async function makePki(dir: string): Promise<Pki> {
  const p = (f: string) => join(dir, f);
  const ossl = (args: string[]) => run('openssl', args);
  const ec = (out: string) => ossl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', out]);
  await ec(p('ca.key'));
  await ossl(['req', '-x509', '-new', '-key', p('ca.key'), '-subj', '/CN=pxc-tls-test-ca', '-days', '2', '-out', p('ca.crt'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const leaf = async (name: string, subj: string, ext: string) => {
    await ec(p(`${name}.key`));
    await ossl(['req', '-new', '-key', p(`${name}.key`), '-subj', subj, '-out', p(`${name}.csr`)]);
    writeFileSync(p(`${name}.ext`), ext);
    await ossl(['x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
      '-days', '2', '-extfile', p(`${name}.ext`), '-out', p(`${name}.crt`)]);
  };
  // The serving certificate also serves etcd, whose gRPC gateway dials etcd itself with it: so
  // clientAuth as well as serverAuth.
  await leaf('serving', '/CN=kube-apiserver',
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n' +
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\n');
  await leaf('admin', '/O=system:masters/CN=pxc-tls-admin',
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  await ossl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', p('sa.key')]);
  await ossl(['pkey', '-in', p('sa.key'), '-pubout', '-out', p('sa.pub')]);
  return {
    caCert: p('ca.crt'), servingCert: p('serving.crt'), servingKey: p('serving.key'),
    clientCert: p('admin.crt'), clientKey: p('admin.key'), saKey: p('sa.key'), saPub: p('sa.pub'),
  };
}

function kubeconfig(server: string, pki: Pki): string {
  // File references (not inline data) so the kubeconfig itself carries no key material.
  return `apiVersion: v1
kind: Config
clusters:
- name: pxc-tls-test
  cluster:
    server: ${server}
    certificate-authority: ${pki.caCert}
users:
- name: admin
  user:
    client-certificate: ${pki.clientCert}
    client-key: ${pki.clientKey}
contexts:
- name: pxc-tls-test
  context:
    cluster: pxc-tls-test
    user: admin
current-context: pxc-tls-test
`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

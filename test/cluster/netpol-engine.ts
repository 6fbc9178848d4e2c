// A real NetworkPolicy engine for one test: kube-router's network-policy controller (iptables +
// ipset, the real code of a CNI's policy half) enforcing the control plane's NetworkPolicies on pods
// that are network namespaces of this machine. Everything lives in namespaces of the test's own —
// the host's network and firewall are never touched:
//   - a "node" namespace: the router between the pods, where kube-router runs and programs its
//     iptables rules, with the node address on its loopback;
//   - one namespace per pod: a veth to the node (routed: a /32 address, the node's address as the
//     gateway), its address written into the Pod's status as a kubelet would;
//   - the API server, listening on the host's 127.0.0.1, reached from the node namespace through a
//     Unix socket (two small forwarders; the file system is shared across network namespaces).
// Tools from the project's scripts: kube-router (scripts/tools/go-tools.sh), iptables and ipset
// (scripts/tools/netfilter.sh). Needs root (network namespaces); `ip` must be on PATH.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { kubeconfigPath, kubectlOk } from './kube';

const REPO = resolve(__dirname, '..', '..');
const HELPER = join(__dirname, 'netns-helper.cjs');
const NODE_IP = '10.250.0.1';
const POD_NET = '10.251';

function sh(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

/** The project's tools, built or found in .cache. */
export function engineTools(): { kubeRouter: string; netfilterBin: string } {
  const line = sh('bash', [join(REPO, 'scripts/tools/go-tools.sh'), 'kube-router']).split('\n').find((l) => l.startsWith('kube-router '));
  const kubeRouter = line?.split(' ')[2];
  if (!kubeRouter) throw new Error(`go-tools.sh kube-router printed no path: ${line}`);
  const netfilterBin = sh('bash', [join(REPO, 'scripts/tools/netfilter.sh')]).trim().split('\n').pop()!;
  return { kubeRouter, netfilterBin };
}

/** A long-running helper; resolves once it printed `ready`. Closing its stdin ends it. */
function helper(netns: string | undefined, args: string[]): Promise<ChildProcess> {
  const command = netns ? 'ip' : process.execPath;
  const argv = netns ? ['netns', 'exec', netns, process.execPath, HELPER, ...args] : [HELPER, ...args];
  const child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((res, rej) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && res(child));
    child.on('exit', (code) => rej(new Error(`netns-helper ${args[0]} exited ${code}: ${err}`)));
  });
}

export interface EnginePod {
  namespace: string;
  name: string;
  ip: string;
  netns: string;
}

export class PolicyEngine {
  readonly id = randomBytes(3).toString('hex');
  readonly nodeName = `pxcnp-node-${this.id}`;
  private readonly nodeNs = `pxcnp-${this.id}-node`;
  private readonly dir = mkdtempSync(join(tmpdir(), 'pxc-tls-netpol-'));
  private readonly children: ChildProcess[] = [];
  private readonly netnses: string[] = [];
  private nextPod = 1;
  private kubeRouterLog = '';

  /** Creates the node namespace, the API path, the Node object, and starts kube-router. */
  async start(): Promise<void> {
    const { kubeRouter, netfilterBin } = engineTools();
    this.addNetns(this.nodeNs);
    this.in(this.nodeNs, 'ip', 'link', 'set', 'lo', 'up');
    this.in(this.nodeNs, 'ip', 'addr', 'add', `${NODE_IP}/32`, 'dev', 'lo');
    this.in(this.nodeNs, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    // The API server, from the node namespace: 127.0.0.1:6443 there → Unix socket → 127.0.0.1:<port> here.
    const kubeconfig = readFileSync(kubeconfigPath(), 'utf8');
    const server = /server: https:\/\/127\.0\.0\.1:(\d+)/.exec(kubeconfig);
    if (!server) throw new Error('the rig kubeconfig has no https://127.0.0.1:<port> server');
    const socket = join(this.dir, 'api.sock');
    this.children.push(await helper(undefined, ['unix-to-tcp', socket, '127.0.0.1', server[1]!]));
    this.children.push(await helper(this.nodeNs, ['tcp-to-unix', '127.0.0.1', '6443', socket]));
    const routerKubeconfig = join(this.dir, 'kube-router.kubeconfig');
    writeFileSync(routerKubeconfig, kubeconfig.replace(server[0], 'server: https://127.0.0.1:6443'), { mode: 0o600 });
    // The Node kube-router runs as: its InternalIP is the address it treats as its own.
    await kubectlOk(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: this.nodeName, labels: { 'pxc-tls.dev/test': 'netpol' } } }) });
    await kubectlOk(['patch', 'node', this.nodeName, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { addresses: [{ type: 'InternalIP', address: NODE_IP }] } })]);
    const router = spawn('ip', ['netns', 'exec', this.nodeNs, 'env', `PATH=${netfilterBin}:${process.env.PATH}`, kubeRouter,
      `--kubeconfig=${routerKubeconfig}`, `--hostname-override=${this.nodeName}`,
      '--run-firewall=true', '--run-router=false', '--run-service-proxy=false', '--enable-cni=false',
      '--health-port=0', '--iptables-sync-period=5s', '--v=1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const s of [router.stdout!, router.stderr!]) s.on('data', (d: Buffer) => (this.kubeRouterLog = (this.kubeRouterLog + d.toString()).slice(-20_000)));
    this.children.push(router);
  }

  log(): string {
    return this.kubeRouterLog;
  }

  /** A pod: its network namespace wired to the node, and a Pod object on this node with that address. */
  async addPod(namespace: string, name: string, labels: Record<string, string>, ports: Array<{ name: string; containerPort: number }> = []): Promise<EnginePod> {
    const k = this.nextPod++;
    const ip = `${POD_NET}.${Math.floor(k / 250)}.${(k % 250) + 1}`;
    const netns = `pxcnp-${this.id}-p${k}`;
    const hostSide = `pxv${this.id}${k}`.slice(0, 15);
    this.addNetns(netns);
    this.in(this.nodeNs, 'ip', 'link', 'add', hostSide, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
    this.in(this.nodeNs, 'ip', 'link', 'set', hostSide, 'up');
    this.in(this.nodeNs, 'ip', 'route', 'add', `${ip}/32`, 'dev', hostSide);
    this.in(netns, 'ip', 'link', 'set', 'lo', 'up');
    this.in(netns, 'ip', 'addr', 'add', `${ip}/32`, 'dev', 'eth0');
    this.in(netns, 'ip', 'link', 'set', 'eth0', 'up');
    // The gateway is the node's address: the node answers ARP for it on every link (arp_ignore 0).
    this.in(netns, 'ip', 'route', 'add', NODE_IP, 'dev', 'eth0', 'scope', 'link');
    this.in(netns, 'ip', 'route', 'add', 'default', 'via', NODE_IP, 'dev', 'eth0');
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: { nodeName: this.nodeName, containers: [{ name: 'c', image: 'registry.invalid/pause:1', ports }] } };
    await kubectlOk(['create', '-f', '-'], { input: JSON.stringify(pod) });
    await kubectlOk(['patch', 'pod', name, '-n', namespace, '--subresource=status', '--type=merge', '-p',
      JSON.stringify({ status: { phase: 'Running', hostIP: NODE_IP, hostIPs: [{ ip: NODE_IP }], podIP: ip, podIPs: [{ ip }] } })]);
    return { namespace, name, ip, netns };
  }

  /** Servers on `ports` in a pod (accept and close). */
  async listen(pod: EnginePod, ports: readonly number[]): Promise<void> {
    this.children.push(await helper(pod.netns, ['listen', ...ports.map(String)]));
  }

  /** From `source`, which of `ports` of `destination` accept a connection. */
  probe(source: EnginePod, destination: EnginePod, ports: readonly number[], timeoutMs = 1500): Promise<Map<number, boolean>> {
    return new Promise((res, rej) => {
      execFile('ip', ['netns', 'exec', source.netns, process.execPath, HELPER, 'probe', destination.ip, String(timeoutMs), ...ports.map(String)], { timeout: timeoutMs + 20_000 }, (err, stdout, stderr) => {
        if (err) return rej(new Error(`probe from ${source.name}: ${stderr || err.message}`));
        const result = JSON.parse(stdout) as Record<string, boolean>;
        res(new Map(ports.map((p) => [p, result[String(p)] === true])));
      });
    });
  }

  /** kube-router's rules in the node namespace (iptables-save), for the test log. */
  rules(): string {
    const { netfilterBin } = engineTools();
    return execFileSync('ip', ['netns', 'exec', this.nodeNs, join(netfilterBin, 'iptables-save')], { encoding: 'utf8' });
  }

  async stop(): Promise<void> {
    for (const child of this.children.reverse()) {
      child.stdin?.end();
      child.kill('SIGTERM');
    }
    await new Promise((r) => setTimeout(r, 500));
    for (const child of this.children) if (child.exitCode === null) child.kill('SIGKILL');
    for (const netns of this.netnses.reverse()) execFile('ip', ['netns', 'del', netns], () => undefined);
    await kubectlOk(['delete', 'node', this.nodeName, '--ignore-not-found', '--wait=false']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private addNetns(name: string): void {
    sh('ip', ['netns', 'add', name]);
    this.netnses.push(name);
  }

  private in(netns: string, command: string, ...args: string[]): void {
    sh('ip', ['netns', 'exec', netns, command, ...args]);
  }
}

// The node's pod network: one Linux bridge per sandbox kubelet with a /24 of its own, one network
// + UTS + IPC namespace per pod held by a pause process (as the pause container holds a real pod's),
// joined to the bridge by a veth pair. Subnets are claimed in files so parallel jest workers (one
// sandbox kubelet each) never overlap. A pod's veth disappears with its namespace; the bridge is
// deleted by stop() or by the node's janitor.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { alive, runOk, run } from './proc';

const CLAIMS = '/tmp/pxc-pod-subnets';
/** 10.250.0.0/16 split into /24s: 10.250.<n>.0/24 for n in 1..250. */
const SUBNET_PREFIX = '10.250';

export interface NodeNetwork {
  bridge: string;
  /** The bridge's address: the node's InternalIP, the pods' gateway, and where the API proxy listens. */
  gateway: string;
  subnet: string;
  allocate(): string;
  release(ip: string): void;
  /** Moves a new veth into the pause process's network namespace as eth0 with `ip`. */
  attach(pausePid: number, ip: string): Promise<void>;
  remove(): Promise<void>;
}

/** Claims a /24 for this process: a claim file per subnet holding the owner's pid; a dead owner's
 * claim is taken over. The read-check-write runs under a lock directory (mkdir is atomic), so two
 * processes starting together never take the same stale claim. */
function claimSubnet(): number {
  mkdirSync(CLAIMS, { recursive: true });
  const lock = join(CLAIMS, '.lock');
  const end = Date.now() + 20_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than 30 s was left by a process killed inside this section.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 30_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > end) throw new Error(`could not lock ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    for (let n = 1; n <= 250; n++) {
      const f = join(CLAIMS, String(n));
      const owner = existsSync(f) ? Number(readFileSync(f, 'utf8') || 0) : 0;
      if (owner && alive(owner)) continue;
      writeFileSync(f, String(process.pid));
      return n;
    }
    throw new Error(`no free /24 under ${SUBNET_PREFIX}.0.0/16 (claims in ${CLAIMS})`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The claim file of a subnet (the janitor deletes the bridge only while it still names its owner). */
export function claimFile(bridge: string): string {
  return join(CLAIMS, bridge.replace(/^pxcpod/, ''));
}

export async function createNodeNetwork(): Promise<NodeNetwork> {
  const n = claimSubnet();
  const bridge = `pxcpod${n}`;
  const gateway = `${SUBNET_PREFIX}.${n}.1`;
  // A bridge left by a killed run with the same claim number: its owner is gone, take it over.
  await run(['ip', 'link', 'del', bridge]);
  await runOk(['ip', 'link', 'add', bridge, 'type', 'bridge']);
  await runOk(['ip', 'addr', 'add', `${gateway}/24`, 'dev', bridge]);
  await runOk(['ip', 'link', 'set', bridge, 'up']);
  const used = new Set<number>();
  return {
    bridge,
    gateway,
    subnet: `${SUBNET_PREFIX}.${n}.0/24`,
    allocate() {
      for (let host = 2; host < 255; host++) {
        if (!used.has(host)) {
          used.add(host);
          return `${SUBNET_PREFIX}.${n}.${host}`;
        }
      }
      throw new Error(`${bridge}: no free address`);
    },
    release(ip) {
      used.delete(Number(ip.split('.')[3]));
    },
    async attach(pausePid, ip) {
      // Random names: a killed run's veths linger until their namespaces are gone.
      const host = `pxv${randomBytes(4).toString('hex')}`;
      const peer = `${host}p`;
      await runOk(['ip', 'link', 'add', host, 'type', 'veth', 'peer', 'name', peer]);
      await runOk(['ip', 'link', 'set', host, 'master', bridge, 'up']);
      await runOk(['ip', 'link', 'set', peer, 'netns', String(pausePid)]);
      const inPod = (args: string[]) => runOk(['nsenter', `--target=${pausePid}`, '--net', '--', 'ip', ...args]);
      await inPod(['link', 'set', peer, 'name', 'eth0']);
      await inPod(['addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      await inPod(['link', 'set', 'eth0', 'up']);
      await inPod(['link', 'set', 'lo', 'up']);
      await inPod(['route', 'add', 'default', 'via', gateway]);
    },
    async remove() {
      await run(['ip', 'link', 'del', bridge]);
      try {
        if (Number(readFileSync(join(CLAIMS, String(n)), 'utf8')) === process.pid) writeFileSync(join(CLAIMS, String(n)), '0');
      } catch {
        /* gone */
      }
    },
  };
}

/**
 * Pods reach the API server as `kubernetes.default.svc:443`: a TCP relay on the node's bridge
 * address to the rig's loopback-only kube-apiserver. The name (in each pod's /etc/hosts) rather than
 * a Service IP because the rig's serving certificate lists 127.0.0.1 and the kubernetes.default.svc
 * names, not a Service IP; in-cluster clients verify it with the projected ca.crt as usual.
 */
export function startApiRelay(listenHost: string, target: URL): Promise<Server> {
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 443), target.hostname);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
    };
    open.add(client);
    client.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
    upstream.on('close', end);
  });
  // close() also ends the relayed connections (watches from pods would otherwise hold it open).
  const close = server.close.bind(server);
  server.close = ((cb?: (err?: Error) => void) => {
    for (const s of open) s.destroy();
    return close(cb);
  }) as typeof server.close;
  return new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(443, listenHost, () => res(server));
  });
}

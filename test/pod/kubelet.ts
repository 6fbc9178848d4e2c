// The sandbox kubelet: stands in for a kubelet and its container runtime on one node of the rig's
// real control plane. It registers a Node (not a kwok node: it runs what is bound to it), keeps its
// Lease, watches the Pods bound to it, runs each in a sandbox (pod-runtime.ts), reports their
// status, serves their logs to `kubectl logs`, mounts Secrets/ConfigMaps and a bound
// ServiceAccount token and swaps them when they change. README.md in this folder is its manual.
import { execFile } from 'node:child_process';
import { mkdtempSync, chmodSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { apiFromKubeconfig, isConflict, isNotFound, type Api, type KubeObject } from './api';
import type { ImageContext, Tools } from './images';
import { claimFile, createNodeNetwork, startApiRelay, type NodeNetwork } from './net';
import { PodRuntime, type NodeServices } from './pod-runtime';
import { kill, startJanitor } from './proc';
import { startKubeletServer } from './kubelet-server';
import { PodHandle, podHandle } from './pod-handle';

export interface SandboxKubeletOptions {
  /** Default `sandbox-<n>`, n = the jest worker's index (0 when in band): test files running at the
   * same time on one rig get distinct Nodes; give a name to run several nodes in one file. */
  nodeName?: string;
  /** Default PXC_TLS_KUBECONFIG (the rig's admin kubeconfig, exported by test/cluster/global-setup.ts). */
  kubeconfig?: string;
  /** Whose dist/ the pxc-tls image stand-in serves as /app; default this repository. */
  repoRoot?: string;
  clusterDomain?: string;
  /** Delay between a Secret/ConfigMap change in the API and the swap in the pods (a kubelet takes up to its sync period, ~1 min). Default 0. */
  volumeSyncDelayMs?: number;
  /** Restart back-off (kubelet: 10 s doubling to 5 min; the first restart is immediate). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  labels?: Record<string, string>;
  log?: (line: string) => void;
}

export interface KubeletEvent {
  time: number;
  namespace: string;
  pod: string;
  reason: string;
  message: string;
}

export interface SandboxKubelet {
  nodeName: string;
  /** The node's address on its pod bridge (InternalIP; pods' gateway; the API relay). */
  nodeIP: string;
  dir: string;
  api: Api;
  /** Handle on a pod of this node by name (follows a re-created pod of the same name). */
  pod(namespace: string, name: string): PodHandle;
  /** The address the cluster DNS stand-in gives a name (`<pod>.<sub>.<ns>.svc.cluster.local` and its
   * shorter forms, `kubernetes.default.svc`), for clients on the node that must use names. */
  resolve(name: string): string | undefined;
  /** Waits until the pod runs here (sandbox up), returns its handle. */
  waitForPod(namespace: string, name: string, timeoutMs?: number): Promise<PodHandle>;
  /** SIGKILLs every container of every pod on the node at once (a whole-cluster crash); restarts follow
   * each pod's restartPolicy. Returns how many containers were killed. */
  crashAll(): Promise<number>;
  /** What the kubelet did (volume swaps, restarts, failures), oldest first. */
  events: KubeletEvent[];
  waitForEvent(pred: (e: KubeletEvent) => boolean, timeoutMs?: number): Promise<KubeletEvent>;
  stop(): Promise<void>;
}

const run = promisify(execFile);
const REPO = resolve(__dirname, '..', '..');

export async function ensurePodTools(repoRoot = REPO): Promise<Tools> {
  const { stdout } = await run('bash', [join(repoRoot, 'scripts', 'tools', 'pod-images.sh')], { timeout: 20 * 60_000, maxBuffer: 16 << 20 });
  const dir = stdout.trim().split('\n').pop()!;
  const kv = Object.fromEntries(readFileSync(join(dir, 'pod-images.env'), 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { mariadbRoot: kv.MARIADB_ROOT!, podImagesRoot: kv.POD_IMAGES_ROOT!, tiniStatic: kv.TINI_STATIC! };
}

export async function startSandboxKubelet(opts: SandboxKubeletOptions = {}): Promise<SandboxKubelet> {
  const nodeName = opts.nodeName ?? `sandbox-${Math.max(0, Number(process.env.JEST_WORKER_ID ?? 1) - 1)}`;
  const kubeconfig = opts.kubeconfig ?? process.env.PXC_TLS_KUBECONFIG;
  if (!kubeconfig) throw new Error('no kubeconfig: run in the jest project `cluster` (PXC_TLS_KUBECONFIG) or pass kubeconfig');
  const log = opts.log ?? ((l: string) => process.stderr.write(`[${nodeName}] ${l}\n`));
  const clusterDomain = opts.clusterDomain ?? 'cluster.local';
  const tools = await ensurePodTools(opts.repoRoot ?? REPO);
  const api = apiFromKubeconfig(kubeconfig);
  const dir = mkdtempSync(join(tmpdir().length < 40 ? tmpdir() : '/tmp', `pxc-pod-${nodeName}-`));
  chmodSync(dir, 0o755);
  const pidsFile = join(dir, 'pids');
  writeFileSync(pidsFile, '');
  const network: NodeNetwork = await createNodeNetwork();
  const janitor = startJanitor(dir, pidsFile, network.bridge, claimFile(network.bridge));
  // Stopped in this order by stop(): the watches, then (after the pods) the servers, then the network.
  const watches: (() => void)[] = [];
  const servers: (() => Promise<void>)[] = [];
  const pods = new Map<string, PodRuntime>(); // by uid
  const events: KubeletEvent[] = [];
  const secrets = new Map<string, KubeObject>();
  const configMaps = new Map<string, KubeObject>();
  const tokens = new Map<string, { token: string; refreshAt: number }>();
  const pending = new Map<string, NodeJS.Timeout>();
  let stopped = false;

  const images: ImageContext = { tools, layerDir: join(dir, 'images'), pxcTlsDist: join(opts.repoRoot ?? REPO, 'dist') };
  const apiHost = 'kubernetes.default.svc';
  const byName = (ns: string, name: string) => [...pods.values()].filter((p) => p.namespace === ns && p.name === name).pop();
  const event = (p: PodRuntime, reason: string, message: string) => {
    const e = { time: Date.now(), namespace: p.namespace, pod: p.name, reason, message };
    events.push(e);
    log(`${p.namespace}/${p.name}: ${reason}: ${message}`);
    void api.request('POST', `/api/v1/namespaces/${p.namespace}/events`, {
      metadata: { generateName: `${p.name}.` },
      involvedObject: { kind: 'Pod', namespace: p.namespace, name: p.name, uid: p.uid, apiVersion: 'v1' },
      reason, message, type: /Fail|BackOff/.test(reason) ? 'Warning' : 'Normal',
      source: { component: 'sandbox-kubelet', host: nodeName }, firstTimestamp: new Date().toISOString(), lastTimestamp: new Date().toISOString(), count: 1,
    }).catch(() => {});
  };
  const getCached = (cache: Map<string, KubeObject>, kind: string) => async (ns: string, name: string) => {
    const hit = cache.get(`${ns}/${name}`);
    if (hit) return hit;
    const o = await api.get<KubeObject>(`/api/v1/namespaces/${ns}/${kind}/${name}`);
    if (o) cache.set(`${ns}/${name}`, o);
    return o;
  };
  const getSecret = getCached(secrets, 'secrets');
  const getConfigMap = getCached(configMaps, 'configmaps');

  const services: NodeServices = {
    nodeName,
    network,
    images,
    clusterDomain,
    backoffBaseMs: opts.backoffBaseMs ?? 10_000,
    backoffMaxMs: opts.backoffMaxMs ?? 300_000,
    envSources: { getSecret, getConfigMap, apiHost, hostIP: network.gateway },
    volumeSources: {
      getSecret,
      getConfigMap,
      apiCa: readFileSync(api.caPath),
      persistentDir: (ns, claim) => join(dir, 'persistent', ns, claim),
      async requestToken(pod, audiences, expirationSeconds) {
        const key = `${pod.metadata.uid}|${audiences.join(',')}|${expirationSeconds}`;
        const hit = tokens.get(key);
        if (hit && hit.refreshAt > Date.now()) return hit;
        const sa = pod.spec.serviceAccountName ?? 'default';
        const tr = await api.request('POST', `/api/v1/namespaces/${pod.metadata.namespace}/serviceaccounts/${sa}/token`, {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { audiences, expirationSeconds, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid } },
        });
        const issued = Date.now();
        const entry = { token: tr.status.token as string, refreshAt: issued + 0.8 * (Date.parse(tr.status.expirationTimestamp) - issued) };
        tokens.set(key, entry);
        return entry;
      },
    },
    track: (pid) => appendFileSync(pidsFile, `${pid}\n`),
    hostsEntries: () => {
      const lines: string[] = [];
      for (const p of pods.values()) {
        if (!p.ip || p.torn) continue;
        const sub = p.pod.spec.subdomain;
        const h = p.hostname();
        lines.push(sub ? `${p.ip}\t${p.fqdn()}\t${h}.${sub}.${p.namespace}.svc\t${h}.${sub}.${p.namespace}\t${h}.${sub}` : `${p.ip}\t${p.ip.replace(/\./g, '-')}.${p.namespace}.pod.${clusterDomain}`);
      }
      lines.push(`${network.gateway}\tkubernetes.default.svc.${clusterDomain}\tkubernetes.default.svc\tkubernetes.default\tkubernetes`);
      return `${lines.join('\n')}\n`;
    },
    statusChanged: (p) => scheduleStatus(p),
    log,
    event,
  };
  const rewriteHosts = () => {
    for (const p of pods.values()) if (!p.torn) p.writeHosts();
  };

  // ---- pod status ----------------------------------------------------------------------------------
  const scheduleStatus = (p: PodRuntime) => {
    if (pending.has(p.uid) || stopped) return;
    pending.set(p.uid, setTimeout(() => {
      pending.delete(p.uid);
      if (p.torn && !p.terminating) return;
      api.request('PATCH', `/api/v1/namespaces/${p.namespace}/pods/${p.name}/status`, { metadata: { uid: p.uid }, status: p.status() }, 'application/strategic-merge-patch+json')
        .catch((e) => { if (!isNotFound(e) && !isConflict(e) && !stopped) log(`status of ${p.namespace}/${p.name}: ${(e as Error).message}`); });
    }, 50));
  };

  // ---- node ------------------------------------------------------------------------------------------
  const relay: Server = await startApiRelay(network.gateway, new URL(api.server));
  servers.push(() => new Promise<void>((r) => relay.close(() => r())));
  const kserver = await startKubeletServer(dir, network.gateway, nodeName, {
    logs(ns, name, container, previous) {
      const p = byName(ns, name);
      if (!p) return undefined;
      const c = container ? p.all().find((x) => x.name === container) : p.containers[0];
      return c?.logs(previous);
    },
  });
  servers.push(() => new Promise<void>((r) => {
    kserver.server.close(() => r());
    kserver.server.closeAllConnections();
  }));
  await registerNode(api, nodeName, network.gateway, kserver.port, opts.labels ?? {});
  const heartbeat = setInterval(() => void renew(api, nodeName, network.gateway, kserver.port).catch((e) => log(`heartbeat: ${(e as Error).message}`)), 10_000);
  heartbeat.unref();
  log(`node ${nodeName} registered: bridge ${network.bridge} ${network.subnet}, kubelet port ${kserver.port}, dir ${dir}`);

  // ---- pods --------------------------------------------------------------------------------------------
  const deleteFromApi = (p: PodRuntime) =>
    api.request('DELETE', `/api/v1/namespaces/${p.namespace}/pods/${p.name}`, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: p.uid } })
      .catch((e) => { if (!isNotFound(e) && !isConflict(e)) log(`delete ${p.namespace}/${p.name}: ${(e as Error).message}`); });
  const onPod = (type: string, pod: KubeObject) => {
    if (stopped) return;
    const uid = pod.metadata.uid!;
    let p = pods.get(uid);
    if (type === 'DELETED') {
      if (p) void p.teardown().then(() => { pods.delete(uid); rewriteHosts(); });
      return;
    }
    if (!p) {
      if (pod.metadata.deletionTimestamp) return void api.request('DELETE', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`, { gracePeriodSeconds: 0, preconditions: { uid } }).catch(() => {});
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
      p = new PodRuntime(pod, dir, services);
      pods.set(uid, p);
      const runtime = p;
      void runtime.run().then(rewriteHosts, (e) => event(runtime, 'FailedCreatePodSandBox', (e as Error).message)).then(rewriteHosts);
      setTimeout(rewriteHosts, 0);
      return;
    }
    p.update(pod);
    if (pod.metadata.deletionTimestamp && !p.terminating) {
      const runtime = p;
      event(runtime, 'Killing', `stopping the pod's containers (grace ${runtime.graceMs()} ms)`);
      void runtime.terminate().then(() => deleteFromApi(runtime)).then(() => rewriteHosts());
    }
  };
  const stopPods = api.watch('/api/v1/pods', { fieldSelector: `spec.nodeName=${nodeName}` }, (e) => onPod(e.type, e.object), (e) => log(`pod watch: ${e.message}`));
  watches.push(stopPods);

  // ---- Secrets and ConfigMaps: swaps reach every pod that mounts them -----------------------------------
  const propagate = (kind: 'secrets' | 'configMaps', key: string) => {
    for (const p of pods.values()) {
      for (const [name, st] of p.volumes) {
        if (!st[kind].has(key)) continue;
        setTimeout(() => {
          void p.refreshVolume(name).then((swapped) => { if (swapped) event(p, 'VolumeUpdated', `volume ${name} swapped (${kind === 'secrets' ? 'Secret' : 'ConfigMap'} ${key} changed)`); })
            .catch((e) => event(p, 'FailedMount', `volume ${name}: ${(e as Error).message}`));
        }, opts.volumeSyncDelayMs ?? 0);
      }
    }
  };
  const cacheWatch = (kind: 'secrets' | 'configMaps', path: string, cache: Map<string, KubeObject>) =>
    api.watch(path, {}, (e) => {
      const key = `${e.object.metadata.namespace}/${e.object.metadata.name}`;
      const before = cache.get(key)?.metadata.resourceVersion;
      if (e.type === 'DELETED') cache.delete(key);
      else cache.set(key, e.object);
      if (before !== e.object.metadata.resourceVersion) propagate(kind, key);
    }, (e) => log(`${kind} watch: ${e.message}`));
  watches.push(cacheWatch('secrets', '/api/v1/secrets', secrets), cacheWatch('configMaps', '/api/v1/configmaps', configMaps));
  const tokenTimer = setInterval(() => {
    for (const p of pods.values()) {
      for (const [name, st] of p.volumes) {
        if (st.refreshTokenAt !== undefined && st.refreshTokenAt <= Date.now()) {
          st.refreshTokenAt = undefined;
          void p.refreshVolume(name).then(() => event(p, 'TokenRefreshed', `volume ${name}: ServiceAccount token renewed`), () => {});
        }
      }
    }
  }, 5_000);
  tokenTimer.unref();

  const kubelet: SandboxKubelet = {
    nodeName,
    nodeIP: network.gateway,
    dir,
    api,
    events,
    pod: (ns, name) => podHandle(() => byName(ns, name), ns, name),
    resolve(name) {
      for (const line of services.hostsEntries().split('\n')) {
        const [ip, ...names] = line.split('\t');
        if (ip && names.includes(name)) return ip;
      }
      return undefined;
    },
    async waitForPod(ns, name, timeoutMs = 60_000) {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        const p = byName(ns, name);
        if (p?.ip && p.sandboxReady) return podHandle(() => byName(ns, name), ns, name);
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`pod ${ns}/${name} did not start on ${nodeName} within ${timeoutMs} ms`);
    },
    async crashAll() {
      const running = [...pods.values()].flatMap((p) => p.all().filter((c) => c.isRunning()));
      const pids = await Promise.all(running.map((c) => c.running!.initPid()));
      for (const pid of pids) kill(pid, 'SIGKILL');
      log(`crashAll: SIGKILLed ${pids.filter(Boolean).length} containers`);
      return pids.filter(Boolean).length;
    },
    async waitForEvent(pred, timeoutMs = 60_000) {
      const end = Date.now() + timeoutMs;
      for (let seen = 0; ; ) {
        for (; seen < events.length; seen++) if (pred(events[seen]!)) return events[seen]!;
        if (Date.now() > end) throw new Error(`no matching kubelet event within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(heartbeat);
      clearInterval(tokenTimer);
      for (const t of pending.values()) clearTimeout(t);
      for (const w of watches.splice(0)) w();
      await Promise.all([...pods.values()].map((p) => p.teardown()));
      await api.request('DELETE', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${nodeName}`).catch(() => {});
      await api.request('DELETE', `/api/v1/nodes/${nodeName}`).catch(() => {});
      for (const close of servers.splice(0)) await close();
      await network.remove();
      api.close();
      kill(janitor, 'SIGKILL');
      // PXC_POD_KEEP=1 keeps the node's directory (container logs, setup scripts, volumes) for a post-mortem.
      if (process.env.PXC_POD_KEEP === '1') log(`kept ${dir} (PXC_POD_KEEP=1)`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
  return kubelet;
}

// ---- Node and Lease ----------------------------------------------------------------------------------

function nodeStatus(nodeIP: string, port: number): Record<string, unknown> {
  const t = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const cond = (type: string, status: string, reason: string) => ({ type, status, reason, message: 'sandbox kubelet', lastHeartbeatTime: t, lastTransitionTime: t });
  const resources = { cpu: '64', memory: '256Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  return {
    capacity: resources,
    allocatable: resources,
    conditions: [cond('Ready', 'True', 'KubeletReady'), cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory'), cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure'), cond('PIDPressure', 'False', 'KubeletHasSufficientPID')],
    addresses: [{ type: 'InternalIP', address: nodeIP }],
    daemonEndpoints: { kubeletEndpoint: { Port: port } },
    nodeInfo: {
      machineID: hostname(), systemUUID: hostname(), bootID: String(process.pid), kernelVersion: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
      osImage: 'Debian GNU/Linux 12 (bookworm)', containerRuntimeVersion: 'sandbox://pod-rig', kubeletVersion: 'v1.37.2-sandbox', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64',
    },
  };
}

async function registerNode(api: Api, name: string, nodeIP: string, port: number, labels: Record<string, string>): Promise<void> {
  const lease = await api.get<KubeObject>(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`);
  if (lease && lease.spec?.holderIdentity !== `${name}/${process.pid}` && Date.now() - Date.parse(lease.spec?.renewTime ?? 0) < 20_000) {
    throw new Error(`node ${name} is run by another sandbox kubelet (${lease.spec?.holderIdentity}); pick another nodeName`);
  }
  const metadata = {
    name,
    labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'pxc-tls.dev/sandbox-node': 'true', ...labels },
    annotations: { 'pxc-tls.dev/sandbox-kubelet': 'test/pod (not kwok: runs the pods bound to it)' },
  };
  await api.request('DELETE', `/api/v1/nodes/${name}`).catch(() => {});
  await api.request('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata, spec: {} });
  await api.request('PATCH', `/api/v1/nodes/${name}/status`, { status: nodeStatus(nodeIP, port) }, 'application/strategic-merge-patch+json');
  // The TaintNodesByCondition admission plugin taints a new Node not-ready:NoSchedule; the node
  // lifecycle controller (kube-controller-manager, which the rig may not run) lifts it once the Node
  // is Ready. Standing in for that controller: lift it now (harmless when the controller runs too).
  const node = await api.get<KubeObject>(`/api/v1/nodes/${name}`);
  const taints = (node?.spec?.taints ?? []).filter((t: any) => t.key !== 'node.kubernetes.io/not-ready');
  await api.request('PATCH', `/api/v1/nodes/${name}`, { spec: { taints: taints.length ? taints : null } }, 'application/merge-patch+json');
  if (!(await api.get('/api/v1/namespaces/kube-node-lease'))) {
    await api.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-node-lease' } }).catch((e) => { if (!isConflict(e)) throw e; });
  }
  await api.request('DELETE', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`).catch(() => {});
  await api.request('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' },
    spec: { holderIdentity: `${name}/${process.pid}`, leaseDurationSeconds: 40, renewTime: new Date().toISOString().replace('Z', '000Z') },
  });
}

async function renew(api: Api, name: string, nodeIP: string, port: number): Promise<void> {
  await api.request('PATCH', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`, { spec: { renewTime: new Date().toISOString().replace('Z', '000Z') } }, 'application/merge-patch+json');
  await api.request('PATCH', `/api/v1/nodes/${name}/status`, { status: nodeStatus(nodeIP, port) }, 'application/strategic-merge-patch+json');
}

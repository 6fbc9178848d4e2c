// One pod on the sandbox node, from binding to deletion, the way the kubelet runs it: the sandbox
// (pause process holding network/UTS/IPC namespaces, an address on the node's bridge, the pod's
// hosts/hostname/resolv.conf files), its volumes, init containers one after another, then the
// containers; restarts by restartPolicy with back-off; graceful termination; the status it reports.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from './api';
import type { Mount } from './container';
import { ContainerRuntime, type PodContext } from './container-runtime';
import type { ImageContext } from './images';
import type { NodeNetwork } from './net';
import type { EnvSources } from './pod-env';
import { refreshVolume, SA_MOUNT_PATH, SA_VOLUME, serviceAccountVolume, setUpVolume, type VolumeSources, type VolumeState } from './pod-volumes';
import { descendant, kill, runOk, sleep, spawnWatched, type Watched } from './proc';

export interface NodeServices {
  nodeName: string;
  network: NodeNetwork;
  images: ImageContext;
  envSources: EnvSources;
  volumeSources: VolumeSources;
  clusterDomain: string;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Records a pid the node janitor must kill if we die (launchers, pause processes). */
  track(pid: number): void;
  hostsEntries(): string;
  statusChanged(p: PodRuntime): void;
  log(line: string): void;
  event(pod: PodRuntime, reason: string, message: string): void;
}

export class PodRuntime {
  readonly uid: string;
  readonly dir: string;
  ip = '';
  pause?: Watched;
  pausePid = 0;
  volumes = new Map<string, VolumeState>();
  volumeSpecs = new Map<string, any>();
  initContainers: ContainerRuntime[] = [];
  containers: ContainerRuntime[] = [];
  initialized = false;
  sandboxReady = false;
  terminating = false;
  torn = false;
  startTime?: string;
  private podObj: KubeObject;
  private restartTimers = new Set<NodeJS.Timeout>();
  private transitions = new Map<string, { status: string; time: string }>();

  constructor(pod: KubeObject, nodeDir: string, readonly node: NodeServices) {
    this.podObj = pod;
    this.uid = pod.metadata.uid!;
    this.dir = join(nodeDir, 'pods', this.uid);
    mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    const ctx = this.context();
    this.initContainers = (pod.spec.initContainers ?? []).map((c: any) => new ContainerRuntime(ctx, c, true));
    this.containers = (pod.spec.containers ?? []).map((c: any) => new ContainerRuntime(ctx, c, false));
  }

  get pod(): KubeObject {
    return this.podObj;
  }
  get namespace(): string {
    return this.podObj.metadata.namespace ?? 'default';
  }
  get name(): string {
    return this.podObj.metadata.name;
  }
  update(pod: KubeObject): void {
    this.podObj = pod;
  }
  all(): ContainerRuntime[] {
    return [...this.initContainers, ...this.containers];
  }
  container(name: string): ContainerRuntime {
    const c = this.all().find((x) => x.name === name);
    if (!c) throw new Error(`pod ${this.namespace}/${this.name} has no container ${name} (${this.all().map((x) => x.name).join(', ')})`);
    return c;
  }

  /** `<hostname>.<subdomain>.<namespace>.svc.<domain>` when the pod has a subdomain (as the kubelet's hosts file has it). */
  fqdn(): string | undefined {
    const sub = this.podObj.spec.subdomain;
    return sub ? `${this.podObj.spec.hostname ?? this.name}.${sub}.${this.namespace}.svc.${this.node.clusterDomain}` : undefined;
  }
  hostname(): string {
    return this.podObj.spec.hostname ?? this.name;
  }

  private context(): PodContext {
    return {
      pod: () => this.podObj,
      uid: this.uid,
      dir: this.dir,
      podIP: () => this.ip,
      pausePid: () => this.pausePid,
      images: this.node.images,
      envSources: { ...this.node.envSources, hostIP: this.node.network.gateway },
      mountsFor: (c) => this.mountsFor(c),
      changed: () => this.node.statusChanged(this),
      log: (l) => this.node.log(`${this.namespace}/${this.name}: ${l}`),
      terminationGraceMs: () => this.graceMs(),
      onExit: (c, code) => this.onExit(c, code),
      torn: () => this.torn,
      track: (pid) => this.node.track(pid),
    };
  }

  graceMs(): number {
    const s = this.podObj.metadata.deletionGracePeriodSeconds ?? this.podObj.spec.terminationGracePeriodSeconds ?? 30;
    return s * 1000;
  }

  // ---- start ---------------------------------------------------------------------------------------

  /** Creates the sandbox and volumes, runs the init containers, starts the containers. */
  async run(): Promise<void> {
    this.startTime = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    try {
      await this.createSandbox();
    } catch (e) {
      await this.teardown(); // no half-made sandbox (pause process, address) outlives a failure
      throw e;
    }
    await this.setUpVolumes();
    for (const c of this.initContainers) {
      for (;;) {
        if (this.terminating) return;
        const code = await this.runToCompletion(c);
        if (code === 0) break;
        if ((this.podObj.spec.restartPolicy ?? 'Always') === 'Never') return;
        const delay = this.backoff(c);
        c.backOff(delay);
        await sleep(delay);
        c.prepareRestart();
      }
    }
    this.initialized = true;
    this.node.statusChanged(this);
    await Promise.all(this.containers.map((c) => this.startWithRetry(c)));
  }

  private async runToCompletion(c: ContainerRuntime): Promise<number> {
    try {
      await c.start();
    } catch {
      return -1;
    }
    await c.waitExit();
    const t = c.state;
    return 'terminated' in t ? t.terminated.exitCode : -1;
  }

  private async startWithRetry(c: ContainerRuntime): Promise<void> {
    for (;;) {
      if (this.terminating) return;
      try {
        await c.start();
        return;
      } catch (e) {
        this.node.event(this, 'Failed', `${c.name}: ${(e as Error).message}`);
        await sleep(Math.min(this.node.backoffBaseMs, 5000));
      }
    }
  }

  private backoff(c: ContainerRuntime): number {
    if (c.crashes <= 1) return 0;
    return Math.min(this.node.backoffBaseMs * 2 ** (c.crashes - 2), this.node.backoffMaxMs);
  }

  private onExit(c: ContainerRuntime, code: number): void {
    if (c.init || this.terminating || this.torn) return;
    const policy = this.podObj.spec.restartPolicy ?? 'Always';
    if (policy === 'Never' || (policy === 'OnFailure' && code === 0)) return;
    const delay = this.backoff(c);
    if (delay > 0) c.backOff(delay);
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (this.terminating || this.torn) return;
      c.prepareRestart();
      void this.startWithRetry(c);
    }, delay);
    this.restartTimers.add(timer);
  }

  private async createSandbox(): Promise<void> {
    const pause = spawnWatched(['unshare', '--net', '--uts', '--ipc', '--', 'sleep', 'infinity']);
    this.pause = pause;
    this.node.track(pause.pid);
    const alive = () => {
      if (this.torn) throw new Error('pod torn down while its sandbox was being made');
    };
    for (let i = 0; i < 500 && !this.pausePid; i++) {
      this.pausePid = (await descendant(pause.pid, 1)) ?? 0;
      if (!this.pausePid) await sleep(10);
    }
    alive();
    if (!this.pausePid) throw new Error('pause process did not start');
    this.ip = this.node.network.allocate();
    await this.node.network.attach(this.pausePid, this.ip);
    alive();
    await runOk(['nsenter', `--target=${this.pausePid}`, '--uts', '--', 'hostname', this.hostname()]);
    writeFileSync(join(this.dir, 'hostname'), `${this.hostname()}\n`);
    writeFileSync(join(this.dir, 'resolv.conf'), resolvConf(this.namespace, this.node.clusterDomain));
    this.writeHosts();
    this.sandboxReady = true;
    this.node.log(`${this.namespace}/${this.name}: sandbox ${this.ip} (hostname ${this.fqdn() ?? this.hostname()})`);
    this.node.statusChanged(this);
  }

  /** The kubelet-managed hosts file: its own entries, then (standing in for cluster DNS) every pod of the node. */
  writeHosts(): void {
    if (!this.ip) return;
    const own = `${this.ip}\t${this.fqdn() ? `${this.fqdn()}\t` : ''}${this.hostname()}`;
    const text = `# Kubernetes-managed hosts file (sandbox kubelet).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n${own}\n\n# Cluster DNS stand-in (the sandbox node's pods and the API server):\n${this.node.hostsEntries()}`;
    // Written in place: containers bind-mount this very inode.
    writeFileSync(join(this.dir, 'hosts'), text);
  }

  private async setUpVolumes(): Promise<void> {
    const specs = [...(this.podObj.spec.volumes ?? [])];
    const sa = serviceAccountVolume(this.podObj);
    if (sa) specs.push(sa);
    for (const v of specs) {
      for (;;) {
        if (this.terminating) return;
        try {
          this.volumes.set(v.name, await setUpVolume(this.podObj, v, this.dir, this.node.volumeSources));
          this.volumeSpecs.set(v.name, v);
          break;
        } catch (e) {
          this.node.event(this, 'FailedMount', `MountVolume.SetUp failed for volume "${v.name}": ${(e as Error).message}`);
          await sleep(2000);
        }
      }
    }
  }

  async refreshVolume(name: string): Promise<boolean> {
    const st = this.volumes.get(name);
    const spec = this.volumeSpecs.get(name);
    if (!st || !spec || this.torn) return false;
    return refreshVolume(this.podObj, spec, st, this.node.volumeSources);
  }

  private mountsFor(c: any): Mount[] {
    const mounts: Mount[] = [
      { source: join(this.dir, 'hosts'), target: '/etc/hosts', readOnly: false, file: true },
      { source: join(this.dir, 'hostname'), target: '/etc/hostname', readOnly: false, file: true },
      { source: join(this.dir, 'resolv.conf'), target: '/etc/resolv.conf', readOnly: false, file: true },
    ];
    const own = (c.volumeMounts ?? []) as any[];
    const list = [...own];
    if (this.volumes.has(SA_VOLUME) && !own.some((m) => m.mountPath === SA_MOUNT_PATH)) list.push({ name: SA_VOLUME, mountPath: SA_MOUNT_PATH, readOnly: true });
    for (const m of list) {
      const v = this.volumes.get(m.name);
      if (!v) throw new Error(`container ${c.name}: volumeMount ${m.name} names no volume`);
      const sub = m.subPath ? join(v.dir, m.subPath) : v.dir;
      let file = false;
      try {
        file = !statSync(sub).isDirectory();
      } catch {
        if (m.subPath) mkdirSync(sub, { recursive: true });
      }
      mounts.push({ source: sub, target: m.mountPath, readOnly: !!m.readOnly || v.apiBacked, file });
    }
    return mounts;
  }

  // ---- stop ------------------------------------------------------------------------------------------

  /** Graceful termination: every running container stopped in parallel within the grace period. */
  async terminate(graceMs = this.graceMs()): Promise<void> {
    this.terminating = true;
    for (const t of this.restartTimers) clearTimeout(t);
    await Promise.all(this.all().map((c) => c.stop(graceMs)));
    await this.teardown();
  }

  /** SIGKILL every container now (a crash); restarts follow restartPolicy. */
  async crash(): Promise<number> {
    let n = 0;
    for (const c of this.all()) {
      if (c.isRunning()) {
        n++;
        await c.kill();
      }
    }
    return n;
  }

  async teardown(): Promise<void> {
    if (this.torn) return;
    this.torn = true;
    this.terminating = true;
    for (const t of this.restartTimers) clearTimeout(t);
    await Promise.all(this.all().map((c) => c.killAndWait()));
    if (this.pause) {
      // The watchdog's whole group: works even before the pause process's pid was known.
      kill(-this.pause.pid, 'SIGKILL');
      await this.pause.exit;
    }
    if (this.ip) this.node.network.release(this.ip);
    this.ip = '';
  }

  // ---- status -----------------------------------------------------------------------------------------

  status(): Record<string, unknown> {
    const t = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const cond = (type: string, ok: boolean, reason?: string) => {
      const status = ok ? 'True' : 'False';
      const prev = this.transitions.get(type);
      const time = prev && prev.status === status ? prev.time : t;
      this.transitions.set(type, { status, time });
      return { type, status, lastTransitionTime: time, reason: ok || !reason ? null : reason };
    };
    const containersReady = this.initialized && this.containers.every((c) => c.ready);
    const running = this.containers.some((c) => c.isRunning());
    const phase = this.initialized && running ? 'Running' : 'Pending';
    return {
      phase,
      hostIP: this.node.network.gateway,
      hostIPs: [{ ip: this.node.network.gateway }],
      ...(this.ip ? { podIP: this.ip, podIPs: [{ ip: this.ip }] } : {}),
      ...(this.startTime ? { startTime: this.startTime } : {}),
      conditions: [
        cond('PodReadyToStartContainers', this.sandboxReady),
        cond('Initialized', this.initialized, 'ContainersNotInitialized'),
        cond('Ready', containersReady, 'ContainersNotReady'),
        cond('ContainersReady', containersReady, 'ContainersNotReady'),
      ],
      ...(this.initContainers.length ? { initContainerStatuses: this.initContainers.map((c) => c.status()) } : {}),
      containerStatuses: this.containers.map((c) => c.status()),
    };
  }
}

function resolvConf(namespace: string, domain: string): string {
  // No DNS server runs: 127.0.0.1 answers at once (refused) instead of timing out; names resolve from /etc/hosts.
  return `search ${namespace}.svc.${domain} svc.${domain} ${domain}\nnameserver 127.0.0.1\noptions ndots:5 timeout:1 attempts:1\n`;
}

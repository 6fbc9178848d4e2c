// One container of a sandboxed pod across its restarts: start (image stand-in, env, identity,
// command), probes (startup, liveness, readiness), lifecycle hooks, stop with a grace period
// (preStop, SIGTERM to its PID 1, SIGKILL after the grace), exec, and the status the kubelet reports.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from './api';
import { execIn, launch, type ExecResult, type Identity, type Mount, type Running } from './container';
import { resolveImage, type ImageContext, type ResolvedImage } from './images';
import { commandLine, containerEnv, identityOf, type EnvSources } from './pod-env';
import { probeTiming, runHandler, type ProbeTarget } from './probes';

export interface PodContext {
  pod(): KubeObject;
  uid: string;
  dir: string;
  podIP(): string;
  pausePid(): number;
  images: ImageContext;
  envSources: EnvSources;
  mountsFor(container: any): Mount[];
  changed(): void;
  log(line: string): void;
  terminationGraceMs(): number;
  onExit(c: ContainerRuntime, code: number): void;
  /** Records a launcher pid for the node janitor. */
  track(pid: number): void;
  /** The pod was torn down (a start in flight must not leave its container running). */
  torn(): boolean;
}

type State =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: { exitCode: number; reason: string; startedAt?: string; finishedAt: string; message?: string; containerID?: string } };

const withNulls = (s: object) => ({ waiting: null, running: null, terminated: null, ...s });

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export class ContainerRuntime {
  restartCount = 0;
  state: State = { waiting: { reason: 'ContainerCreating' } };
  lastState: State | Record<string, never> = {};
  private lastTerminated?: State;
  ready = false;
  started = false;
  /** Consecutive exits (restart back-off: the first restart is immediate, then base·2^(n-2)). */
  crashes = 0;
  running?: Running;
  image?: ResolvedImage;
  env: Record<string, string> = {};
  identity?: Identity;
  /** Which start an exit belongs to, and which probes may still act (bumped on stop and exit). */
  private runId = 0;
  private generation = 0;
  private startedAtMs = 0;
  private exitWaiters: (() => void)[] = [];

  constructor(readonly ctx: PodContext, readonly spec: any, readonly init: boolean) {}

  get name(): string {
    return this.spec.name;
  }

  logPath(restart = this.restartCount): string {
    const dir = join(this.ctx.dir, 'logs', this.name);
    mkdirSync(dir, { recursive: true });
    return join(dir, `${restart}.log`);
  }

  logs(previous = false): string {
    const n = previous ? this.restartCount - 1 : this.restartCount;
    try {
      return readFileSync(this.logPath(n), 'utf8');
    } catch {
      return '';
    }
  }

  containerID(): string {
    return `sandbox://${this.ctx.uid}/${this.name}/${this.restartCount}`;
  }

  /** Starts the process; throws (and sets a waiting reason) when it cannot. */
  async start(): Promise<void> {
    const pod = this.ctx.pod();
    const gen = ++this.generation;
    const id = ++this.runId;
    try {
      this.image = resolveImage(this.spec.image, this.ctx.images);
    } catch (e) {
      this.setWaiting('ErrImagePull', (e as Error).message);
      throw e;
    }
    let argv: string[];
    try {
      // As the kubelet: status.podIP is the sandbox's address, known before the pod's status reaches the API server.
      const ip = this.ctx.podIP();
      const withIP = ip ? { ...pod, status: { ...pod.status, podIP: ip, podIPs: [{ ip }] } } : pod;
      this.env = await containerEnv(withIP, this.spec, this.image, this.ctx.envSources);
      this.identity = identityOf(pod, this.spec, this.image);
      argv = commandLine(this.spec, this.image, this.env);
    } catch (e) {
      this.setWaiting('CreateContainerConfigError', (e as Error).message);
      throw e;
    }
    const instance = join(this.ctx.dir, 'containers', `${this.name}-${this.restartCount}`);
    this.running = await launch({
      dir: instance,
      pausePid: this.ctx.pausePid(),
      image: this.image,
      mounts: this.ctx.mountsFor(this.spec),
      identity: this.identity,
      workingDir: this.spec.workingDir ?? '/',
      argv,
      env: this.env,
      logPath: this.logPath(),
    });
    this.ctx.track(this.running.watched.pid);
    if (this.ctx.torn()) {
      await this.killAndWait();
      throw new Error(`pod torn down while ${this.name} was starting`);
    }
    this.startedAtMs = Date.now();
    this.state = { running: { startedAt: now() } };
    this.started = !this.spec.startupProbe;
    this.ready = false;
    const running = this.running;
    void running.watched.exit.then((code) => this.exited(id, code));
    this.ctx.log(`started ${this.name} (restart ${this.restartCount}, image ${this.image.row}, uid ${this.identity.uid}): ${argv.join(' ')}`);
    if (this.spec.lifecycle?.postStart) {
      const r = await runHandler(this.spec.lifecycle.postStart, this.target(), 30_000);
      if (!r.ok) {
        this.ctx.log(`${this.name}: postStart failed (${r.message}); killing`);
        await this.stop(this.ctx.terminationGraceMs(), false);
        return;
      }
    }
    if (!this.init) this.startProbes(gen);
    this.ctx.changed();
  }

  private setWaiting(reason: string, message?: string): void {
    this.state = { waiting: { reason, ...(message ? { message } : {}) } };
    this.ctx.changed();
  }

  backOff(delayMs: number): void {
    if (this.lastTerminated) this.lastState = this.lastTerminated;
    this.setWaiting('CrashLoopBackOff', `back-off ${Math.round(delayMs / 1000)}s restarting failed container=${this.name} pod=${this.ctx.pod().metadata.name}`);
  }

  private exited(id: number, code: number): void {
    if (id !== this.runId) return;
    this.generation++; // stops this run's probes
    const startedAt = 'running' in this.state ? this.state.running.startedAt : undefined;
    const reason = code === 0 ? 'Completed' : 'Error';
    this.state = { terminated: { exitCode: code, reason, ...(startedAt ? { startedAt } : {}), finishedAt: now(), containerID: this.containerID() } };
    this.lastTerminated = this.state;
    this.ready = false;
    this.started = false;
    this.running = undefined;
    this.crashes = Date.now() - this.startedAtMs > 10 * 60_000 ? 1 : this.crashes + 1;
    const tail = code === 0 ? '' : `: ${this.logs().trimEnd().split('\n').slice(-3).join(' | ')}`;
    this.ctx.log(`${this.name} exited with ${code} (restart ${this.restartCount})${tail}`);
    for (const w of this.exitWaiters.splice(0)) w();
    this.ctx.changed();
    this.ctx.onExit(this, code);
  }

  /** Moves the current terminated state to lastState before a restart. */
  prepareRestart(): void {
    this.lastState = this.lastTerminated ?? this.state;
    this.restartCount++;
  }

  isRunning(): boolean {
    return this.running !== undefined;
  }

  waitExit(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((r) => this.exitWaiters.push(r));
  }

  /** preStop (within the grace), SIGTERM to PID 1, SIGKILL when the grace is over. */
  async stop(graceMs: number, runPreStop = true): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.generation++;
    const deadline = Date.now() + graceMs;
    const exit = this.waitExit();
    if (runPreStop && this.spec.lifecycle?.preStop) {
      await Promise.race([runHandler(this.spec.lifecycle.preStop, this.target(), graceMs), exit]);
    }
    await running.signal('SIGTERM');
    const left = Math.max(0, deadline - Date.now());
    const timedOut = await Promise.race([exit.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), left))]);
    if (timedOut) {
      this.ctx.log(`${this.name}: still running after the ${graceMs} ms grace period: SIGKILL`);
      await running.signal('SIGKILL');
      await exit;
    }
  }

  /** SIGKILL now (a crash: no preStop, no grace). */
  async kill(): Promise<void> {
    await this.running?.signal('SIGKILL');
  }

  /** SIGKILL and wait for the exit; if the process tree does not go within 10 s, its launcher's
   * whole process group is killed (teardown must not hang). */
  async killAndWait(): Promise<void> {
    const running = this.running;
    if (!running) return;
    const exit = this.waitExit();
    await running.signal('SIGKILL');
    const stuck = await Promise.race([exit.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 10_000).unref())]);
    if (stuck) {
      this.ctx.log(`${this.name}: no exit 10 s after SIGKILL; killing its launcher's process group`);
      try {
        process.kill(-running.watched.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await exit;
    }
  }

  async exec(argv: string[], opts: { timeoutMs?: number; input?: string; asRoot?: boolean } = {}): Promise<ExecResult> {
    const pid = await this.running?.initPid();
    if (!pid || !this.identity) throw new Error(`container ${this.name} of ${this.ctx.pod().metadata.name} is not running`);
    const identity = opts.asRoot ? { uid: 0, gid: 0, groups: [], noNewPrivs: false } : this.identity;
    return execIn(pid, identity, this.env, argv, opts);
  }

  private target(): ProbeTarget {
    return { podIP: this.ctx.podIP(), ports: this.spec.ports ?? [], exec: (argv, timeoutMs) => this.exec(argv, { timeoutMs }) };
  }

  // ---- probes ----------------------------------------------------------------------------------

  private startProbes(gen: number): void {
    const startup = this.spec.startupProbe;
    if (!this.spec.readinessProbe) this.ready = true;
    const afterStartup = () => {
      this.started = true;
      if (this.spec.livenessProbe) this.loop(gen, 'liveness', this.spec.livenessProbe, () => {}, (msg) => void this.livenessFailed(gen, msg));
      if (this.spec.readinessProbe) this.loop(gen, 'readiness', this.spec.readinessProbe, () => this.setReady(true), () => this.setReady(false));
      this.ctx.changed();
    };
    if (startup) this.loop(gen, 'startup', startup, afterStartup, (msg) => void this.livenessFailed(gen, `startup probe: ${msg}`), true);
    else afterStartup();
  }

  private setReady(ready: boolean): void {
    if (this.ready === ready) return;
    this.ready = ready;
    this.ctx.changed();
  }

  private loop(gen: number, kind: string, probe: any, onSuccess: () => void, onFailure: (msg: string) => void, stopOnSuccess = false): void {
    const t = probeTiming(probe);
    let successes = 0;
    let failures = 0;
    const tick = async () => {
      if (gen !== this.generation) return;
      const r = await runHandler(probe, this.target(), t.timeoutMs);
      if (gen !== this.generation) return;
      if (r.ok) {
        failures = 0;
        if (++successes >= t.successThreshold) {
          onSuccess();
          if (stopOnSuccess) return;
        }
      } else {
        successes = 0;
        if (++failures >= t.failureThreshold) {
          // Logged when it crosses the threshold (a readiness probe keeps failing quietly after that).
          if (failures === t.failureThreshold) this.ctx.log(`${this.name}: ${kind} probe failed ${failures}x: ${r.message}`);
          onFailure(r.message);
          if (kind !== 'readiness') return;
        }
      }
      setTimeout(() => void tick(), t.periodMs).unref();
    };
    setTimeout(() => void tick(), t.initialDelayMs).unref();
  }

  private async livenessFailed(gen: number, message: string): Promise<void> {
    if (gen !== this.generation) return;
    this.ctx.log(`${this.name}: liveness failed (${message}): restarting`);
    const grace = this.spec.livenessProbe?.terminationGracePeriodSeconds;
    await this.stop(grace !== undefined ? grace * 1000 : this.ctx.terminationGraceMs());
  }

  status(): Record<string, unknown> {
    return {
      name: this.name,
      image: this.spec.image,
      imageID: this.image ? `sandbox://${this.image.row}` : '',
      ...('waiting' in this.state ? {} : { containerID: this.containerID() }),
      ready: this.ready,
      started: this.started,
      restartCount: this.restartCount,
      // A strategic merge patch merges these structs key by key: name the absent kinds as null.
      state: withNulls(this.state),
      lastState: withNulls(this.lastState),
    };
  }
}

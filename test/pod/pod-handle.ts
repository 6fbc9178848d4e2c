// What a test holds on a pod of the sandbox node: its address, its containers' logs, exec, signals,
// restart counts and volume directories. A handle follows the pod by name, so it keeps working when
// the pod is deleted and created again (a StatefulSet's pod).
import type { ExecResult } from './container';
import type { ContainerRuntime } from './container-runtime';
import type { PodRuntime } from './pod-runtime';

export interface PodHandle {
  namespace: string;
  name: string;
  uid(): string;
  /** The pod IP on the node's bridge. */
  ip(): string;
  containerNames(): string[];
  /** The container's log since its last start (previous: the one before). */
  logs(container: string, opts?: { previous?: boolean }): string;
  exec(container: string, argv: string[], opts?: { timeoutMs?: number; input?: string; asRoot?: boolean }): Promise<ExecResult>;
  /** Like exec, but throws unless it exits 0; returns stdout. */
  execOk(container: string, argv: string[], opts?: { timeoutMs?: number; input?: string; asRoot?: boolean }): Promise<string>;
  /** Sends a signal to the container's PID 1 (SIGKILL ends every process of the container). */
  signal(container: string, sig: NodeJS.Signals): Promise<void>;
  /** SIGKILLs every container of the pod (a crash of the pod; restarts follow restartPolicy). */
  crash(): Promise<number>;
  restartCount(container: string): number;
  running(container: string): boolean;
  /** The volume's directory on the node (for inspection; the container sees it at its mountPath). */
  volumeDir(volume: string): string;
  /** How many times the kubelet swapped this volume's `..data` (first write included). */
  volumeSwaps(volume: string): number;
  /** Resolves when the container has (re)started more than `restarts` times and is running. */
  waitRunning(container: string, opts?: { restartsAbove?: number; timeoutMs?: number }): Promise<void>;
}

export function podHandle(get: () => PodRuntime | undefined, namespace: string, name: string): PodHandle {
  const pod = () => {
    const p = get();
    if (!p) throw new Error(`pod ${namespace}/${name} is not on this sandbox node`);
    return p;
  };
  const c = (container: string): ContainerRuntime => pod().container(container);
  const h: PodHandle = {
    namespace,
    name,
    uid: () => pod().uid,
    ip: () => pod().ip,
    containerNames: () => pod().all().map((x) => x.name),
    logs: (container, opts = {}) => c(container).logs(!!opts.previous),
    exec: (container, argv, opts) => c(container).exec(argv, opts),
    async execOk(container, argv, opts) {
      const r = await c(container).exec(argv, opts);
      if (r.code !== 0) throw new Error(`exec in ${namespace}/${name}/${container} (${argv.join(' ')}) exited ${r.code}${r.timedOut ? ' (timed out)' : ''}: ${r.stderr.trim() || r.stdout.trim()}`);
      return r.stdout;
    },
    signal: async (container, sig) => {
      await c(container).running?.signal(sig);
    },
    crash: () => pod().crash(),
    restartCount: (container) => c(container).restartCount,
    running: (container) => c(container).isRunning(),
    volumeDir(volume) {
      const v = pod().volumes.get(volume);
      if (!v) throw new Error(`pod ${namespace}/${name} has no volume ${volume}`);
      return v.dir;
    },
    volumeSwaps: (volume) => pod().volumes.get(volume)?.swaps ?? 0,
    async waitRunning(container, opts = {}) {
      const end = Date.now() + (opts.timeoutMs ?? 60_000);
      for (;;) {
        const p = get();
        const x = p?.all().find((y) => y.name === container);
        if (x && x.isRunning() && x.restartCount > (opts.restartsAbove ?? -1)) return;
        if (Date.now() > end) throw new Error(`${namespace}/${name}/${container} not running (restarts > ${opts.restartsAbove ?? -1}) within ${opts.timeoutMs ?? 60_000} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
  return h;
}

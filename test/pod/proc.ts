// Process plumbing for the pod sandbox: every process the rig starts runs under a shell watchdog
// (its own session) that SIGKILLs it when the process that started it (the jest worker) is gone,
// and a janitor per node removes what the watchdogs cannot: the bridge and the node's directory.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

// "$@" runs in the background so the watchdog can notice its parent's death (then it SIGKILLs its
// own process group: the command and what it started); its exit status is the watchdog's.
const WATCHDOG = `
parent=$1; shift
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 0.5; done
kill -0 "$parent" 2>/dev/null || kill -KILL -$$ 2>/dev/null
wait "$child"
`;

// When the owner is gone (jest killed, worker crash): SIGKILL the process group of every pid listed
// in $pids (the watchdogs of containers and pause processes: a container's PID 1 is in its
// watchdog's group, and its death ends the container's whole PID namespace),
// delete the bridge if the subnet's claim still names the dead owner (pod veths die with their
// network namespaces), remove the node's directory (kept with PXC_POD_KEEP=1).
const JANITOR = `
parent=$1; dir=$2; pids=$3; bridge=$4; claim=$5
while kill -0 "$parent" 2>/dev/null && [ -d "$dir" ]; do sleep 1; done
[ -d "$dir" ] || exit 0
[ -f "$pids" ] && while read -r p; do kill -KILL "-$p" 2>/dev/null; done < "$pids"
sleep 1
# The subnet may have been claimed again since our owner died: then the bridge is someone else's.
[ -n "$bridge" ] && [ "$(cat "$claim" 2>/dev/null)" = "$parent" ] && ip link del "$bridge" 2>/dev/null
[ "$PXC_POD_KEEP" = 1 ] || rm -rf "$dir"
`;

export interface Watched {
  /** The watchdog's pid (its session and process group id). */
  pid: number;
  exited(): boolean;
  /** Resolves with the exit code of the watched command (128+n when killed by signal n). */
  exit: Promise<number>;
}

/** Runs argv under the watchdog, stdout+stderr appended to logPath (or ignored). */
export function spawnWatched(argv: string[], opts: { env?: NodeJS.ProcessEnv; logPath?: string; cwd?: string } = {}): Watched {
  const fd = opts.logPath ? openSync(opts.logPath, 'a') : 'ignore';
  const p = spawn('setsid', ['sh', '-c', WATCHDOG, 'watchdog', String(process.pid), ...argv], {
    stdio: ['ignore', fd, fd],
    env: opts.env ?? process.env,
    cwd: opts.cwd ?? '/',
  });
  if (typeof fd === 'number') closeSync(fd);
  if (p.pid === undefined) throw new Error(`could not spawn ${argv[0]}`);
  let done = false;
  const exit = new Promise<number>((res) =>
    p.on('exit', (code, signal) => {
      done = true;
      res(code ?? 128 + (signal ? signalNumber(signal) : 0));
    }),
  );
  p.unref();
  return { pid: p.pid, exited: () => done, exit };
}

/** Starts the node janitor (detached, outlives us by design). */
export function startJanitor(dir: string, pidsFile: string, bridge: string, claimFile: string): number {
  // Not `detached`: setsid would then fork (a group leader cannot make a session) and the pid we
  // hold would not be the janitor's.
  const p = spawn('setsid', ['sh', '-c', JANITOR, 'janitor', String(process.pid), dir, pidsFile, bridge, claimFile], { stdio: 'ignore' });
  p.unref();
  return p.pid ?? 0;
}

/** Direct children of a pid (this kernel has no /proc/<pid>/task/<tid>/children). */
export async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may contain spaces and parentheses, so parse after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** The descendant reached by following single children `depth` times (undefined if not there yet). */
export async function descendant(pid: number, depth: number): Promise<number | undefined> {
  let cur = pid;
  for (let i = 0; i < depth; i++) {
    const kids = await childrenOf(cur);
    if (kids.length === 0) return undefined;
    cur = kids[0]!;
  }
  return cur;
}

/** The first descendant of `pid` that is PID 1 of a PID namespace below ours (a container's init). */
export async function namespaceInit(pid: number, maxDepth = 4): Promise<number | undefined> {
  let level = [pid];
  for (let d = 0; d < maxDepth && level.length; d++) {
    const next: number[] = [];
    for (const p of level) next.push(...(await childrenOf(p)));
    for (const p of next) {
      try {
        const nspid = /^NSpid:\s*(.*)$/m.exec(await readFile(`/proc/${p}/status`, 'utf8'))?.[1]?.trim().split(/\s+/);
        if (nspid && nspid.length > 1 && nspid[nspid.length - 1] === '1') return p;
      } catch {
        /* gone */
      }
    }
    level = next;
  }
  return undefined;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function kill(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    /* gone */
  }
}

export function signalNumber(signal: NodeJS.Signals | string): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 } as Record<string, number>)[signal] ?? 0;
}

/** Runs a command to completion in its own process group (no watchdog: short-lived commands such as
 * `ip`, or an exec into a container, whose pid namespace ends with the container anyway); on timeout
 * the whole group is SIGKILLed. */
export function run(argv: string[], opts: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((res, rej) => {
    const p = spawn(argv[0]!, argv.slice(1), { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      kill(-(p.pid ?? 0), 'SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.stdin.on('error', () => {});
    p.on('error', rej);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code: code ?? 128 + (signal ? signalNumber(signal) : 0), stdout, stderr, timedOut });
    });
    p.stdin.end(opts.input ?? '');
  });
}

export async function runOk(argv: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

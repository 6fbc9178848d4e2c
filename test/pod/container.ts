// One container process, started the way a container runtime would: it joins its pod's network,
// UTS and IPC namespaces (held by the pod's pause process) and gets a mount and a PID namespace of
// its own. Its root is built in that mount namespace only (nothing is mounted on the host): a tmpfs
// with the host's usr/etc/var as overlays under the image's layers (a fresh writable layer per
// start), /proc, a minimal /dev, fresh /tmp and /run, the pod's /etc/hosts, /etc/hostname and
// /etc/resolv.conf, and the volume mounts; then pivot_root and setpriv to the container's user.
// The container's first process is PID 1 of its namespace: SIGKILL to it ends every process in it.
import { readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostBase, type Layer, type ResolvedImage } from './images';
import { kill, namespaceInit, run, sleep, spawnWatched, type Watched } from './proc';

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
  /** A single file (subPath of a file, /etc/hosts): bound onto a file. */
  file?: boolean;
}

export interface Identity {
  uid: number;
  gid: number;
  groups: number[];
  noNewPrivs: boolean;
}

export interface LaunchSpec {
  /** Scratch directory of this container instance (mount points for its root; removed after). */
  dir: string;
  pausePid: number;
  image: ResolvedImage;
  mounts: Mount[];
  identity: Identity;
  workingDir: string;
  argv: string[];
  env: Record<string, string>;
  logPath: string;
}

export interface Running {
  watched: Watched;
  /** Host pid of the container's PID 1 (once known). */
  initPid(): Promise<number | undefined>;
  signal(sig: NodeJS.Signals): Promise<void>;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The setup script run as PID 1 of the new namespaces before it execs the container's command. */
export function setupScript(spec: LaunchSpec): string {
  const R = '"$R"';
  const lines: string[] = [
    'set -eu',
    `D=${q(spec.dir)}`,
    'R="$D/rootfs"',
    'mkdir -p "$D/layer" "$R"',
    'mount -t tmpfs -o mode=0755 tmpfs "$D/layer"',
    'mount -t tmpfs -o mode=0755 tmpfs "$R"',
    'ov() { mkdir -p "$D/layer/$1.up" "$D/layer/$1.work" "$R/$1"; mount -t overlay overlay -o "lowerdir=$2,upperdir=$D/layer/$1.up,workdir=$D/layer/$1.work" "$R/$1"; }',
  ];
  const base = hostBase();
  const top = new Set<string>(base.overlays);
  const has = (l: Layer, name: string) => (!l.only || l.only.includes(name)) && hasDir(l.path, name);
  for (const layer of spec.image.layers) for (const name of listTop(layer.path)) if (has(layer, name)) top.add(name);
  for (const name of [...top].sort()) {
    if (['proc', 'dev', 'sys', 'tmp', 'run'].includes(name)) continue;
    const lowers = spec.image.layers.filter((l) => has(l, name)).map((l) => `${l.path}/${name}`);
    if (base.overlays.includes(name)) lowers.push(`/${name}`);
    if (lowers.length) lines.push(`ov ${q(name)} ${q(lowers.join(':'))}`);
  }
  for (const [name, target] of base.symlinks) if (!top.has(name)) lines.push(`ln -s ${q(target)} ${R}/${q(name)}`);
  lines.push(
    'mkdir -p "$R/proc" "$R/dev" "$R/sys" "$R/tmp" "$R/run" "$R/.oldroot"',
    // The shim's own /proc (the host's PID namespace) until pivot_root is done; PID 1 mounts its own.
    'mount -t proc proc "$R/proc"',
    'mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys" 2>/dev/null || mount --rbind -o ro /sys "$R/sys"',
    'mount -t tmpfs -o mode=0755,nosuid tmpfs "$R/dev"',
    'for n in null zero full random urandom tty; do touch "$R/dev/$n"; mount --bind "/dev/$n" "$R/dev/$n"; done',
    'mkdir -p "$R/dev/pts" "$R/dev/shm" "$R/dev/mqueue"',
    'mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$R/dev/pts"; ln -s pts/ptmx "$R/dev/ptmx"',
    'mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/dev/shm"',
    'ln -s /proc/self/fd "$R/dev/fd"; ln -s /proc/self/fd/0 "$R/dev/stdin"; ln -s /proc/self/fd/1 "$R/dev/stdout"; ln -s /proc/self/fd/2 "$R/dev/stderr"',
    // An image's /tmp and /run are part of its root: a fresh writable copy per container start.
    'mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"',
    'mount -t tmpfs -o mode=0755 tmpfs "$R/run"',
  );
  for (const layer of spec.image.layers) {
    for (const d of ['tmp', 'run']) if (has(layer, d)) lines.push(`cp -a ${q(`${layer.path}/${d}`)}/. "$R/${d}/"`);
  }
  for (const b of spec.image.binds) lines.push(`mkdir -p "$R"${q(b.target)}`, `mount --bind ${q(b.source)} "$R"${q(b.target)}`, `mount -o remount,bind,ro "$R"${q(b.target)}`);
  // A mount target is resolved inside the new root (as runc's securejoin does): /var/run is a symlink
  // to /run in Debian, and an absolute link must not lead out to the host's /run.
  lines.push('inroot() { printf "%s%s" "$R" "$(chroot "$R" /usr/bin/realpath -m "$1")"; }');
  for (const m of spec.mounts) {
    lines.push(`t=$(inroot ${q(m.target)})`);
    lines.push(m.file ? 'mkdir -p "$(dirname "$t")"; [ -e "$t" ] || touch "$t"' : 'mkdir -p "$t"');
    lines.push(`mount --bind ${q(m.source)} "$t"`);
    if (m.readOnly) lines.push('mount -o remount,bind,ro "$t"');
  }
  const setpriv = `setpriv --reuid=${spec.identity.uid} --regid=${spec.identity.gid} --groups=${[spec.identity.gid, ...spec.identity.groups].join(',')}` +
    ` --inh-caps=-all --bounding-set=-all${spec.identity.noNewPrivs ? ' --no-new-privs' : ''}`;
  // PID 1 of a new PID namespace mounts its /proc, then becomes the command. Its parent, the shim
  // (this shell after `exec unshare --pid`), forks nothing else (the first child of an unshared PID
  // namespace is its PID 1), waits and exits with its status (128+n when killed by signal n).
  const stage2 = `mount -t proc proc /proc && cd ${q(spec.workingDir)} && exec ${setpriv} -- "$@"`;
  lines.push(
    'cd "$R"',
    'pivot_root . .oldroot',
    'cd /',
    'umount -l /.oldroot',
    'rmdir /.oldroot',
    'umount /proc',
    `exec unshare --pid -- sh -c ${q('sh -c "$0" pid1 "$@" & wait $!')} ${q(stage2)} "$@"`,
  );
  return `${lines.join('\n')}\n`;
}

function listTop(layer: string): string[] {
  try {
    return readdirSync(layer).filter((n) => !n.startsWith('.') && hasDir(layer, n));
  } catch {
    return [];
  }
}

function hasDir(layer: string, name: string): boolean {
  try {
    return statSync(join(layer, name)).isDirectory();
  } catch {
    return false;
  }
}

/** Starts the container; its stdout and stderr go to spec.logPath. */
export async function launch(spec: LaunchSpec): Promise<Running> {
  await mkdir(spec.dir, { recursive: true, mode: 0o700 });
  const script = join(spec.dir, 'setup.sh');
  await writeFile(script, setupScript(spec), { mode: 0o700 });
  // The environment goes through the process environment (never argv, which `ps` shows).
  const watched = spawnWatched(
    ['nsenter', `--target=${spec.pausePid}`, '--net', '--uts', '--ipc', '--', 'unshare', '--mount', '--propagation', 'private', '--', 'sh', script, ...spec.argv],
    { env: spec.env, logPath: spec.logPath },
  );
  let init: number | undefined;
  const initPid = async () => {
    // watchdog sh → the shim (nsenter, unshare, setup.sh, unshare --pid and sh exec'd in turn) → PID 1,
    // told apart from the shim's short-lived mount/mkdir children by its NSpid (1 in its namespace).
    for (let i = 0; init === undefined && i < 1500 && !watched.exited(); i++) {
      init = await namespaceInit(watched.pid);
      if (init === undefined) await sleep(20);
    }
    return init;
  };
  return {
    watched,
    initPid,
    async signal(sig) {
      const pid = await initPid();
      if (pid) kill(pid, sig);
      // Not started far enough to have a PID 1: SIGKILL the launcher's whole process group.
      else if (sig === 'SIGKILL') kill(-watched.pid, 'SIGKILL');
    },
  };
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs argv inside a running container (its namespaces, root, working directory and user). */
export async function execIn(initPid: number, identity: Identity, env: Record<string, string>, argv: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const r = await run(
    ['nsenter', `--target=${initPid}`, '--mount', '--uts', '--ipc', '--net', '--pid', '--root', '--wd', '--',
      'setpriv', `--reuid=${identity.uid}`, `--regid=${identity.gid}`, `--groups=${[identity.gid, ...identity.groups].join(',')}`, '--inh-caps=-all', ...(identity.noNewPrivs ? ['--no-new-privs'] : []), '--', ...argv],
    { env, timeoutMs, input: opts.input },
  );
  return r;
}

// A pod's volumes on the node, the way the kubelet lays them out:
// - secret, configMap, downwardAPI and projected volumes are written by an atomic writer: the files
//   live in a timestamped `..<time>` directory, `..data` is a symlink to it, and each visible name is
//   a symlink through `..data`. An update writes a new timestamped directory and renames a new
//   `..data` over the old one (one atomic rename), then removes the old directory — so a reader sees
//   either all old or all new files (kubelet pkg/volume/util/atomic_writer.go).
// - emptyDir is a directory of the pod, 0777; persistentVolumeClaim a directory per
//   <namespace>/<claim> on the node that outlives the pod (no PVC/PV objects are read: the sandbox
//   stands in for a local volume); hostPath the host path.
// - fsGroup: files get the group and, as SetVolumeOwnership does, group read (and write for
//   writable volumes); directories get setgid.
import { chmod, chown, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export type Payload = Map<string, { data: Buffer; mode: number }>;

function timestampPrefix(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `..${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}.`;
}

/** Writes `payload` into `dir` atomically; returns false when nothing changed. */
export async function atomicWrite(dir: string, payload: Payload, fsGroup?: number): Promise<boolean> {
  for (const path of payload.keys()) {
    if (path.startsWith('/') || path.split('/').some((s) => s === '..' || s === '' || s.startsWith('..'))) throw new Error(`invalid volume file path ${JSON.stringify(path)}`);
  }
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const dataLink = join(dir, '..data');
  const oldTs = await readlink(dataLink).catch(() => undefined);
  if (oldTs && (await samePayload(join(dir, oldTs), payload, fsGroup))) return false;

  const tsDir = await mkdtemp(join(dir, timestampPrefix()));
  await chmod(tsDir, 0o755);
  for (const [path, { data, mode }] of payload) {
    const file = join(tsDir, path);
    await mkdir(dirname(file), { recursive: true, mode: 0o755 });
    await writeFile(file, data);
    await chmod(file, mode);
  }
  if (fsGroup !== undefined) await applyFsGroup(tsDir, fsGroup, true);

  const tmpLink = join(dir, '..data_tmp');
  await rm(tmpLink, { force: true });
  await symlink(tsDir.slice(dir.length + 1), tmpLink);
  // Visible names first (they dangle until ..data exists on the first write), then the swap.
  const top = new Set([...payload.keys()].map((p) => p.split('/')[0]!));
  for (const name of top) {
    const link = join(dir, name);
    if (!(await lstat(link).catch(() => undefined))) await symlink(join('..data', name), link);
  }
  await rename(tmpLink, dataLink);
  for (const name of await readdir(dir)) {
    if (name.startsWith('..') || top.has(name)) continue;
    await rm(join(dir, name), { recursive: true, force: true });
  }
  if (oldTs) await rm(join(dir, oldTs), { recursive: true, force: true });
  return true;
}

async function samePayload(tsDir: string, payload: Payload, fsGroup?: number): Promise<boolean> {
  const existing = await listFiles(tsDir).catch(() => undefined);
  if (!existing || existing.length !== payload.size) return false;
  for (const [path, { data, mode }] of payload) {
    const file = join(tsDir, path);
    const st = await lstat(file).catch(() => undefined);
    if (!st?.isFile() || (st.mode & 0o7777) !== (fsGroup === undefined ? mode : mode | 0o440)) return false;
    if (!(await readFile(file)).equals(data)) return false;
  }
  return true;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const p = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, p)));
    else out.push(p);
  }
  return out;
}

/** SetVolumeOwnership: group fsGroup; files gain 0440 (0660 when writable), directories also setgid and x. */
export async function applyFsGroup(path: string, fsGroup: number, readOnly: boolean): Promise<void> {
  const st = await lstat(path);
  if (st.isSymbolicLink()) return;
  await chown(path, st.uid, fsGroup);
  if (st.isDirectory()) {
    await chmod(path, (st.mode & 0o7777) | 0o2000 | (readOnly ? 0o550 : 0o770));
    for (const e of await readdir(path)) await applyFsGroup(join(path, e), fsGroup, readOnly);
  } else {
    await chmod(path, (st.mode & 0o7777) | (readOnly ? 0o440 : 0o660));
  }
}

/** An emptyDir or persistent directory: created 0777 (emptyDir) or 0755, then fsGroup applied. */
export async function plainDir(path: string, mode: number, fsGroup?: number): Promise<string> {
  const existed = await lstat(path).catch(() => undefined);
  await mkdir(path, { recursive: true });
  if (!existed) await chmod(path, mode);
  if (fsGroup !== undefined) await applyFsGroup(path, fsGroup, false);
  return path;
}

// ---- payloads from API objects ---------------------------------------------------------------------

export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

/** Files of a Secret's or ConfigMap's data (values already bytes), honouring `items` and modes. */
export function keyedPayload(what: string, data: Map<string, Buffer>, items: KeyToPath[] | undefined, defaultMode: number, optional: boolean): Payload {
  const out: Payload = new Map();
  if (!items?.length) {
    for (const [k, v] of data) out.set(k, { data: v, mode: defaultMode });
    return out;
  }
  for (const item of items) {
    const v = data.get(item.key);
    if (v === undefined) {
      if (optional) continue;
      throw new Error(`couldn't find key ${item.key} in ${what}`);
    }
    out.set(item.path, { data: v, mode: item.mode ?? defaultMode });
  }
  return out;
}

export function secretBytes(secret: { data?: Record<string, string>; [k: string]: any } | undefined): Map<string, Buffer> {
  return new Map(Object.entries(secret?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
}

export function configMapBytes(cm: { data?: Record<string, string>; binaryData?: Record<string, string>; [k: string]: any } | undefined): Map<string, Buffer> {
  const m = new Map(Object.entries(cm?.data ?? {}).map(([k, v]) => [k, Buffer.from(v)]));
  for (const [k, v] of Object.entries(cm?.binaryData ?? {})) m.set(k, Buffer.from(v, 'base64'));
  return m;
}

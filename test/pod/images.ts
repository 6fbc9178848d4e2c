// The pod sandbox's image table: no container engine runs here, so each image a rendered pod names
// is stood in for by the host's own /usr, /etc and /var (Debian 12) under layers the rig writes,
// each an overlay lower directory (top first). THE table: `IMAGES` below; README.md shows it.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { kubedbReferenceDir } from '../../src/test-support/shared-reference';
import { writeNodeCnf } from './pxc-files';

export interface Tools {
  /** Debian's MariaDB + Galera unpacked (scripts/tools/mariadb.sh): its usr/ becomes a layer. */
  mariadbRoot: string;
  /** tini, mariadb-backup, pv unpacked (scripts/tools/pod-images.sh). */
  podImagesRoot: string;
  tiniStatic: string;
}

export interface ImageContext {
  tools: Tools;
  /** Where the rig writes image layers (inside the node's directory; never committed). */
  layerDir: string;
  /** The built function/watcher/agent bundles (<repo>/dist), the pxc-tls image's /app. */
  pxcTlsDist: string;
}

export interface Layer {
  path: string;
  only?: string[];
}

export interface ResolvedImage {
  ref: string;
  /** Which table row, and what it stands for. */
  row: string;
  standsFor: string;
  /** Layer trees, top first, laid over the host's usr/etc/var (and alone for other top-level dirs);
   * `only` limits a tree to some top-level directories (a Debian package tree's usr/, not its etc/). */
  layers: Layer[];
  /** Host directories bound read-only into the container (source → target). */
  binds: { source: string; target: string }[];
  entrypoint?: string[];
  cmd?: string[];
  env: Record<string, string>;
  /** The image's USER (numeric), when it sets one. */
  user?: number;
  group?: number;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface Row {
  row: string;
  /** The repository (registry/name, no tag) or a test: which image references this row stands in for. */
  matches: (repo: string) => boolean;
  standsFor: string;
  resolve(tag: string, ctx: ImageContext): Omit<ResolvedImage, 'ref' | 'row' | 'standsFor'>;
}

/** THE image table. */
export const IMAGES: Row[] = [
  {
    row: 'kubedb-init',
    matches: (r) => r === 'ghcr.io/kubedb/percona-xtradb-init',
    standsFor:
      "KubeDB's init image (alpine + bash; /tmp/scripts = the repository's scripts/, plus kubedb/tini v0.20.0's static build; ENTRYPOINT /init-script/run.sh). " +
      "Here: the host's Debian with a layer holding ../shared's init-0.2.3/scripts and init-script copied at run time, and Debian's tini-static 0.19.0 as /tmp/scripts/tini",
    resolve: (tag, ctx) => ({ layers: [{ path: initLayer(tag, ctx) }], binds: [], entrypoint: ['/init-script/run.sh'], env: { PATH: DEFAULT_PATH } }),
  },
  {
    row: 'pxc',
    matches: (r) => r === 'ghcr.io/appscode-images/percona-xtradb-cluster' || r === 'percona/percona-xtradb-cluster' || r === 'docker.io/percona/percona-xtradb-cluster',
    standsFor:
      'The PXC image (percona/percona-xtradb-cluster; KubeDB re-tags it with group permissions). Here: MariaDB 10.11 + Galera 26.4 (Debian) at their Debian paths, ' +
      "mariabackup/pv (Debian), and the PXC image's own files the scripts expect (/etc/my.cnf, /etc/mysql/node.cnf, conf dirs, user mysql 1001) with a thin mysqld/mysql wrapper (standin/)",
    resolve: (tag, ctx) => ({
      layers: [{ path: pxcLayer(tag, ctx) }, { path: ctx.tools.podImagesRoot, only: ['usr'] }, { path: ctx.tools.mariadbRoot, only: ['usr'] }],
      binds: [],
      // Percona's /entrypoint.sh is not stood in for: KubeDB overrides it (command: /scripts/tini …).
      entrypoint: ['/entrypoint.sh'],
      cmd: ['mysqld'],
      env: { PATH: DEFAULT_PATH },
      user: 1001,
      group: 1001,
    }),
  },
  {
    row: 'pxc-tls',
    matches: (r) => /(^|\/)pxc-tls$/.test(r),
    standsFor: "The pxc-tls image (Dockerfile: node:26-alpine, /app/*.cjs, USER 65534, ENTRYPOINT node /app/pxc-tls.cjs). Here: the host's node with the repository's dist/ bound read-only at /app",
    resolve: (_tag, ctx) => ({ layers: [], binds: [{ source: ctx.pxcTlsDist, target: '/app' }], entrypoint: ['node', '/app/pxc-tls.cjs'], env: { PATH: DEFAULT_PATH }, user: 65534, group: 65534 }),
  },
  {
    row: 'host',
    matches: (r) => r === 'sandbox.local/host',
    standsFor: "The rig's own test image: the host's Debian as is (no entrypoint; a command is required)",
    resolve: () => ({ layers: [], binds: [], env: { PATH: DEFAULT_PATH } }),
  },
];

/** repository and tag of an image reference (digests are kept in the tag part). */
export function splitRef(ref: string): { repo: string; tag: string } {
  const at = ref.indexOf('@');
  const base = at >= 0 ? ref.slice(0, at) : ref;
  const colon = base.lastIndexOf(':');
  const hasTag = colon > base.lastIndexOf('/');
  return { repo: hasTag ? base.slice(0, colon) : base, tag: hasTag ? base.slice(colon + 1) : at >= 0 ? ref.slice(at + 1) : 'latest' };
}

/** The stand-in for an image reference, or an error naming the table (kubelet's ErrImagePull). */
export function resolveImage(ref: string, ctx: ImageContext): ResolvedImage {
  const { repo, tag } = splitRef(ref);
  const row = IMAGES.find((r) => r.matches(repo));
  if (!row) throw new Error(`image ${ref} has no stand-in in the sandbox image table (test/pod/images.ts: ${IMAGES.map((r) => r.row).join(', ')})`);
  return { ref, row: row.row, standsFor: row.standsFor, ...row.resolve(tag, ctx) };
}

// ---- layers ---------------------------------------------------------------------------------------

function once(dir: string, build: (dir: string) => void): string {
  if (existsSync(join(dir, '.complete'))) return dir;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  build(dir);
  writeFileSync(join(dir, '.complete'), '');
  return dir;
}

function mkdirOwned(path: string, uid: number, gid: number, mode: number): void {
  mkdirSync(path, { recursive: true });
  chownSync(path, uid, gid);
  chmodSync(path, mode);
}

/** init image: /tmp/scripts (../shared's init-0.2.3/scripts + tini), /init-script/run.sh. */
function initLayer(tag: string, ctx: ImageContext): string {
  return once(join(ctx.layerDir, `kubedb-init-${tag}`), (dir) => {
    const src = join(kubedbReferenceDir(), `init-${tag}`);
    if (!existsSync(src)) throw new Error(`no init scripts for ${tag} under ../shared (${src})`);
    mkdirSync(join(dir, 'tmp', 'scripts'), { recursive: true, mode: 0o755 });
    mkdirSync(join(dir, 'init-script'), { recursive: true, mode: 0o755 });
    // COPY scripts /tmp/scripts, COPY init-script /init-script: the files as published, modes 0755.
    for (const f of readdirSync(join(src, 'scripts'))) install(join(src, 'scripts', f), join(dir, 'tmp', 'scripts', f), 0o755);
    install(join(src, 'init-script', 'run.sh'), join(dir, 'init-script', 'run.sh'), 0o755);
    install(ctx.tools.tiniStatic, join(dir, 'tmp', 'scripts', 'tini'), 0o755);
  });
}

/** The PXC image's own files (PD Dockerfile + APPIMG: /etc/mysql owned by mysql, group 0, g=u). */
function pxcLayer(version: string, ctx: ImageContext): string {
  return once(join(ctx.layerDir, `pxc-${version}`), (dir) => {
    const [uid, gid] = [1001, 0];
    mkdirOwned(join(dir, 'etc', 'mysql', 'conf.d'), uid, gid, 0o775);
    chownSync(join(dir, 'etc', 'mysql'), uid, gid);
    chmodSync(join(dir, 'etc', 'mysql'), 0o775);
    chmodSync(join(dir, 'etc'), 0o755);
    mkdirOwned(join(dir, 'etc', 'percona-xtradb-cluster.conf.d'), uid, gid, 0o775);
    symlinkSync('/etc/mysql/conf.d', join(dir, 'etc', 'my.cnf.d'));
    writeFileSync(join(dir, 'etc', 'my.cnf'), '!include /etc/mysql/node.cnf\n!includedir /etc/my.cnf.d/\n!includedir /etc/percona-xtradb-cluster.conf.d/\n', { mode: 0o644 });
    writeNodeCnf(join(dir, 'etc', 'mysql', 'node.cnf'), version);
    chownSync(join(dir, 'etc', 'mysql', 'node.cnf'), uid, gid);
    chmodSync(join(dir, 'etc', 'mysql', 'node.cnf'), 0o664);
    // groupadd -g 1001 mysql; useradd -u 1001 … mysql
    writeFileSync(join(dir, 'etc', 'passwd'), `${readFileSync('/etc/passwd', 'utf8').trimEnd()}\nmysql:x:1001:1001:Default Application User:/home/mysql:/sbin/nologin\n`, { mode: 0o644 });
    writeFileSync(join(dir, 'etc', 'group'), `${readFileSync('/etc/group', 'utf8').trimEnd()}\nmysql:x:1001:\n`, { mode: 0o644 });
    for (const d of ['var/lib/mysql', 'var/log/mysql', 'docker-entrypoint-initdb.d']) mkdirOwned(join(dir, d), uid, gid, 0o775);
    chmodSync(join(dir, 'var'), 0o755);
    chmodSync(join(dir, 'var', 'lib'), 0o755);
    chmodSync(join(dir, 'var', 'log'), 0o755);
    // The stand-in's wrappers (standin/) and the version they report.
    mkdirSync(join(dir, 'usr', 'sbin'), { recursive: true, mode: 0o755 });
    mkdirSync(join(dir, 'usr', 'bin'), { recursive: true, mode: 0o755 });
    mkdirSync(join(dir, 'usr', 'share', 'pxc-standin'), { recursive: true, mode: 0o755 });
    install(resolve(__dirname, 'standin', 'mysqld'), join(dir, 'usr', 'sbin', 'mysqld'), 0o755);
    install(resolve(__dirname, 'standin', 'mysql'), join(dir, 'usr', 'bin', 'mysql'), 0o755);
    writeFileSync(join(dir, 'usr', 'share', 'pxc-standin', 'version'), `${pxcVersionString(version)}\n`, { mode: 0o644 });
  });
}

/** `mysqld -V` field 3 of the PXC release behind a catalog version (PD Dockerfiles' PXC_VERSION). */
export function pxcVersionString(version: string): string {
  return ({ '8.4.3': '8.4.3-3.1', '8.0.40': '8.0.40-31.1', '5.7.44': '5.7.44-31.65' } as Record<string, string>)[version] ?? version;
}

function install(src: string, dst: string, mode: number): void {
  copyFileSync(src, dst);
  chmodSync(dst, mode);
}

/** The host's top-level entries a container sees: usr/etc/var as overlays, the merged-/usr symlinks. */
export function hostBase(): { overlays: string[]; symlinks: [string, string][] } {
  const symlinks: [string, string][] = [];
  for (const name of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) {
    try {
      symlinks.push([name, execFileSync('readlink', [`/${name}`]).toString().trim()]);
    } catch {
      /* not a symlink here */
    }
  }
  return { overlays: ['usr', 'etc', 'var'], symlinks };
}

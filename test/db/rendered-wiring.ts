// From the function's rendered ResourceList to a running server's options: the database tests take
// the TLS wiring from what `node dist/pxc-tls.cjs` emits — the StatefulSet's container args, its
// volumes and mounts, the exporter ConfigMap — never from a copy in the test. Every mount path is
// mapped to a temporary directory filled from the issued Secrets (or the rendered ConfigMaps), and
// the args are turned into mariadbd options, translating only what MariaDB or a shared loopback
// needs to differ (see toMariadbdOptions).
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { REPO_ROOT } from './mariadb';
import { AGENT_IMAGE } from '../../src/test-support/fixtures';
import { SERVED_TLS_VOLUME, TRUST_VOLUME } from '../../src/model/project';

export type KObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: any;
};

export const FUNCTION_PATH = join(REPO_ROOT, 'dist', 'pxc-tls.cjs');

export interface RenderResult {
  items: KObject[];
  results: unknown[];
  stderr: string;
}

/** Runs the built function on a ResourceList made of `items`, as kpt would (stdin → stdout). */
export function render(items: object[]): Promise<RenderResult> {
  if (!existsSync(FUNCTION_PATH)) throw new Error(`${FUNCTION_PATH} does not exist: run \`npm run build\` first`);
  // No anchors/aliases across items (the function rejects an alias whose anchor is in another item).
  // Standalone mode needs the agent's image (images.agent); the tests render as a user's config would.
  const functionConfig = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'function-input' }, data: { 'images.agent': AGENT_IMAGE } };
  const input = stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items, functionConfig }, { aliasDuplicateObjects: false });
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [FUNCTION_PATH], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', rej);
    p.on('close', (code) => {
      if (code !== 0) return rej(new Error(`pxc-tls exited ${code}:\n${err}\n${out}`));
      const list = parse(out) as { kind?: string; items?: KObject[]; results?: unknown[] };
      if (list?.kind !== 'ResourceList' || !Array.isArray(list.items)) return rej(new Error(`pxc-tls did not write a ResourceList:\n${out}`));
      res({ items: list.items, results: list.results ?? [], stderr: err });
    });
    p.stdin.end(input);
  });
}

// ---- what the rendered list holds for one database -----------------------------------------------

export interface DatabaseObjects {
  statefulSet: KObject;
  certificates: KObject[];
  configMaps: KObject[];
  secrets: KObject[];
}

/** The objects rendered for database `name`: its StatefulSet, the Certificates of its namespace that
 * its pods mount or that are named after it, and the ConfigMaps and Secrets its pods mount. */
export function databaseObjects(items: KObject[], name: string, namespace: string): DatabaseObjects {
  const inNs = (o: KObject) => (o.metadata.namespace ?? 'default') === namespace;
  const sts = items.find((o) => o.apiVersion === 'apps/v1' && o.kind === 'StatefulSet' && o.metadata.name === name && inNs(o));
  if (!sts) throw new Error(`no apps/v1 StatefulSet ${namespace}/${name} in the rendered list (kinds: ${[...new Set(items.map((i) => i.kind))].join(', ')})`);
  const volumes: any[] = sts.spec?.template?.spec?.volumes ?? [];
  const secretNames = new Set<string>();
  const configMapNames = new Set<string>();
  for (const v of volumes) {
    for (const src of [v, ...(v.projected?.sources ?? [])]) {
      if (src.secret?.secretName) secretNames.add(src.secret.secretName);
      if (src.secret?.name) secretNames.add(src.secret.name);
      if (src.configMap?.name) configMapNames.add(src.configMap.name);
    }
  }
  // The Certificates whose Secrets the pods mount, and the others rendered for this database.
  const certificates = items.filter(
    (o) => o.kind === 'Certificate' && o.apiVersion.startsWith('cert-manager.io/') && inNs(o) && (secretNames.has(o.spec?.secretName) || o.metadata.name.startsWith(`${name}-`)),
  );
  return {
    statefulSet: sts,
    certificates,
    configMaps: items.filter((o) => o.apiVersion === 'v1' && o.kind === 'ConfigMap' && inNs(o) && configMapNames.has(o.metadata.name)),
    secrets: items.filter((o) => o.apiVersion === 'v1' && o.kind === 'Secret' && inNs(o) && secretNames.has(o.metadata.name)),
  };
}

export interface ContainerWiring {
  container: string;
  args: string[];
  command: string[];
  mounts: { name: string; mountPath: string; subPath?: string }[];
  volumes: Map<string, any>;
  /** Names of the StatefulSet's volumeClaimTemplates (PVC-backed mounts such as the datadir). */
  claims: Set<string>;
}

export function containerWiring(sts: KObject, containerName: string): ContainerWiring {
  const podSpec = sts.spec?.template?.spec ?? {};
  const c = [...(podSpec.containers ?? []), ...(podSpec.initContainers ?? [])].find((x: any) => x.name === containerName);
  if (!c) throw new Error(`StatefulSet ${sts.metadata.name} has no container ${containerName}`);
  return {
    container: containerName,
    args: (c.args ?? []).map(String),
    command: (c.command ?? []).map(String),
    mounts: (c.volumeMounts ?? []).map((m: any) => ({ name: m.name, mountPath: m.mountPath, ...(m.subPath ? { subPath: m.subPath } : {}) })),
    volumes: new Map((podSpec.volumes ?? []).map((v: any) => [v.name, v])),
    claims: new Set((sts.spec?.volumeClaimTemplates ?? []).map((t: any) => t.metadata?.name)),
  };
}

// ---- mounts → temporary directories --------------------------------------------------------------

export interface Sources {
  /** Secret data by Secret name (the issued ca.crt/tls.crt/tls.key). */
  secrets: Map<string, Record<string, Buffer>>;
  /** ConfigMap data by name, from the rendered list. */
  configMaps: Map<string, Record<string, string>>;
}

export interface MountMap {
  /** Container path → host path; throws for a path no mount provides. */
  map(containerPath: string): string;
  /** Mount path → host directory (or file, for subPath mounts). */
  entries: Map<string, string>;
  /** Host directory of a volume, by volume name. */
  volumeDir(volumeName: string): string;
}

/** Creates one directory per mounted volume under `root`, filled as the kubelet would fill it from the
 * given sources (Secret/ConfigMap `items` honoured; emptyDir and PVC-backed mounts stay empty), and
 * returns the container-path → host-path mapping. Files are 0644, like a Secret volume's default. */
export function materializeMounts(w: ContainerWiring, root: string, sources: Sources): MountMap {
  const entries = new Map<string, string>();
  const volumeDirs = new Map<string, string>();
  for (const m of w.mounts) {
    const vdir = join(root, w.container, m.name);
    if (!volumeDirs.has(m.name)) {
      mkdirSync(vdir, { recursive: true, mode: 0o755 });
      const volume = w.volumes.get(m.name);
      if (volume) fillVolume(vdir, volume, sources);
      else if (!w.claims.has(m.name)) throw new Error(`${w.container}: mount ${m.name} names no volume and no volumeClaimTemplate`);
      volumeDirs.set(m.name, vdir);
    }
    entries.set(m.mountPath.replace(/\/+$/, ''), m.subPath ? join(vdir, m.subPath) : vdir);
  }
  return {
    entries,
    volumeDir(name) {
      const d = volumeDirs.get(name);
      if (!d) throw new Error(`volume ${name} is not mounted in ${w.container}`);
      return d;
    },
    map(p) {
      let best: [string, string] | undefined;
      for (const [mp, host] of entries) {
        if ((p === mp || p.startsWith(`${mp}/`)) && (!best || mp.length > best[0].length)) best = [mp, host];
      }
      if (!best) throw new Error(`${w.container}: ${p} is under no volume mount (mounts: ${[...entries.keys()].join(', ')})`);
      return best[1] + p.slice(best[0].length);
    },
  };
}

function fillVolume(dir: string, volume: any, sources: Sources): void {
  const projections: any[] = volume.projected ? volume.projected.sources ?? [] : [volume];
  for (const src of projections) {
    let data: Record<string, Buffer | string> | undefined;
    let items: { key: string; path: string }[] | undefined;
    if (src.secret) {
      const name = src.secret.secretName ?? src.secret.name;
      data = sources.secrets.get(name);
      if (!data) throw new Error(`no issued Secret ${name} for volume ${volume.name}`);
      items = src.secret.items;
    } else if (src.configMap) {
      data = sources.configMaps.get(src.configMap.name);
      if (!data) throw new Error(`no ConfigMap ${src.configMap.name} for volume ${volume.name}`);
      items = src.configMap.items;
    } else {
      continue; // emptyDir, persistentVolumeClaim, downwardAPI...: nothing to fill here.
    }
    const pairs = items ? items.map((i) => [i.key, i.path] as const) : Object.keys(data).map((k) => [k, k] as const);
    for (const [key, path] of pairs) {
      const v = data[key];
      if (v === undefined) throw new Error(`volume ${volume.name}: key ${key} missing from its source`);
      const file = join(dir, path);
      mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
      writeFileSync(file, v, { mode: 0o644 });
    }
  }
}

// ---- THE AGENT'S STAND-IN: the copies mysqld, Galera and the exporter load -----------------------

/**
 * STANDS IN FOR THE AGENT, for tests where the agent is not what is under test. In standalone mode
 * mysqld and Galera load the served leaf (tls.crt, tls.key) and the trust bundle (ca.crt) from two
 * emptyDirs the in-pod agent fills after verifying the server Secret (src/model/project.ts);
 * materializeMounts leaves emptyDirs empty, as the kubelet does. This copies the server Secret's
 * files into every given container's copy of those volumes — as the agent does at start, but
 * WITHOUT its checks: whatever the Secret holds (a rogue node's certificate too) is what the server
 * then loads, which is what a node not run by pxc-tls's agent would do. Written under a temporary
 * name and renamed, so a reader never sees half a file. Tests of the agent itself must not use it.
 */
export function agentStandInCopies(serverSecretDir: string, containers: ReadonlyArray<{ wiring: ContainerWiring; mounts: MountMap }>): void {
  for (const { wiring, mounts } of containers) {
    const mounted = new Set(wiring.mounts.map((m) => m.name));
    const copies: Array<[string, string[]]> = [[SERVED_TLS_VOLUME, ['tls.crt', 'tls.key']], [TRUST_VOLUME, ['ca.crt']]];
    for (const [volume, files] of copies) {
      if (!mounted.has(volume)) continue;
      const dir = mounts.volumeDir(volume);
      for (const file of files) {
        copyFileSync(join(serverSecretDir, file), join(dir, `.${file}.stand-in`));
        renameSync(join(dir, `.${file}.stand-in`), join(dir, file));
      }
    }
  }
}

// ---- args → mariadbd options -----------------------------------------------------------------------

export interface Translation {
  rendered: string;
  mariadbd: string;
  why: string;
}

export interface MariadbdWiring {
  /** Options for mariadbd, paths mapped (the provider options are separate: see below). */
  options: string[];
  /** `--wsrep-provider-options` from the rendered args, parsed, paths mapped. mariadb.ts appends the
   * loopback listener addresses and passes them only to Galera nodes. */
  providerOptions: [string, string][];
  translations: Translation[];
}

// Options of PXC that MariaDB does not know. None is rendered today; should one appear, it is
// dropped here (and listed in the translations) instead of failing mariadbd's start-up.
const PXC_ONLY = new Set(['pxc-encrypt-cluster-traffic', 'pxc-strict-mode', 'pxc-maint-mode', 'pxc-maint-transition-period']);

/**
 * The mysqld options in the DB container's args: KubeDB's contract gives run.sh ONE argument, the
 * options joined by spaces, which the init scripts pass on unquoted (so the shell splits them).
 */
export function mysqldOptionsOf(args: string[]): string[] {
  if (args[0] !== '/scripts/run.sh') return args;
  return args.slice(1).flatMap((joined) => joined.split(/\s+/).filter(Boolean));
}

/** Turns the DB container's rendered args into mariadbd options. Same option names: MariaDB reads
 * ssl-capath/ssl-ca/ssl-cert/ssl-key, require-secure-transport and wsrep-provider-options as PXC does.
 * What changes: every path under a volume mount is mapped to its temporary directory; the provider
 * options are split out (Galera nodes get them with loopback listener ports added, see mariadb.ts);
 * PXC-only options are dropped. A non-option arg (a script) or an unmapped path is an error. */
export function toMariadbdOptions(rendered: string[], mounts: MountMap): MariadbdWiring {
  const args = mysqldOptionsOf(rendered);
  const options: string[] = [];
  let providerOptions: [string, string][] = [];
  const translations: Translation[] = [];
  const mapValue = (v: string) => (v.startsWith('/') ? mounts.map(v) : v);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) throw new Error(`rendered arg ${JSON.stringify(arg)} is not a mysqld option`);
    let [name, value] = splitOption(arg);
    // `--opt value` (two args) is accepted by mysqld as well.
    if (value === undefined && i + 1 < args.length && !args[i + 1]!.startsWith('--')) value = args[++i]!;
    const key = name.replace(/_/g, '-');
    if (PXC_ONLY.has(key)) {
      translations.push({ rendered: arg, mariadbd: '(dropped)', why: 'PXC-only option, unknown to MariaDB' });
      continue;
    }
    if (key === 'wsrep-provider-options') {
      providerOptions = parseProviderOptions(unquote(value ?? '')).map(([k, v]) => [k, mapValue(v)]);
      translations.push({
        rendered: arg,
        mariadbd: `--wsrep-provider-options=${providerOptions.map(([k, v]) => `${k}=${v}`).join(';')};gmcast.listen_addr=…;ist.recv_addr=…`,
        why: 'paths mapped; Galera nodes on one loopback need their own listener ports (appended)',
      });
      continue;
    }
    const out = value === undefined ? `--${name}` : `--${name}=${mapValue(unquote(value))}`;
    options.push(out);
    translations.push({ rendered: arg, mariadbd: out, why: out === arg ? 'unchanged' : 'mount path mapped to the temporary directory' });
  }
  return { options, providerOptions, translations };
}

function splitOption(arg: string): [string, string | undefined] {
  const body = arg.slice(2);
  const i = body.indexOf('=');
  return i < 0 ? [body, undefined] : [body.slice(0, i), body.slice(i + 1)];
}

function unquote(v: string): string {
  return /^'.*'$|^".*"$/.test(v) ? v.slice(1, -1) : v;
}

/** Galera's `k=v;k=v` list (spaces around the separators allowed). */
export function parseProviderOptions(text: string): [string, string][] {
  return text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const i = s.indexOf('=');
      if (i < 0) throw new Error(`provider option ${JSON.stringify(s)} has no value`);
      return [s.slice(0, i).trim(), s.slice(i + 1).trim()];
    });
}

// ---- the exporter's my.cnf --------------------------------------------------------------------------

/** Parses a my.cnf into sections (order kept). */
export function parseCnf(text: string): Map<string, [string, string | undefined][]> {
  const sections = new Map<string, [string, string | undefined][]>();
  let cur: [string, string | undefined][] | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const m = /^\[(.+)\]$/.exec(line);
    if (m) {
      cur = [];
      sections.set(m[1]!.trim(), cur);
      continue;
    }
    if (!cur) throw new Error(`my.cnf line outside a section: ${line}`);
    const i = line.indexOf('=');
    cur.push(i < 0 ? [line, undefined] : [line.slice(0, i).trim(), unquote(line.slice(i + 1).trim())]);
  }
  return sections;
}

/** The rendered exporter.cnf with its paths mapped into the exporter container's mounts and the
 * server port replaced by the test server's (the pod's mysqld listens on 3306; here, a free port).
 * Everything else — host, the ssl-* keys, whatever else the function writes — is kept. */
export function mapExporterCnf(text: string, mounts: MountMap, port: number): { text: string; translations: Translation[] } {
  const translations: Translation[] = [];
  const out: string[] = [];
  for (const [section, kvs] of parseCnf(text)) {
    out.push(`[${section}]`);
    for (const [k, v] of kvs) {
      let nv = v;
      if (k === 'port' && v !== undefined) nv = String(port);
      else if (v?.startsWith('/')) nv = mounts.map(v);
      if (nv !== v) translations.push({ rendered: `${k}=${v}`, mariadbd: `${k}=${nv}`, why: k === 'port' ? 'free loopback port' : 'mount path mapped' });
      out.push(nv === undefined ? k : `${k}=${nv}`);
    }
  }
  return { text: `${out.join('\n')}\n`, translations };
}

// Glue for the database tests: render PerconaXtraDB objects with the built function, issue their
// Certificates (issuer.ts), lay out each container's mounts in a temporary directory and translate
// the DB container's args (rendered-wiring.ts), ready for mariadb.ts to start servers with.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { ensureMariaDB, scratch, type MariaDBInstall, type Scratch } from './mariadb';
import { makeIssuer, type Issuer, type SecretData } from './issuer';
import {
  agentStandInCopies,
  containerWiring,
  databaseObjects,
  mapExporterCnf,
  materializeMounts,
  render,
  toMariadbdOptions,
  FUNCTION_PATH,
  type ContainerWiring,
  type DatabaseObjects,
  type KObject,
  type MariadbdWiring,
  type MountMap,
  type RenderResult,
  type Translation,
} from './rendered-wiring';

// Contract with the function: the DB container, the exporter sidecar, the alias → Certificate name.
export const DB_CONTAINER = 'perconaxtradb';
export const EXPORTER_CONTAINER = 'exporter';
export const NAMESPACE = 'demo';
export const ISSUER_REF = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'px-issuer' };

export interface DbInput {
  name: string;
  requireSSL: boolean;
  monitor?: boolean;
  /** spec.tls.certificates, e.g. an issuer of the server certificate's own. */
  certificates?: object[];
}

/** A PerconaXtraDB as a user would write it (the KubeDB TLS guide's example, trimmed). */
export function perconaXtraDB(d: DbInput): object {
  return {
    apiVersion: 'kubedb.com/v1',
    kind: 'PerconaXtraDB',
    metadata: { name: d.name, namespace: NAMESPACE },
    spec: {
      version: '8.4.3',
      replicas: 3,
      storageType: 'Durable',
      storage: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      requireSSL: d.requireSSL,
      tls: { issuerRef: ISSUER_REF, ...(d.certificates ? { certificates: d.certificates } : {}) },
      ...(d.monitor ? { monitor: { agent: 'prometheus.io/builtin' } } : {}),
      deletionPolicy: 'WipeOut',
    },
  };
}

export interface Suite {
  install: MariaDBInstall;
  scratch: Scratch;
  rendered: RenderResult;
  /** The issuer of the rendered issuerRef, and a second one with another CA (for the negative tests). */
  issuer: Issuer;
  otherIssuer: Issuer;
  /** The issuer of any issuerRef name the databases use (ISSUER_REF's is `issuer`), each with its own CA. */
  issuerFor(name: string): Issuer;
  log(line: string): void;
  db(name: string): Database;
  cleanup(): void;
}

export interface Database {
  name: string;
  objects: DatabaseObjects;
  /** Certificate rendered for an alias (`<db>-<alias>-cert`). */
  certificate(alias: string): KObject;
  secrets: Map<string, SecretData>;
  otherSecrets: Map<string, SecretData>;
  /**
   * Lays out one pod's mounts (from `secrets`, the other CA's, or the given ones) and translates the
   * DB args. The copies mysqld, Galera and the exporter load (the served leaf, the trust bundle) are
   * laid out by the agent's stand-in (rendered-wiring.ts agentStandInCopies), at start and at each
   * replaceCert of the server certificate — unless `agent: 'under test'`: then they stay empty, as
   * the kubelet leaves them, for the agent under test to fill.
   */
  pod(podName: string, opts?: { otherCA?: boolean; secrets?: Map<string, SecretData>; agent?: 'stand-in' | 'under test' }): Pod;
}

export interface Pod {
  root: string;
  db: ContainerWiring;
  dbMounts: MountMap;
  mysqld: MariadbdWiring;
  exporter?: { wiring: ContainerWiring; mounts: MountMap };
  /** Host paths of the files of a certificate alias as mounted in a container (DB, else exporter). */
  certFiles(alias: string): { dir: string; ca: string; cert: string; key: string };
  /** The exporter's rendered my.cnf, mapped and pointed at `port`; written to a file. */
  exporterCnf(port: number): { path: string; translations: Translation[] };
  /** Replaces a certificate's files in place in every mount of this pod (write + rename, as atomic as
   * the kubelet's symlink swap), e.g. after a renewal; for the server certificate, the agent's
   * stand-in then copies them (unless the agent is under test). */
  replaceCert(alias: string, data: SecretData): void;
}

/** Installs MariaDB, renders `dbs` with the built function and issues their Certificates twice: with
 * the issuer (cert-manager or local CA) and with another CA. */
export async function setupSuite(label: string, dbs: DbInput[]): Promise<Suite> {
  const t0 = Date.now();
  const lines: string[] = [];
  const log = (l: string) => {
    lines.push(l);
    process.stderr.write(`[db:${label}] ${l}\n`);
  };
  const install = await ensureMariaDB();
  log(`MariaDB ${install.packageVersion} + galera-4 ${install.galeraPackageVersion} (${install.mode}) — stands in for Percona XtraDB Cluster (no Debian package)`);
  const sc = scratch(`pxc-db-${label}-`);
  try {
    // The package as a user would keep it: the Issuer the databases name, and the databases.
    // Every Issuer the databases name (ISSUER_REF, and any certificate's own issuerRef).
    const issuerNames = [...new Set([ISSUER_REF.name, ...dbs.flatMap((d) => (d.certificates ?? []).map((c: any) => c.issuerRef?.name).filter(Boolean))])];
    const issuerObjects = issuerNames.map((name) => ({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Issuer',
      metadata: { name, namespace: NAMESPACE },
      spec: { ca: { secretName: `${name}-ca` } },
    }));
    const rendered = await render([...issuerObjects, ...dbs.map(perconaXtraDB)]);
    log(`rendered by ${FUNCTION_PATH.slice(FUNCTION_PATH.lastIndexOf('dist/'))}: ${rendered.items.length} objects`);
    const issuer = await makeIssuer(sc.dir, 'main', ISSUER_REF);
    const otherIssuer = await makeIssuer(sc.dir, 'other', ISSUER_REF);
    const issuers = new Map<string, Issuer>([[ISSUER_REF.name, issuer]]);
    for (const name of issuerNames.slice(1)) issuers.set(name, await makeIssuer(sc.dir, name, { ...ISSUER_REF, name }));
    log(`certificates: ${issuer.description}`);
    for (const name of issuerNames.slice(1)) log(`certificates of issuerRef ${name}: ${issuers.get(name)!.description}`);
    log(`other CA (negative tests): ${otherIssuer.description}`);
    const issuerFor = (name: string) => {
      const found = issuers.get(name);
      if (!found) throw new Error(`no issuer ${name} (have ${[...issuers.keys()].join(', ')})`);
      return found;
    };

    const databases = new Map<string, Database>();
    for (const d of dbs) {
      const objects = databaseObjects(rendered.items, d.name, NAMESPACE);
      if (objects.certificates.length === 0) throw new Error(`no Certificates rendered for ${d.name}`);
      // Each Certificate from the issuer it names, as cert-manager would; the other CA signs only
      // those of ISSUER_REF (the negative tests' "a CA nobody trusts").
      const secrets = new Map<string, SecretData>();
      for (const name of issuerNames) {
        const named = objects.certificates.filter((c) => (c.spec?.issuerRef?.name ?? ISSUER_REF.name) === name);
        if (named.length) for (const [k, v] of await issuerFor(name).issue(named)) secrets.set(k, v);
      }
      const otherSecrets = await otherIssuer.issue(objects.certificates.filter((c) => (c.spec?.issuerRef?.name ?? ISSUER_REF.name) === ISSUER_REF.name));
      databases.set(d.name, makeDatabase(sc, d.name, objects, secrets, otherSecrets));
    }
    log(`rendered, issued and laid out in ${Date.now() - t0} ms`);
    return {
      install,
      scratch: sc,
      rendered,
      issuer,
      otherIssuer,
      issuerFor,
      log,
      db(name) {
        const d = databases.get(name);
        if (!d) throw new Error(`no database ${name}`);
        return d;
      },
      cleanup: () => sc.remove(),
    };
  } catch (e) {
    sc.remove();
    throw e;
  }
}

function makeDatabase(sc: Scratch, name: string, objects: DatabaseObjects, secrets: Map<string, SecretData>, otherSecrets: Map<string, SecretData>): Database {
  const certificate = (alias: string) => {
    const c = objects.certificates.find((x) => x.metadata.name === `${name}-${alias}-cert`);
    if (!c) throw new Error(`no Certificate ${name}-${alias}-cert rendered (have ${objects.certificates.map((x) => x.metadata.name).join(', ')})`);
    return c;
  };
  const configMaps = new Map(objects.configMaps.map((c) => [c.metadata.name, (c.data ?? {}) as Record<string, string>]));
  return {
    name,
    objects,
    certificate,
    secrets,
    otherSecrets,
    pod(podName, opts = {}) {
      const root = sc.sub(`${podName}-mounts`);
      const sources = { secrets: opts.secrets ?? (opts.otherCA ? otherSecrets : secrets), configMaps };
      const db = containerWiring(objects.statefulSet, DB_CONTAINER);
      const dbMounts = materializeMounts(db, root, sources);
      const mysqld = toMariadbdOptions(db.args, dbMounts);
      const hasExporter = (objects.statefulSet.spec?.template?.spec?.containers ?? []).some((c: any) => c.name === EXPORTER_CONTAINER);
      let exporter: Pod['exporter'];
      if (hasExporter) {
        const wiring = containerWiring(objects.statefulSet, EXPORTER_CONTAINER);
        exporter = { wiring, mounts: materializeMounts(wiring, root, sources) };
      }
      const mountsOf = (alias: string) => {
        const secretName = certificate(alias).spec.secretName;
        const out: { container: ContainerWiring; mounts: MountMap; path: string; volume: string }[] = [];
        for (const [w, m] of [[db, dbMounts], ...(exporter ? [[exporter.wiring, exporter.mounts]] : [])] as [ContainerWiring, MountMap][]) {
          for (const mount of w.mounts) {
            const v = w.volumes.get(mount.name);
            const srcs = v?.projected ? v.projected.sources : [v];
            if (srcs.some((s: any) => s?.secret && (s.secret.secretName ?? s.secret.name) === secretName)) {
              out.push({ container: w, mounts: m, path: mount.mountPath, volume: mount.name });
            }
          }
        }
        if (!out.length) throw new Error(`Secret ${secretName} (${alias}) is mounted in no container`);
        return out;
      };
      // THE AGENT'S STAND-IN (not the agent): copies the server Secret as mounted into the served
      // leaf and trust bundle volumes, unchecked (rendered-wiring.ts).
      const standIn = (opts.agent ?? 'stand-in') === 'stand-in';
      const copyServed = () => {
        const server = mountsOf('server')[0]!;
        agentStandInCopies(server.mounts.map(server.path), [{ wiring: db, mounts: dbMounts }, ...(exporter ? [exporter] : [])]);
      };
      if (standIn) copyServed();
      return {
        root,
        db,
        dbMounts,
        mysqld,
        ...(exporter ? { exporter } : {}),
        certFiles(alias) {
          const m = mountsOf(alias)[0]!;
          const dir = m.mounts.map(m.path);
          // The files the Secret volume holds under their projected names (items), for ca/tls.crt/tls.key.
          return { dir, ca: m.mounts.map(`${m.path}/ca.crt`), cert: m.mounts.map(`${m.path}/tls.crt`), key: m.mounts.map(`${m.path}/tls.key`) };
        },
        exporterCnf(port) {
          if (!exporter) throw new Error(`${name}: no ${EXPORTER_CONTAINER} container rendered`);
          const cnfMount = exporter.wiring.mounts.find((m) => {
            const v = exporter!.wiring.volumes.get(m.name);
            return v?.configMap || v?.projected?.sources?.some((s: any) => s.configMap);
          });
          if (!cnfMount) throw new Error(`${name}: the exporter mounts no ConfigMap`);
          const dir = exporter.mounts.volumeDir(cnfMount.name);
          const [file, text] = [...readDir(dir)].find(([f]) => f.endsWith('.cnf')) ?? [];
          if (!file || text === undefined) throw new Error(`${name}: no *.cnf in the exporter config volume`);
          const mapped = mapExporterCnf(text, exporter.mounts, port);
          const path = join(root, `exporter-${port}.cnf`);
          writeFileSync(path, mapped.text, { mode: 0o600 });
          return { path, translations: mapped.translations };
        },
        replaceCert(alias, data) {
          for (const m of mountsOf(alias)) {
            const v = m.container.volumes.get(m.volume);
            const src = (v.projected ? v.projected.sources : [v]).find((s: any) => s?.secret);
            const items: { key: string; path: string }[] = src.secret.items ?? Object.keys(data).map((k) => ({ key: k, path: k }));
            for (const { key, path } of items) {
              const file = m.mounts.map(`${m.path}/${path}`);
              writeFileSync(`${file}.new`, data[key]!, { mode: 0o644 });
              renameSync(`${file}.new`, file);
            }
          }
          if (standIn && certificate(alias).spec.secretName === certificate('server').spec.secretName) copyServed();
        },
      };
    },
  };
}

function readDir(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

// ---- certificates on the wire ---------------------------------------------------------------------

function opensslRun(args: string[], input?: string | Buffer, timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = execFile('openssl', args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      res({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
    p.stdin?.end(input ?? '');
  });
}

/** SHA-256 fingerprint of a PEM certificate (the first one in the text). */
export async function fingerprint(pem: string | Buffer): Promise<string> {
  const r = await opensslRun(['x509', '-noout', '-fingerprint', '-sha256'], pem);
  if (r.code !== 0) throw new Error(`not a certificate: ${r.stderr}`);
  return r.stdout.trim().replace(/^.*=/, '');
}

/** The subject as MariaDB's REQUIRE SUBJECT spells it (X509_NAME_oneline: /O=…/CN=…). */
export async function subjectOneline(pem: string | Buffer): Promise<string> {
  const r = await opensslRun(['x509', '-noout', '-subject', '-nameopt', 'compat'], pem);
  if (r.code !== 0) throw new Error(`not a certificate: ${r.stderr}`);
  return r.stdout.trim().replace(/^subject=\s*/, '');
}

/** The certificate a server presents to a new TLS connection: MySQL protocol (STARTTLS-like
 * upgrade) for a SQL port, plain TLS for a Galera port (which also wants a client certificate). */
export async function servedCertificate(port: number, kind: 'mysql' | 'galera', client?: { cert: string; key: string }): Promise<string> {
  await new Promise<void>((res, rej) => {
    const s = connect(port, '127.0.0.1', () => { s.destroy(); res(); });
    s.on('error', rej);
  });
  const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-showcerts', ...(kind === 'mysql' ? ['-starttls', 'mysql'] : [])];
  if (client) args.push('-cert', client.cert, '-key', client.key);
  const r = await opensslRun(args, '');
  const m = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(r.stdout);
  if (!m) throw new Error(`no certificate served on ${kind} port ${port}: ${r.stderr.split('\n').slice(-5).join(' ')}`);
  return fingerprint(m[0]);
}

/** Logs the translation table once (paths and option names only, never key material). */
export function logTranslations(suite: Suite, title: string, t: Translation[]): void {
  const short = (s: string) => s.split(suite.scratch.dir).join('$TMP');
  suite.log(`${title}:`);
  for (const x of t) suite.log(`  ${x.rendered}\n      -> ${short(x.mariadbd)}   (${x.why})`);
}

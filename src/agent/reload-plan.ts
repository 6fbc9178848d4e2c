/**
 * Which statements reload the server certificate on which channel, for the facts the running
 * server gives about itself (`SELECT VERSION(), @@version_comment`, `wsrep_provider_options`, the
 * admin interface's own TLS settings). Pure: facts in, a plan out. Sources:
 * `../shared/reference/galera-operations.md` §5 and docs/rotation.md "What each server can reload".
 *  - MariaDB ≥ 10.4.1: `FLUSH SSL` (RELOAD); from 10.4.19 / 10.5.10 it also triggers Galera's
 *    `socket.ssl_reload` (MDEV-22668), so no second statement there.
 *  - MySQL / PXC ≥ 8.0.16: `ALTER INSTANCE RELOAD TLS` (CONNECTION_ADMIN); the admin interface
 *    (≥ 8.0.21) needs `FOR CHANNEL mysql_admin` only when it has settings of its own.
 *  - Galera: `SET GLOBAL wsrep_provider_options='socket.ssl_reload=1'` (SUPER) only when the
 *    running provider lists `socket.ssl_reload` (Galera ≥ 26.4.8; whether PXC's bundled Galera has
 *    it is not documented). Galera 3 (PXC 5.7) has none: that channel needs a restart.
 */

export type Channel = 'sql' | 'admin' | 'galera';

export interface ServerFacts {
  /** `SELECT VERSION()`: `10.11.19-MariaDB-0+deb12u1`, `8.0.36-28.1`, `5.7.44-31.65-log`. */
  version: string;
  /** `@@version_comment`: `Percona XtraDB Cluster (GPL), …`, `Debian 12`, `MySQL Community Server - GPL`. */
  versionComment: string;
  /** `wsrep_provider_options`; empty or absent without a Galera provider. */
  providerOptions?: string;
  /** Some `admin_ssl_*` path is set (MySQL ≥ 8.0.21): the admin interface has its own TLS context. */
  adminTls: boolean;
}

export interface ReloadStatement {
  sql: string;
  /** The channels the statement reloads. */
  channels: Channel[];
  /** The privilege the statement needs (said when it is refused). */
  privilege: string;
}

export interface ReloadPlan {
  server: string;
  statements: ReloadStatement[];
  /** Channels that serve TLS but cannot be reloaded by this server: a restart loads them. */
  cannotReload: { channel: Channel; reason: string }[];
}

type Version = [number, number, number];

function parseVersion(text: string): Version | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function atLeast(v: Version, min: Version): boolean {
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i]! > min[i]!;
  return true;
}

/** `socket.ssl_reload` among the provider's options (`name = value; name = value; …`). */
export function providerHasSslReload(options: string | undefined): boolean {
  return /(^|;)\s*socket\.ssl_reload\s*=/.test(options ?? '');
}

/** The Galera channel uses TLS: a non-empty `socket.ssl_cert`. */
function galeraUsesTls(options: string | undefined): boolean {
  const m = /(?:^|;)\s*socket\.ssl_cert\s*=\s*([^;]*)/.exec(options ?? '');
  return !!m && m[1]!.trim() !== '';
}

const GALERA_RELOAD: ReloadStatement = { sql: "SET GLOBAL wsrep_provider_options='socket.ssl_reload=1'", channels: ['galera'], privilege: 'SUPER' };

/**
 * `dropsTrust`: the new copies trust fewer CAs than the loaded ones (a CA change's retire stage).
 * Galera's `socket.ssl_reload` loads the bundle into the trust store it has, adding CAs but never
 * removing one (Galera 26.4.23, measured by test/db/agent-reload.test.ts): only a restart drops a CA.
 */
export function reloadPlan(facts: ServerFacts, change: { dropsTrust?: boolean } = {}): ReloadPlan {
  const version = parseVersion(facts.version);
  const mariadb = /mariadb/i.test(`${facts.version} ${facts.versionComment}`);
  const server = `${mariadb ? 'MariaDB' : /xtradb cluster/i.test(facts.versionComment) ? 'PXC' : 'MySQL'} ${facts.version}`;
  const statements: ReloadStatement[] = [];
  const cannotReload: ReloadPlan['cannotReload'] = [];
  const galera = galeraUsesTls(facts.providerOptions);
  const sslReload = galera && providerHasSslReload(facts.providerOptions);
  let galeraCovered = false;

  if (!version) {
    cannotReload.push({ channel: 'sql', reason: `cannot read the server version "${facts.version}"` });
  } else if (mariadb) {
    if (atLeast(version, [10, 4, 1])) {
      // FLUSH SSL triggers socket.ssl_reload itself from 10.4.19 (10.4) and 10.5.10 (10.5 on).
      const flushCoversGalera = sslReload && (version[0] === 10 && version[1] === 4 ? atLeast(version, [10, 4, 19]) : atLeast(version, [10, 5, 10]));
      statements.push({ sql: 'FLUSH SSL', channels: flushCoversGalera ? ['sql', 'galera'] : ['sql'], privilege: 'RELOAD' });
      galeraCovered = flushCoversGalera;
    } else {
      cannotReload.push({ channel: 'sql', reason: `${server} has no FLUSH SSL (MariaDB ≥ 10.4.1)` });
    }
  } else if (atLeast(version, [8, 0, 16])) {
    const adminOwn = facts.adminTls && atLeast(version, [8, 0, 21]);
    statements.push({ sql: 'ALTER INSTANCE RELOAD TLS', channels: adminOwn ? ['sql'] : ['sql', 'admin'], privilege: 'CONNECTION_ADMIN' });
    if (adminOwn) statements.push({ sql: 'ALTER INSTANCE RELOAD TLS FOR CHANNEL mysql_admin', channels: ['admin'], privilege: 'CONNECTION_ADMIN' });
  } else {
    cannotReload.push({ channel: 'sql', reason: `${server} has no ALTER INSTANCE RELOAD TLS (MySQL/PXC ≥ 8.0.16)` });
  }

  if (galera && !galeraCovered) {
    if (sslReload) statements.push(GALERA_RELOAD);
    else cannotReload.push({ channel: 'galera', reason: `the running Galera provider of ${server} lists no socket.ssl_reload (Galera ≥ 26.4.8)` });
  }
  if (galera && sslReload && change.dropsTrust) {
    cannotReload.push({ channel: 'galera', reason: 'socket.ssl_reload adds CAs to Galera\'s trust store but drops none: a restart drops the old CA' });
  }
  return { server, statements, cannotReload };
}

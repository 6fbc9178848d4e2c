/**
 * Renewed server certificates served without a restart (issue 12.1). Every tick: read the mounted
 * files (material.ts, by content hash); when they changed since what the member serves, check them
 * (renewal-check.ts: the watcher's chain); refused → keep serving the old one and report it;
 * verified → ask the running server what it is (version, provider options, admin TLS) and run the
 * statements reload-plan.ts picks for it. A channel the server cannot reload is reported as
 * `needsRestart` in the member facts — never restarted here: the watcher's leader is to serialise
 * restarts, one member at a time (docs/rotation.md). Logs carry fingerprints and reasons, never
 * material.
 */
import { X509Certificate } from 'node:crypto';
import type { TlsReloadFacts } from '../model/galera';
import type { Logger } from '../observe/log';
import type { DatabaseIdentity } from '../tls/member';
import type { MaterialFiles } from './material';
import { reloadPlan, type ReloadPlan, type ServerFacts } from './reload-plan';
import { renewalViolation } from './renewal-check';

/** A session with the member's own mysqld (MysqlConnection). */
export interface SqlSession {
  query(sql: string): Promise<Array<Array<string | null>>>;
  close(): void;
}

export interface TlsReloaderDeps {
  files(): MaterialFiles;
  /** A session whose server certificate is verified against `ca` (what the server serves now chains to it). */
  connect(ca: Buffer): Promise<SqlSession>;
  database: DatabaseIdentity;
  ordinal: number;
  log: Logger;
  metrics: {
    reloads: { inc(labels: { result: string }): void };
    refused: { inc(labels: { reason: string }): void };
  };
  now?: () => Date;
  monotonic?: () => number;
  /** How long after a failed statement the reload is tried again. */
  retryMs?: number;
  /** `restart`: never run a reload statement; every verified renewal waits for a restart (--tls-reload). */
  mode?: 'reload' | 'restart';
}

/** What the member serves: the version (content hash) of the files it was loaded from. */
interface Served {
  version: string;
  fingerprint: string;
  ca: Buffer;
}

export function fingerprintOf(cert: Buffer): string {
  try {
    return new X509Certificate(cert).fingerprint256;
  } catch {
    return 'unreadable';
  }
}

/** ER_SPECIFIC_ACCESS_DENIED_ERROR, ER_SPECIFIC_ACCESS_DENIED (MySQL/MariaDB): the account lacks the privilege. */
const ACCESS_DENIED_CODES = new Set([1227, 1044, 1045]);

export class TlsReloader {
  private served: Served | undefined;
  private state: TlsReloadFacts | undefined;
  /** A version already judged: refused, or waiting for a restart; not tried again until the files change. */
  private settled: string | undefined;
  private retryAt = -Infinity;
  /** The last version that passed the check (served, or pending a reload or restart). */
  private verified: string | undefined;
  private readonly now: () => Date;
  private readonly monotonic: () => number;

  constructor(private readonly deps: TlsReloaderDeps) {
    this.now = deps.now ?? (() => new Date());
    this.monotonic = deps.monotonic ?? (() => performance.now());
  }

  /**
   * May the agent's own port (and its peer client) take these files? Only what passes the same
   * check: a refused renewal is served nowhere. Judged here when the tick has not judged it yet
   * (mysqld may not be running); no report from this path, the tick's check reports.
   */
  accepts(files: MaterialFiles): boolean {
    if (!this.served || files.version === this.served.version || files.version === this.verified) return true;
    if (files.version === this.settled && this.state?.refused) return false;
    return renewalViolation({ ...files, servedCa: this.served.ca, database: this.deps.database, ordinal: this.deps.ordinal, now: this.now() }) === null;
  }

  facts(): TlsReloadFacts | undefined {
    return this.state;
  }

  /**
   * mysqld (re)started and read whatever the files hold now: that is what it serves. Unverified
   * — the 12.2 decision (docs/rotation.md): the watcher's served-certificate report catches it.
   */
  restarted(): void {
    this.served = undefined;
    this.settled = undefined;
  }

  async check(): Promise<void> {
    let files: MaterialFiles;
    try {
      files = this.deps.files();
    } catch {
      return; // mid-swap or not there yet: the next tick reads it
    }
    if (!this.served) {
      this.served = { version: files.version, fingerprint: fingerprintOf(files.cert), ca: files.ca };
      this.state = { served: this.served.fingerprint };
      return;
    }
    if (files.version === this.served.version) {
      this.state = { served: this.served.fingerprint };
      this.settled = undefined;
      return;
    }
    if (files.version === this.settled || this.monotonic() < this.retryAt) return;
    const fingerprint = fingerprintOf(files.cert);
    const { log, metrics } = this.deps;

    const violation = renewalViolation({ ...files, servedCa: this.served.ca, database: this.deps.database, ordinal: this.deps.ordinal, now: this.now() });
    if (violation) {
      this.settled = files.version;
      this.state = { served: this.served.fingerprint, refused: { fingerprint, reason: violation.reason, message: violation.message } };
      metrics.refused.inc({ reason: violation.reason });
      log.warn('renewed server certificate refused: not loaded, the old one stays served', { reason: violation.reason, message: violation.message, fingerprint, served: this.served.fingerprint });
      return;
    }

    this.verified = files.version;
    if (this.deps.mode === 'restart') {
      this.settled = files.version;
      const reason = 'all channels: --tls-reload=restart (the agent runs no reload statement)';
      this.state = { served: this.served.fingerprint, pending: fingerprint, needsRestart: true, reason };
      metrics.reloads.inc({ result: 'needs-restart' });
      log.warn('renewed server certificate verified; waiting for a restart (--tls-reload=restart)', { fingerprint });
      return;
    }
    let plan: ReloadPlan;
    const done: string[] = [];
    let session: SqlSession | undefined;
    try {
      session = await this.deps.connect(this.served.ca);
      plan = reloadPlan(await serverFacts(session));
      for (const statement of plan.statements) {
        try {
          await session.query(statement.sql);
        } catch (error) {
          const code = (error as { code?: number }).code;
          const why = code !== undefined && ACCESS_DENIED_CODES.has(code) ? `the agent's account lacks ${statement.privilege}` : 'the statement failed';
          throw new Error(`${statement.sql}: ${why} (${(error as Error).message})`);
        }
        done.push(statement.sql);
      }
    } catch (error) {
      this.retryAt = this.monotonic() + (this.deps.retryMs ?? 60_000);
      const reason = (error as Error).message;
      this.state = { served: this.served.fingerprint, pending: fingerprint, reason };
      metrics.reloads.inc({ result: 'failed' });
      log.warn('cannot reload the renewed server certificate; trying again', { reason, fingerprint, done });
      return;
    } finally {
      session?.close();
    }

    if (plan.cannotReload.length > 0) {
      // The reloadable channels serve the new one; the others keep the old one until mysqld restarts.
      this.settled = files.version;
      const reason = plan.cannotReload.map((c) => `${c.channel}: ${c.reason}`).join('; ');
      this.state = { served: this.served.fingerprint, pending: fingerprint, needsRestart: true, reason };
      metrics.reloads.inc({ result: 'needs-restart' });
      log.warn('renewed server certificate verified; a channel cannot reload without a restart (not restarted by the agent)', { server: plan.server, reason, fingerprint, done });
      return;
    }
    this.served = { version: files.version, fingerprint, ca: files.ca };
    this.state = { served: fingerprint };
    this.settled = undefined;
    metrics.reloads.inc({ result: 'reloaded' });
    log.info('renewed server certificate verified and reloaded', { server: plan.server, statements: done, fingerprint });
  }
}

/** What reload-plan.ts needs to know about the running server, asked of the server itself. */
export async function serverFacts(session: SqlSession): Promise<ServerFacts> {
  const [row] = await session.query('SELECT VERSION(), @@version_comment');
  const provider = await session.query("SHOW GLOBAL VARIABLES LIKE 'wsrep_provider_options'");
  const admin = await session.query("SHOW GLOBAL VARIABLES LIKE 'admin\\_ssl\\_%'");
  const ownAdminFiles = admin.some((r) => /^admin_ssl_(ca|capath|cert|key)$/.test(r[0] ?? '') && (r[1] ?? '') !== '');
  const providerOptions = provider[0]?.[1] ?? undefined;
  return { version: row?.[0] ?? '', versionComment: row?.[1] ?? '', adminTls: ownAdminFiles, ...(providerOptions ? { providerOptions } : {}) };
}

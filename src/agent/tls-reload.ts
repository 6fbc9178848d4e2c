/**
 * Renewed server certificates served without a restart (issue 12.1), a CA change in stages (12.3).
 * Every tick: read the mounted Secret files (material.ts) and the served copies mysqld and Galera
 * load (served-copies.ts); trust-stage.ts says what the copies should hold next — refused material
 * is never copied, a new CA is trusted before its leaf is presented — and the copies are written.
 * When they differ from what the running server loaded: ask it what it is (version, provider
 * options, admin TLS) and run the statements reload-plan.ts picks for it. A channel the server
 * cannot reload is reported as `needsRestart` in the member facts — never restarted here: the
 * watcher's leader serialises restarts, one member at a time (docs/rotation.md). Logs carry
 * fingerprints and reasons, never material.
 */
import { X509Certificate } from 'node:crypto';
import type { CaChangeOrder, TlsReloadFacts } from '../model/galera';
import type { Logger } from '../observe/log';
import { anchorOf, fingerprints } from '../tls/bundle';
import type { DatabaseIdentity } from '../tls/member';
import { parseCertificates } from '../tls/pem';
import type { MaterialFiles } from './material';
import { reloadPlan, type ReloadPlan, type ServerFacts } from './reload-plan';
import type { CopiesChange } from './served-copies';
import { planStage } from './trust-stage';

/** A session with the member's own mysqld (MysqlConnection). */
export interface SqlSession {
  query(sql: string): Promise<Array<Array<string | null>>>;
  close(): void;
}

export interface TlsReloaderDeps {
  /** The Secret's volume as the kubelet mounted it. */
  mounted(): MaterialFiles;
  /** What mysqld and Galera load: undefined before the first copy. */
  copies: { read(): MaterialFiles | undefined; write(change: CopiesChange): void };
  /** The leader's CA-change order as last read. */
  caChange?: () => CaChangeOrder | undefined;
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
  /** `restart`: never run a reload statement; every change of the copies waits for a restart (--tls-reload). */
  mode?: 'reload' | 'restart';
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

class PrivilegeMissing extends Error {}

/** The facts every state shares: what the loaded copies serve and trust. */
function servedFacts(loaded: MaterialFiles): TlsReloadFacts {
  const facts: TlsReloadFacts = { served: fingerprintOf(loaded.cert) };
  try {
    const trusted = parseCertificates(loaded.ca);
    facts.trusted = fingerprints(trusted);
    const anchor = anchorOf(loaded.cert, trusted);
    if (anchor) facts.servedCa = anchor.fingerprint256;
  } catch {
    // unreadable copies are reported by what they serve alone
  }
  return facts;
}

/** Whether the copies trust a CA fewer than what is loaded. */
function dropsTrust(loaded: MaterialFiles, copies: MaterialFiles): boolean {
  try {
    const kept = new Set(fingerprints(parseCertificates(copies.ca)));
    return fingerprints(parseCertificates(loaded.ca)).some((ca) => !kept.has(ca));
  } catch {
    return false;
  }
}

/** What a change of the copies is to serve: the new leaf's fingerprint, or the new trust's. */
function pendingOf(copies: MaterialFiles, loaded: MaterialFiles): string {
  if (!copies.cert.equals(loaded.cert)) return fingerprintOf(copies.cert);
  try {
    return `trust:${fingerprints(parseCertificates(copies.ca)).join(',')}`;
  } catch {
    return 'trust:unreadable';
  }
}

export class TlsReloader {
  /** What the running server loaded (the copies at its start or at the last reload). */
  private loaded: MaterialFiles | undefined;
  private copies: MaterialFiles | undefined;
  private refused: TlsReloadFacts['refused'];
  /** The mounted version refused last: reported once, not at every tick. */
  private refusedVersion: string | undefined;
  private waitingCa: string | undefined;
  private pending: Pick<TlsReloadFacts, 'pending' | 'needsRestart' | 'reason'> | undefined;
  /** A copies version waiting for a restart: no statement is tried again for it. */
  private awaitingRestart: string | undefined;
  private retryAt = -Infinity;
  /** The inputs of the last stage plan, and when to plan again all the same. */
  private planned: string | undefined;
  private planAgainAt = -Infinity;
  private servedOf: { version: string; facts: TlsReloadFacts } | undefined;
  private readonly now: () => Date;
  private readonly monotonic: () => number;

  constructor(private readonly deps: TlsReloaderDeps) {
    this.now = deps.now ?? (() => new Date());
    this.monotonic = deps.monotonic ?? (() => performance.now());
  }

  facts(): TlsReloadFacts | undefined {
    const base = this.loaded ?? this.copies;
    if (!base) return undefined;
    // Read every tick: parsed once per version.
    if (this.servedOf?.version !== base.version) this.servedOf = { version: base.version, facts: servedFacts(base) };
    return {
      ...this.servedOf.facts,
      ...(this.pending ?? {}),
      ...(this.refused ? { refused: this.refused } : {}),
      ...(this.waitingCa ? { waitingCa: this.waitingCa } : {}),
    };
  }

  /** The copies as last read or written: what the agent's own port serves and its peer client presents. */
  served(): MaterialFiles | undefined {
    return this.copies;
  }

  /**
   * mysqld (re)started and read whatever the copies hold now: that is what it serves — verified,
   * since only verified material is ever copied.
   */
  restarted(): void {
    this.loaded = undefined;
    this.pending = undefined;
    this.awaitingRestart = undefined;
  }

  /**
   * The copies brought to what trust-stage.ts says, without the server (also before mysqld
   * starts: the first copy is what it will load). Returns whether copies exist.
   */
  prepare(): boolean {
    const { log, metrics } = this.deps;
    let mounted: MaterialFiles;
    try {
      mounted = this.deps.mounted();
      this.copies = this.deps.copies.read();
    } catch {
      return this.copies !== undefined; // mid-swap or not there yet: the next tick reads it
    }
    const order = this.deps.caChange?.();
    // The plan parses and verifies certificates: only again when its inputs changed, or a minute
    // later all the same (the checks read the clock: a renewal not yet valid passes later).
    const inputs = `${mounted.version} ${this.copies?.version} ${order ? `${order.stage} ${order.ca}` : '-'}`;
    if (inputs === this.planned && this.monotonic() < this.planAgainAt) return this.copies !== undefined;
    this.planned = inputs;
    this.planAgainAt = this.monotonic() + 60_000;
    const plan = planStage({ mounted, copies: this.copies, order, database: this.deps.database, ordinal: this.deps.ordinal, now: this.now() });
    if (plan.kind !== 'wait') this.waitingCa = undefined;
    if (plan.kind !== 'refuse') {
      this.refused = undefined;
      this.refusedVersion = undefined;
    }
    switch (plan.kind) {
      case 'refuse': {
        const fingerprint = fingerprintOf(mounted.cert);
        const { reason, message } = plan.violation;
        this.refused = { fingerprint, reason, message };
        if (this.refusedVersion !== mounted.version) {
          this.refusedVersion = mounted.version;
          metrics.refused.inc({ reason });
          log.warn('renewed server certificate refused: not copied, not loaded; what is served stays', { reason, message, fingerprint, served: this.copies ? fingerprintOf(this.copies.cert) : null });
        }
        break;
      }
      case 'wait':
        if (this.waitingCa !== plan.waitingCa) log.info('renewed server certificate verified; its CA is not trusted by every member yet', { why: plan.why, fingerprint: fingerprintOf(mounted.cert) });
        this.waitingCa = plan.waitingCa;
        break;
      case 'write':
        this.deps.copies.write(plan.change);
        this.copies = this.deps.copies.read();
        log.info(`served copies: ${plan.step}`, { why: plan.why, fingerprint: fingerprintOf(mounted.cert) });
        break;
      case 'keep':
        break;
    }
    return this.copies !== undefined;
  }

  /** One tick while mysqld runs: the copies prepared, and loaded by the running server if they changed. */
  async check(): Promise<void> {
    this.prepare();
    const copies = this.copies;
    if (!copies) return;
    if (!this.loaded) {
      this.loaded = copies; // the first look: the running server loaded the copies at its start
      return;
    }
    if (copies.version === this.loaded.version) {
      this.pending = undefined;
      this.awaitingRestart = undefined;
      return;
    }
    if (copies.version === this.awaitingRestart || this.monotonic() < this.retryAt) return;
    const pending = pendingOf(copies, this.loaded);
    const { log, metrics } = this.deps;
    if (this.deps.mode === 'restart') {
      this.awaitingRestart = copies.version;
      this.pending = { pending, needsRestart: true, reason: 'all channels: --tls-reload=restart (the agent runs no reload statement)' };
      metrics.reloads.inc({ result: 'needs-restart' });
      log.warn('served copies changed; waiting for a restart (--tls-reload=restart)', { pending });
      return;
    }
    let plan: ReloadPlan;
    const done: string[] = [];
    let session: SqlSession | undefined;
    try {
      session = await this.deps.connect(this.loaded.ca);
      plan = reloadPlan(await serverFacts(session), { dropsTrust: dropsTrust(this.loaded, copies) });
      for (const statement of plan.statements) {
        try {
          await session.query(statement.sql);
        } catch (error) {
          const code = (error as { code?: number }).code;
          if (code !== undefined && ACCESS_DENIED_CODES.has(code)) throw new PrivilegeMissing(`${statement.sql}: the agent's account lacks ${statement.privilege} (${(error as Error).message})`);
          throw new Error(`${statement.sql}: the statement failed (${(error as Error).message})`);
        }
        done.push(statement.sql);
      }
    } catch (error) {
      const reason = (error as Error).message;
      if (error instanceof PrivilegeMissing) {
        // Not a hiccup: trying again changes nothing. A restart reads the copies all the same (PXC
        // 8.0's ALTER INSTANCE RELOAD TLS wants CONNECTION_ADMIN, which KubeDB's monitor user lacks).
        this.awaitingRestart = copies.version;
        this.pending = { pending, needsRestart: true, reason: `${reason}; a restart loads them instead (grant the privilege to reload without one)` };
        metrics.reloads.inc({ result: 'needs-restart' });
        log.warn('cannot reload the served copies: the agent\'s account lacks a privilege; waiting for a restart', { reason, pending, done });
        return;
      }
      this.retryAt = this.monotonic() + (this.deps.retryMs ?? 60_000);
      this.pending = { pending, reason };
      metrics.reloads.inc({ result: 'failed' });
      log.warn('cannot reload the served copies; trying again', { reason, pending, done });
      return;
    } finally {
      session?.close();
    }

    if (plan.cannotReload.length > 0) {
      // The reloadable channels load the new copies; the others keep the old until mysqld restarts.
      this.awaitingRestart = copies.version;
      const reason = plan.cannotReload.map((c) => `${c.channel}: ${c.reason}`).join('; ');
      this.pending = { pending, needsRestart: true, reason };
      metrics.reloads.inc({ result: 'needs-restart' });
      log.warn('served copies verified and written; a channel cannot reload without a restart (not restarted by the agent)', { server: plan.server, reason, pending, done });
      return;
    }
    this.loaded = copies;
    this.pending = undefined;
    metrics.reloads.inc({ result: 'reloaded' });
    log.info('served copies reloaded', { server: plan.server, statements: done, ...servedFacts(copies) });
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

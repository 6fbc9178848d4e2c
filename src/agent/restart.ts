/**
 * The member's side of a certificate restart (issue 12.1's fallback). The watcher's leader orders
 * at most one member at a time (src/watch/restart-decider.ts); the agent cannot stop mysqld itself
 * (no SHUTDOWN privilege, no shared process namespace: docs/agent.md "How a member stops"), so it
 * asks the kubelet: while the order names this member, this round and the fingerprint it has
 * pending, it keeps a marker file in the pod's `/run-script` emptyDir; the database container's
 * exec liveness probe fails while the marker exists, and the kubelet restarts that container —
 * its preStop hook stopping mysqld cleanly first. The new container's run.sh deletes
 * `/run-script/*` (the marker with it), a new round starts, the member joins the Primary component
 * and mysqld reads the renewed files. The marker is a pure function of the order and the member's
 * own state, reconciled every tick: an order withdrawn, a round over, a reload that made the
 * restart needless all remove it.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RestartOrder, TlsReloadFacts } from '../model/galera';
import { RESTART_MARKER } from '../model/project';

export interface RestartSelf {
  member: string;
  /** The member's round (run.sh's loop): a restart ends it, and with it the order. */
  round: string | undefined;
  tlsReload: TlsReloadFacts | undefined;
}

/** Is this order this member's to execute now? */
export function restartOrdered(order: RestartOrder | undefined, self: RestartSelf): order is RestartOrder {
  if (!order || order.member !== self.member || order.round !== self.round) return false;
  return !!self.tlsReload?.needsRestart && self.tlsReload.pending === order.fingerprint;
}

const NOBODY: RestartOrder = { member: '', round: '', fingerprint: '' };

/** The marker file: present exactly while an order is being executed. */
export class RestartMarker {
  private readonly path: string;

  constructor(runScript: string) {
    this.path = join(runScript, RESTART_MARKER);
  }

  /** The order the marker holds, or undefined when there is none (or it is not ours to read). */
  current(): RestartOrder | undefined {
    try {
      const value = JSON.parse(readFileSync(this.path, 'utf8')) as RestartOrder | null;
      return typeof value?.member === 'string' ? value : NOBODY;
    } catch (error) {
      // Any marker at all still fails the probe: report a torn one as an order of nobody's.
      return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : NOBODY;
    }
  }

  /** Writes (whole, by rename: a dot-name run.sh's `rm -rf /run-script/*` does not match) or removes it. Returns whether it changed. */
  set(order: RestartOrder | undefined): boolean {
    const now = this.current();
    if (JSON.stringify(now ?? null) === JSON.stringify(order ?? null)) return false;
    if (!order) {
      rmSync(this.path, { force: true });
      return true;
    }
    const temporary = join(this.path, '..', `.${RESTART_MARKER}.${process.pid}.tmp`);
    writeFileSync(temporary, `${JSON.stringify(order)}\n`, { mode: 0o644 });
    renameSync(temporary, this.path);
    return true;
  }
}

/**
 * A member that left every component. Galera drops a joiner out of the group when its state
 * transfer is cut short (the donor restarted, the group changed under it): mysqld keeps running,
 * `wsrep_cluster_status` Disconnected with no members, and nothing brings it back — KubeDB sets no
 * probe on the database container and run.sh only restarts mysqld when it exits (found end to end
 * by test/db/formation.test.ts: a member stuck that way for ten minutes after a whole-cluster
 * recovery). The agent then asks mysqld to connect again, as an operator would: it sets
 * `wsrep_cluster_address` to its own value (SUPER, which KubeDB's init scripts grant the monitor
 * user), after the member has been Disconnected for `afterMs`, and again every `everyMs` while it
 * stays so. A join needs no decision (it is always safe: docs/agent.md); a Primary component to
 * join is Galera's to find. A non-Primary member (a partition, a quorum loss) is not Disconnected
 * and is left to the decider.
 */
import type { WsrepStatus } from '../model/galera';

export const REJOIN_AFTER_MS = 60_000;
export const REJOIN_EVERY_MS = 300_000;

export class RejoinClock {
  private disconnectedSince: number | undefined;
  private lastAttempt = -Infinity;

  constructor(private readonly afterMs = REJOIN_AFTER_MS, private readonly everyMs = REJOIN_EVERY_MS) {}

  /** Whether to ask mysqld to connect again now; `status` undefined: mysqld did not answer (no change). */
  due(status: WsrepStatus | undefined, now: number): boolean {
    if (!status) return false;
    if (status.clusterStatus !== 'Disconnected') {
      this.disconnectedSince = undefined;
      return false;
    }
    this.disconnectedSince ??= now;
    if (now - this.disconnectedSince < this.afterMs || now - this.lastAttempt < this.everyMs) return false;
    this.lastAttempt = now;
    return true;
  }
}

/** `SET GLOBAL wsrep_cluster_address` to the address mysqld runs with (a gcomm:// list; quoted as a SQL string). */
export function rejoinStatement(clusterAddress: string): string {
  return `SET GLOBAL wsrep_cluster_address = '${clusterAddress.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

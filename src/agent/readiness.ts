/**
 * The member's readiness, what /readyz answers and what a RollingUpdate waits for: a member of a
 * Primary component that holds the whole state — Synced, or Donor/Desynced while it sends a state
 * transfer to a joiner (it is still a full member; with xtrabackup/mariabackup it keeps serving).
 * A Joiner, Joined (catching up) or non-Primary member is not ready.
 *
 * Why the donor counts as ready: Kubernetes' StatefulSet controller, in a RollingUpdate, replaces an
 * old-revision pod that is not Ready at once, out of order ("terminating unavailable Pod for
 * update"). With a donor unready, rolling member 2 (an SST from member 0 or 1) let the controller
 * take the donor down mid-transfer, then the third — the whole cluster at once (found end to end by
 * test/db/formation.test.ts on kube-controller-manager 1.37). mariadb-operator offers the same as
 * `availableWhenDonor`; Percona's clustercheck as AVAILABLE_WHEN_DONOR.
 */
import type { WsrepStatus } from '../model/galera';

/** wsrep_local_state_comment values of a member holding the whole state (Galera's states 4 and 2). */
export const READY_LOCAL_STATES: readonly string[] = ['Synced', 'Donor/Desynced'];

/** Why the member is not ready; undefined when it is. `status` undefined: mysqld did not answer lately. */
export function notReadyBecause(status: WsrepStatus | undefined, stage: string): string | undefined {
  if (!status) return `mysqld does not answer (stage ${stage})`;
  if (status.clusterStatus !== 'Primary') return `the member is in a ${status.clusterStatus} component`;
  if (!READY_LOCAL_STATES.includes(status.localState)) return `the member is ${status.localState}, not Synced`;
  return undefined;
}

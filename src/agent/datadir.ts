/**
 * What the member's data directory holds, read the way the init image's scripts read it (pure:
 * a listing and grastate.dat's text in, a classification out).
 */
import { GRASTATE_FILE, LOST_AND_FOUND, SYSTEM_SCHEMA_DIR } from '../model/kubedb';
import { ZERO_UUID, type DataDirKind } from '../model/galera';

export interface DataDirListing {
  /** Entry names of the data directory (not recursive). */
  entries: readonly string[];
  /** Whether `mysql/` is a directory. */
  systemSchemaIsDirectory: boolean;
}

/**
 * `empty`: nothing but lost+found (directory-exist.sh). `initialised`: `mysql/` is a directory
 * (entrypoint.sh's test). Anything else is `uninitialised`: the entrypoint would wipe it and
 * initialise a new database on any start but a join, so its position must never be recovered
 * (recover-seq-no.sh runs the entrypoint without CLUSTER_JOIN).
 */
export function classifyDataDir(listing: DataDirListing): DataDirKind {
  const entries = listing.entries.filter((e) => e !== LOST_AND_FOUND);
  if (entries.length === 0) return 'empty';
  if (entries.includes(SYSTEM_SCHEMA_DIR) && listing.systemSchemaIsDirectory) return 'initialised';
  return 'uninitialised';
}

export interface Grastate {
  /** Absent when the file holds the all-zero uuid (no cluster yet). */
  uuid?: string;
  /** -1 while mysqld runs or after a crash; the position after a clean stop. */
  seqno: number;
  safeToBootstrap: boolean;
}

/**
 * grastate.dat (`# GALERA saved state`, `version: 2.1`, `uuid: …`, `seqno: …`,
 * `safe_to_bootstrap: 0|1`). Undefined when it has no uuid or seqno line (a torn write).
 */
export function parseGrastate(text: string): Grastate | undefined {
  const field = (name: string) => new RegExp(`^${name}:\\s*(\\S+)\\s*$`, 'm').exec(text)?.[1];
  const uuid = field('uuid');
  const seqno = field('seqno');
  if (!uuid || !seqno || !/^-?\d+$/.test(seqno) || !/^[0-9a-f-]{36}$/.test(uuid)) return undefined;
  const state: Grastate = { seqno: Number(seqno), safeToBootstrap: field('safe_to_bootstrap') === '1' };
  if (uuid !== ZERO_UUID) state.uuid = uuid;
  return state;
}

/** recover-seq-no.sh writes the text after the last colon of "Recovered position: uuid:seqno", no newline; empty if none. */
export function parseRecoveredSeqno(text: string): number | undefined {
  const trimmed = text.trim();
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : undefined;
}

export { GRASTATE_FILE };

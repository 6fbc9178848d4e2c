/**
 * The channel between the in-pod agents and the watcher's leader, as data: what an agent reports
 * about its member (JSON in its own Pod's annotation `pxc-tls.dev/member-facts`, and on its /peer
 * endpoint) and what the leader decides (JSON in the ConfigMap `<db>-pxc-tls-galera`). Both sides
 * import this one module; the protocol number guards against an agent and a watcher of different
 * versions reading each other wrongly: a reader refuses a document of another protocol.
 * Parsers validate everything: these documents cross the network.
 */
import { RUN_SCRIPTS, type RunScript } from './kubedb';

/** Bumped on any incompatible change of MemberFacts or GaleraDecision. */
export const GALERA_PROTOCOL = 1;

/**
 * What the data directory holds, by the test the init image's entrypoint itself uses
 * (`[ ! -d "$DATADIR/mysql" ]` → initialise a new database):
 *  - `empty`: nothing but `lost+found` (directory-exist.sh's "Empty");
 *  - `uninitialised`: something, but no `mysql/` directory — a first initialisation or a state
 *    transfer that did not finish. The entrypoint would wipe it and initialise a new database on
 *    any start but a join, so recover-seq-no.sh must never run on it;
 *  - `initialised`: `mysql/` exists: a database whose position counts.
 */
export const DATA_DIR_KINDS = ['empty', 'uninitialised', 'initialised'] as const;
export type DataDirKind = (typeof DATA_DIR_KINDS)[number];

/**
 * Where the member is in one loop of the init image's run.sh:
 *  - `preparing`: peer-list and the pre-run script written; the pre-run (recover-seq-no.sh) runs;
 *  - `waiting`: its facts are complete; waiting for a Primary component to join or a decision;
 *  - `refused`: a Primary component exists but of another cluster UUID: it does not join (a state
 *    transfer would replace its data);
 *  - `starting`: the run-on-present script is written; mysqld starts (or transfers state);
 *  - `running`: mysqld answers SQL; `wsrep` says how it stands in the cluster;
 *  - `backoff`: mysqld exited soon after it started; the agent waits before the next loop.
 */
export const STAGES = ['preparing', 'waiting', 'refused', 'starting', 'running', 'backoff'] as const;
export type Stage = (typeof STAGES)[number];

/** The member's view of its cluster, from `SHOW GLOBAL STATUS LIKE 'wsrep%'`. */
export interface WsrepStatus {
  /** wsrep_cluster_status: Primary, non-Primary, Disconnected. */
  clusterStatus: string;
  /** wsrep_local_state_comment: Synced, Donor/Desynced, Joining, Joined, Initialized… */
  localState: string;
  clusterSize: number;
  /** wsrep_cluster_state_uuid: the cluster's history this member follows. */
  clusterStateUuid: string;
  /** wsrep_last_committed. */
  lastCommitted?: number;
}

export interface MemberFacts {
  protocol: number;
  /** The pod's name, `<db>-<ordinal>`. */
  member: string;
  /** Changes with every loop of run.sh (and every agent start): a decision names the round it was made for. */
  round: string;
  stage: Stage;
  dataDir: DataDirKind;
  /** grastate.dat's uuid: the cluster this data belongs to. Absent without grastate.dat or with the all-zero uuid. */
  uuid?: string;
  /** The Galera position: grastate.dat's seqno after a clean stop, else what recover-seq-no.sh found. -1: none. Absent: unknown. */
  seqno?: number;
  seqnoSource?: 'grastate' | 'recovered';
  /** grastate.dat's safe_to_bootstrap: 1 (the member left the last Primary component last, cleanly). */
  safeToBootstrap: boolean;
  wsrep?: WsrepStatus;
  /** Why the member does not join (stage `refused`). */
  refused?: string;
  /** mysqld exits under run.sh's loop since the agent started. */
  mysqldExits: number;
  /** The server certificate's reload after a renewal (issue 12.1): absent until the agent has looked. */
  tlsReload?: TlsReloadFacts;
}

/**
 * What the member serves against what its mounted files hold. Fingerprints are SHA-256 of the
 * leaf (as `X509Certificate.fingerprint256`), never material. `pending`: verified, not yet served
 * on every channel; `needsRestart`: a channel the running server cannot reload (the watcher's
 * leader is to serialise the restarts); `refused`: a renewal the checks refused, not loaded.
 */
export interface TlsReloadFacts {
  served: string;
  pending?: string;
  needsRestart?: boolean;
  /** Why `pending` is not served yet (a channel that cannot reload, a failed statement). */
  reason?: string;
  refused?: { fingerprint: string; reason: string; message: string };
  /**
   * The CA change in stages (issue 12.3): SHA-256 fingerprints of the CAs the member's loaded trust
   * bundle holds, of the CA its served leaf chains to, and of a new CA whose leaf it holds back
   * until the leader's `caChange` order says every member trusts that CA. For a trust-only change
   * waiting for a restart, `pending` is `trust:<fingerprints>` rather than a leaf's.
   */
  trusted?: string[];
  servedCa?: string;
  waitingCa?: string;
}

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** What the leader currently says about a database's Galera cluster. */
export const PHASES = ['running', 'waiting', 'bootstrap', 'blocked'] as const;
export type Phase = (typeof PHASES)[number];

export interface BootstrapOrder {
  member: string;
  /** The member's round the order is for: executed only in that round, so at most once. */
  round: string;
  script: RunScript;
  uuid?: string;
  seqno?: number;
  /** Set when a user's force-bootstrap ConfigMap asked for it: its nonce. */
  override?: string;
}

export interface GaleraDecision {
  protocol: number;
  /** Increases with every bootstrap order: agents ignore an older one than they have seen. */
  sequence: number;
  /** The leader that wrote it and its term (the Lease's leaseTransitions when it took the lead). */
  leader: { identity: string; term: number };
  phase: Phase;
  bootstrap?: BootstrapOrder;
  /** One sentence: why this phase. */
  reason: string;
  /** The StatefulSet's replicas the leader decided for. */
  replicas: number;
  /** Nonces of force-bootstrap requests already consumed (acted on or refused), newest last. */
  consumedOverrides: string[];
  /** The last bootstrap order that completed or ended, for the record. */
  previousBootstrap?: BootstrapOrder;
  /**
   * A certificate restart order (at most one), only in phase `running`. Optional and added
   * without a protocol bump: an agent or watcher of protocol 1 that predates it ignores the field
   * (the parsers keep known fields only), so it never restarts anything — the old behaviour.
   */
  restart?: RestartOrder;
  /**
   * The CA change in stages (issue 12.3), optional like `restart`: `present` once every member
   * trusts `ca` (members then serve their leaf of the new CA), `retire` once every member serves a
   * leaf of `ca` (members then drop the other CAs from their trust bundle).
   */
  caChange?: CaChangeOrder;
}

export const CA_CHANGE_STAGES = ['present', 'retire'] as const;
export interface CaChangeOrder {
  /** SHA-256 fingerprint of the new CA. */
  ca: string;
  stage: (typeof CA_CHANGE_STAGES)[number];
}

/**
 * An order to restart one member's mysqld so that it reads a renewed certificate that a channel of
 * the running server cannot reload (issue 12.1's fallback). At most one stands at a time; the
 * member executes it only in the round it names and only while it reports `pending` equal to
 * `fingerprint`, so an order is executed at most once, whoever leads meanwhile.
 */
export interface RestartOrder {
  member: string;
  /** The member's round the order is for: a restart ends the round, and with it the order. */
  round: string;
  /** The pending fingerprint the restart is to serve. */
  fingerprint: string;
}

/** A user's request to bootstrap one member, read from `<db>-pxc-tls-force-bootstrap`. */
export interface ForceBootstrap {
  member: string;
  nonce: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isString = (v: unknown): v is string => typeof v === 'string';
/** Galera's state UUIDs: 8-4-4-4-12 hex digits. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function parseJson(text: string, what: string): Parsed<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: `${what} is not JSON` };
  }
  if (!isObject(value)) return { ok: false, error: `${what} is not a JSON object` };
  if (value.protocol !== GALERA_PROTOCOL) return { ok: false, error: `${what} speaks protocol ${JSON.stringify(value.protocol)}; this version speaks ${GALERA_PROTOCOL}` };
  return { ok: true, value };
}

function parseWsrep(v: unknown): WsrepStatus | undefined | null {
  if (v === undefined) return undefined;
  if (!isObject(v) || !isString(v.clusterStatus) || !isString(v.localState) || !isInt(v.clusterSize) || !isString(v.clusterStateUuid)) return null;
  if (v.lastCommitted !== undefined && !isInt(v.lastCommitted)) return null;
  return { clusterStatus: v.clusterStatus, localState: v.localState, clusterSize: v.clusterSize, clusterStateUuid: v.clusterStateUuid, ...(v.lastCommitted !== undefined ? { lastCommitted: v.lastCommitted as number } : {}) };
}

export function parseMemberFacts(text: string): Parsed<MemberFacts> {
  const parsed = parseJson(text, 'the member-facts document');
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  const bad = (field: string): Parsed<MemberFacts> => ({ ok: false, error: `the member-facts document has an invalid ${field}` });
  if (!isString(v.member) || v.member === '') return bad('member');
  if (!isString(v.round) || v.round === '') return bad('round');
  if (!(STAGES as readonly unknown[]).includes(v.stage)) return bad('stage');
  if (!(DATA_DIR_KINDS as readonly unknown[]).includes(v.dataDir)) return bad('dataDir');
  if (v.uuid !== undefined && !(isString(v.uuid) && UUID.test(v.uuid))) return bad('uuid');
  if (v.seqno !== undefined && !(isInt(v.seqno) && v.seqno >= -1)) return bad('seqno');
  if (v.seqnoSource !== undefined && v.seqnoSource !== 'grastate' && v.seqnoSource !== 'recovered') return bad('seqnoSource');
  if (typeof v.safeToBootstrap !== 'boolean') return bad('safeToBootstrap');
  const wsrep = parseWsrep(v.wsrep);
  if (wsrep === null) return bad('wsrep');
  if (v.refused !== undefined && !isString(v.refused)) return bad('refused');
  if (!isInt(v.mysqldExits) || v.mysqldExits < 0) return bad('mysqldExits');
  const tlsReload = parseTlsReload(v.tlsReload);
  if (tlsReload === null) return bad('tlsReload');
  const facts: MemberFacts = {
    protocol: GALERA_PROTOCOL, member: v.member, round: v.round, stage: v.stage as Stage, dataDir: v.dataDir as DataDirKind,
    safeToBootstrap: v.safeToBootstrap, mysqldExits: v.mysqldExits,
  };
  if (v.uuid !== undefined) facts.uuid = v.uuid as string;
  if (v.seqno !== undefined) facts.seqno = v.seqno as number;
  if (v.seqnoSource !== undefined) facts.seqnoSource = v.seqnoSource as 'grastate' | 'recovered';
  if (wsrep) facts.wsrep = wsrep;
  if (v.refused !== undefined) facts.refused = v.refused as string;
  if (tlsReload) facts.tlsReload = tlsReload;
  return { ok: true, value: facts };
}

/** undefined: absent; null: present but invalid. */
function parseTlsReload(v: unknown): TlsReloadFacts | undefined | null {
  if (v === undefined) return undefined;
  if (!isObject(v) || !isString(v.served)) return null;
  const out: TlsReloadFacts = { served: v.served };
  if (v.pending !== undefined) {
    if (!isString(v.pending)) return null;
    out.pending = v.pending;
  }
  if (v.needsRestart !== undefined) {
    if (typeof v.needsRestart !== 'boolean') return null;
    out.needsRestart = v.needsRestart;
  }
  if (v.reason !== undefined) {
    if (!isString(v.reason)) return null;
    out.reason = v.reason;
  }
  if (v.refused !== undefined) {
    const r = v.refused;
    if (!isObject(r) || !isString(r.fingerprint) || !isString(r.reason) || !isString(r.message)) return null;
    out.refused = { fingerprint: r.fingerprint, reason: r.reason, message: r.message };
  }
  if (v.trusted !== undefined) {
    if (!Array.isArray(v.trusted) || !v.trusted.every(isString)) return null;
    out.trusted = [...(v.trusted as string[])];
  }
  for (const key of ['servedCa', 'waitingCa'] as const) {
    if (v[key] === undefined) continue;
    if (!isString(v[key])) return null;
    out[key] = v[key] as string;
  }
  return out;
}

function parseOrder(v: unknown): BootstrapOrder | null {
  if (!isObject(v) || !isString(v.member) || !isString(v.round) || !(RUN_SCRIPTS as readonly unknown[]).includes(v.script)) return null;
  if (v.uuid !== undefined && !(isString(v.uuid) && UUID.test(v.uuid))) return null;
  if (v.seqno !== undefined && !isInt(v.seqno)) return null;
  if (v.override !== undefined && !isString(v.override)) return null;
  const order: BootstrapOrder = { member: v.member, round: v.round, script: v.script as RunScript };
  if (v.uuid !== undefined) order.uuid = v.uuid as string;
  if (v.seqno !== undefined) order.seqno = v.seqno as number;
  if (v.override !== undefined) order.override = v.override as string;
  return order;
}

export function parseDecision(text: string): Parsed<GaleraDecision> {
  const parsed = parseJson(text, 'the decision');
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  const bad = (field: string): Parsed<GaleraDecision> => ({ ok: false, error: `the decision has an invalid ${field}` });
  if (!isInt(v.sequence) || v.sequence < 0) return bad('sequence');
  if (!isObject(v.leader) || !isString(v.leader.identity) || !isInt(v.leader.term)) return bad('leader');
  if (!(PHASES as readonly unknown[]).includes(v.phase)) return bad('phase');
  if (!isString(v.reason)) return bad('reason');
  if (!isInt(v.replicas) || v.replicas < 0) return bad('replicas');
  if (!Array.isArray(v.consumedOverrides) || !v.consumedOverrides.every(isString)) return bad('consumedOverrides');
  const decision: GaleraDecision = {
    protocol: GALERA_PROTOCOL, sequence: v.sequence, leader: { identity: v.leader.identity, term: v.leader.term as number },
    phase: v.phase as Phase, reason: v.reason, replicas: v.replicas, consumedOverrides: [...(v.consumedOverrides as string[])],
  };
  if (v.bootstrap !== undefined) {
    const order = parseOrder(v.bootstrap);
    if (!order) return bad('bootstrap');
    decision.bootstrap = order;
  }
  if ((decision.phase === 'bootstrap') !== (decision.bootstrap !== undefined)) return bad('bootstrap (present exactly in phase bootstrap)');
  if (v.previousBootstrap !== undefined) {
    const order = parseOrder(v.previousBootstrap);
    if (!order) return bad('previousBootstrap');
    decision.previousBootstrap = order;
  }
  if (v.restart !== undefined) {
    const r = v.restart;
    if (!isObject(r) || !isString(r.member) || r.member === '' || !isString(r.round) || r.round === '' || !isString(r.fingerprint) || r.fingerprint === '') return bad('restart');
    if (decision.phase !== 'running') return bad('restart (present only in phase running)');
    decision.restart = { member: r.member, round: r.round, fingerprint: r.fingerprint };
  }
  if (v.caChange !== undefined) {
    const c = v.caChange;
    if (!isObject(c) || !isString(c.ca) || c.ca === '' || !(CA_CHANGE_STAGES as readonly unknown[]).includes(c.stage)) return bad('caChange');
    decision.caChange = { ca: c.ca, stage: c.stage as CaChangeOrder['stage'] };
  }
  return { ok: true, value: decision };
}

/** The force-bootstrap ConfigMap's data: `member` and `nonce`, both non-empty. */
export function parseForceBootstrap(data: Record<string, string> | undefined): Parsed<ForceBootstrap> {
  const member = data?.member?.trim();
  const nonce = data?.nonce?.trim();
  if (!member) return { ok: false, error: 'data.member is missing: name the member to bootstrap, e.g. <db>-1' };
  if (!nonce) return { ok: false, error: 'data.nonce is missing: any value not used before (a request is acted on once per nonce)' };
  return { ok: true, value: { member, nonce } };
}

/** Is this member part of a Primary component right now, by its own report? */
export function isPrimary(facts: MemberFacts | undefined): boolean {
  return facts?.stage === 'running' && facts.wsrep?.clusterStatus === 'Primary';
}

/**
 * `pxc-tls agent`: the shell around the member's state machine (member.ts). Every tick: observe the
 * contract's files and the data directory, ask mysqld how it stands (when it should run), ask the
 * peers and read the leader's decision (while the round waits), step, perform the actions, publish
 * the facts when they changed. SIGTERM/SIGINT: stop writing anything (mysqld is being stopped by
 * the database container's preStop hook; a new peer-list now would start it again), close, exit 0.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { GALERA_PROTOCOL, parseDecision, type CaChangeOrder, type GaleraDecision, type MemberFacts, type RestartOrder, type WsrepStatus } from '../model/galera';
import { galeraDecisionsName, peerDNS } from '../model/names';
import { MEMBER_FACTS_ANNOTATION } from '../model/project';
import { createLogger, type Logger } from '../observe/log';
import { AgentFlagError, AGENT_HELP, parseAgentFlags, type AgentFlags } from './flags';
import { ContractFiles } from './files';
import { agentKube, type AgentKube } from './kube';
import { readMaterialFiles, ServerMaterial } from './material';
import { ServedCopies } from './served-copies';
import { Member, type Action } from './member';
import { agentMetrics } from './metrics';
import { MysqlConnection } from './mysql';
import { PeerClient, type PeerAddress } from './peers';
import { notReadyBecause } from './readiness';
import { RejoinClock, rejoinStatement } from './rejoin';
import { RestartMarker, restartOrdered } from './restart';
import { createAgentServer, listenOn } from './server';
import { TlsReloader } from './tls-reload';

declare const PXC_TLS_VERSION: string | undefined;
const VERSION = typeof PXC_TLS_VERSION === 'string' ? PXC_TLS_VERSION : 'dev';

/** How often the StatefulSet's replicas are read again. */
const REPLICAS_REFRESH_MS = 30_000;
/** How often a running member that needs a certificate restart reads the leader's decision. */
const RESTART_DECISION_MS = 5_000;
/** A status older than this does not make the member ready. */
const STATUS_FRESH_MS = 10_000;

export async function runAgent(args: readonly string[]): Promise<number> {
  let flags: AgentFlags | 'help';
  try {
    flags = parseAgentFlags(args, process.env);
  } catch (error) {
    if (error instanceof AgentFlagError) {
      process.stderr.write(`pxc-tls agent: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (flags === 'help') {
    process.stdout.write(AGENT_HELP);
    return 0;
  }
  const log = createLogger({ level: flags.logLevel, base: { component: 'pxc-tls-agent', member: flags.pod } });
  return new Agent(flags, log, agentKube(flags.api)).run();
}

const monotonic = () => performance.now();

/** Facts as published on the Pod: without the fast-moving wsrep_last_committed (that is /peer's and /metrics'). */
function annotationText(facts: MemberFacts): string {
  const { wsrep, ...rest } = facts;
  if (!wsrep) return JSON.stringify(rest);
  const { lastCommitted: _moving, ...steady } = wsrep;
  return JSON.stringify({ ...rest, wsrep: steady });
}

export class Agent {
  private readonly material: ServerMaterial;
  private readonly copies: ServedCopies;
  private caChangeOrder: CaChangeOrder | undefined;
  private readonly files: ContractFiles;
  private readonly peers: PeerClient;
  private readonly member: Member;
  private readonly metrics;
  private readonly reloader: TlsReloader;
  private replicas: number | undefined;
  private replicasAt = -Infinity;
  private status: WsrepStatus | undefined;
  private statusAt = -Infinity;
  private facts: MemberFacts | undefined;
  private published = '';
  private lastTick = monotonic();
  private stopping = false;
  private lastStage: string | undefined;
  private readonly rejoin = new RejoinClock();
  private lastExits = 0;
  private readonly warned = new Map<string, string>();
  private readonly marker: RestartMarker;
  private restartOrder: RestartOrder | undefined;
  private restartDecisionAt = -Infinity;
  /** The restart order whose marker this process wrote: never written twice (run.sh's cleanup removing it means it was executed). */
  private executedRestart: string | undefined;

  constructor(private readonly flags: AgentFlags, private readonly log: Logger, private readonly kube: AgentKube) {
    // The agent's port and peer client serve what mysqld loads: the verified copies.
    this.copies = new ServedCopies(flags.paths.servedTls, flags.paths.trust, join(flags.paths.tls, 'tls.key'));
    this.material = new ServerMaterial(() => this.copies.read());
    this.files = new ContractFiles(flags.paths);
    this.marker = new RestartMarker(flags.paths.runScript);
    this.peers = new PeerClient(() => this.material.current());
    this.member = new Member({ member: flags.pod, newRoundId: () => randomBytes(6).toString('hex') });
    this.metrics = agentMetrics({ facts: () => this.facts, ready: () => this.notReady() === undefined, memory: () => process.memoryUsage() });
    this.reloader = new TlsReloader({
      mounted: () => readMaterialFiles(flags.paths.tls),
      copies: this.copies,
      caChange: () => this.caChangeOrder,
      connect: (ca) => this.connectMysql(5000, ca),
      database: { name: flags.database, namespace: flags.namespace, clusterDomain: flags.clusterDomain },
      ordinal: flags.ordinal,
      log: this.log,
      metrics: { reloads: this.metrics.tlsReloads, refused: this.metrics.tlsRefused },
      mode: flags.tlsReload,
    });
  }

  async run(): Promise<number> {
    const { flags, log } = this;
    log.info('starting', { version: VERSION, protocol: GALERA_PROTOCOL, database: `${flags.namespace}/${flags.database}`, paths: flags.paths, api: flags.api.server });
    const material = await this.waitForMaterial();
    const server = createAgentServer(() => material.current(), {
      alive: () => monotonic() - this.lastTick < Math.max(30_000, 10 * flags.tickMs),
      notReady: () => this.notReady(),
      peerFacts: () => (this.facts ? JSON.stringify(this.facts) : undefined),
      metrics: () => this.metrics.registry.text(),
      scope: () => ({ database: flags.database, namespace: flags.namespace, members: Math.max(this.replicas ?? 0, flags.ordinal + 1, 16) }),
      onPeerRefused: (reason) => {
        this.metrics.peersRefused.inc();
        this.warnOnce('peer-refused', 'refused a /peer request', reason);
      },
    });
    const port = await listenOn(server, flags.listen.host, flags.listen.port);
    log.info('serving /healthz /readyz /peer /metrics over HTTPS', { port });

    let timer: NodeJS.Timeout | undefined;
    const loop = async () => {
      if (this.stopping) return;
      try {
        await this.tick();
      } catch (error) {
        this.warnOnce('tick', 'tick failed', (error as Error).message);
      }
      this.lastTick = monotonic();
      if (!this.stopping) timer = setTimeout(() => void loop(), flags.tickMs);
    };
    void loop();

    const signal = await new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    this.stopping = true;
    clearTimeout(timer);
    log.info('stopping: no more files written', { signal, stage: this.member.stage, round: this.member.roundId });
    this.peers.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    setTimeout(() => process.exit(0), 500).unref();
    return 0;
  }

  /**
   * The certificate files exist before the pod starts (the watcher's gate); wait anyway rather than
   * crash-loop. The first served copy is written here, before any round lets mysqld start: what
   * mysqld loads at its first start is verified too.
   */
  private async waitForMaterial(): Promise<ServerMaterial> {
    for (;;) {
      try {
        this.reloader.prepare();
        this.material.current();
        return this.material;
      } catch (error) {
        this.warnOnce('material', 'the server certificate is not readable yet', (error as Error).message);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }

  notReady(): string | undefined {
    const fresh = this.status && monotonic() - this.statusAt <= STATUS_FRESH_MS ? this.status : undefined;
    return notReadyBecause(fresh, this.member.stage ?? 'starting');
  }

  private warnOnce(key: string, msg: string, detail: string): void {
    if (this.warned.get(key) === detail) return;
    this.warned.set(key, detail);
    this.log.warn(msg, { error: detail });
  }

  private peerAddresses(): PeerAddress[] {
    const { flags } = this;
    const out: PeerAddress[] = [];
    for (let i = 0; i < (this.replicas ?? 0); i++) {
      if (i === flags.ordinal) continue;
      const member = `${flags.database}-${i}`;
      const servername = peerDNS(flags.database, flags.namespace, i);
      const override = flags.peerOverrides.get(member);
      out.push({ member, servername, host: override?.host ?? servername, port: override?.port ?? flags.peerPort });
    }
    return out;
  }

  private async refreshReplicas(): Promise<void> {
    if (monotonic() - this.replicasAt < REPLICAS_REFRESH_MS) return;
    try {
      const replicas = await this.kube.statefulSetReplicas(this.flags.namespace, this.flags.database);
      if (replicas === undefined) throw new Error(`StatefulSet ${this.flags.database} not found`);
      if (replicas !== this.replicas) this.log.info('members', { replicas });
      this.replicas = replicas;
      this.replicasAt = monotonic();
      this.warned.delete('replicas');
    } catch (error) {
      this.metrics.apiErrors.inc({ operation: 'get-statefulset' });
      this.warnOnce('replicas', 'cannot read the StatefulSet\'s replicas', (error as Error).message);
    }
  }

  /** The member's mysqld as the monitor user, over TLS verified with `ca` (the mounted CA by default). */
  private connectMysql(timeoutMs: number, ca: Buffer = this.material.current().ca): Promise<MysqlConnection> {
    const { mysql } = this.flags;
    return MysqlConnection.connect({ host: mysql.host, port: mysql.port, user: mysql.user, password: mysql.password, ca, timeoutMs });
  }

  private async readStatus(): Promise<WsrepStatus | undefined> {
    let connection: MysqlConnection | undefined;
    try {
      connection = await this.connectMysql(3000);
      const rows = await connection.query("SHOW GLOBAL STATUS LIKE 'wsrep%'");
      const v = new Map(rows.map((r) => [r[0] ?? '', r[1] ?? '']));
      if (!v.has('wsrep_cluster_status')) return undefined;
      const status: WsrepStatus = {
        clusterStatus: v.get('wsrep_cluster_status')!,
        localState: v.get('wsrep_local_state_comment') ?? '',
        clusterSize: Number(v.get('wsrep_cluster_size') ?? 0),
        clusterStateUuid: v.get('wsrep_cluster_state_uuid') ?? '',
      };
      const committed = Number(v.get('wsrep_last_committed'));
      if (Number.isInteger(committed)) status.lastCommitted = committed;
      this.warned.delete('mysql');
      return status;
    } catch (error) {
      if (this.member.stage === 'running') {
        this.metrics.mysqlErrors.inc();
        this.warnOnce('mysql', 'mysqld does not answer', (error as Error).message);
      }
      return undefined;
    } finally {
      connection?.close();
    }
  }

  /** mysqld runs but left every component (rejoin.ts): it connects to the cluster address again. */
  private async askToRejoin(): Promise<void> {
    let connection: MysqlConnection | undefined;
    try {
      connection = await this.connectMysql(30_000);
      const address = (await connection.query('SELECT @@GLOBAL.wsrep_cluster_address'))[0]?.[0];
      if (!address) return;
      this.log.warn('the member left every component; asking mysqld to connect to the cluster again', { clusterAddress: address });
      this.metrics.rejoins.inc();
      await connection.query(rejoinStatement(address));
    } catch (error) {
      this.warnOnce('rejoin', 'cannot ask mysqld to connect again', (error as Error).message);
    } finally {
      connection?.close();
    }
  }

  private async readDecision(): Promise<GaleraDecision | undefined> {
    try {
      const data = await this.kube.configMapData(this.flags.namespace, galeraDecisionsName(this.flags.database));
      this.warned.delete('decision');
      if (!data?.decision) return undefined;
      const parsed = parseDecision(data.decision);
      if (!parsed.ok) {
        this.warnOnce('decision-parse', 'the leader\'s decision is unreadable; ignored', parsed.error);
        return undefined;
      }
      return parsed.value;
    } catch (error) {
      this.metrics.apiErrors.inc({ operation: 'get-configmap' });
      this.warnOnce('decision', 'cannot read the leader\'s decisions', (error as Error).message);
      return undefined;
    }
  }

  async tick(): Promise<void> {
    const now = monotonic();
    await this.refreshReplicas();
    const observed = this.files.observe();
    const stage = this.member.stage;
    const expectsMysql = stage === undefined || stage === 'starting' || stage === 'running';
    this.status = expectsMysql ? await this.readStatus() : undefined;
    if (this.status) this.statusAt = monotonic();
    if (stage === 'running' && this.rejoin.due(this.status, now)) await this.askToRejoin();
    // A renewed server certificate: checked, and reloaded in the running mysqld (tls-reload.ts).
    // Otherwise the copies are still kept (a CA staged, a renewal verified): mysqld reads them when it starts.
    if (this.status && !this.stopping) await this.reloader.check();
    else if (!this.stopping) this.reloader.prepare();
    const peers: MemberFacts[] = [];
    let decision: GaleraDecision | undefined;
    if (this.member.wantsPeers()) {
      const answers = await this.peers.askAll(this.peerAddresses());
      for (const a of answers) {
        if ('facts' in a) peers.push(a.facts);
        else {
          this.metrics.peerErrors.inc({ member: a.member });
          this.log.debug('peer did not answer', { peer: a.member, error: a.error });
        }
      }
      decision = await this.readDecision();
    }
    if (this.stopping) return;
    // peer-list needs the member count: no new round until it is known.
    const startsRound = stage === undefined || stage === 'new' || stage === 'backoff';
    if (startsRound && this.replicas === undefined) return;

    const actions = this.member.step({ ...observed, now, peers, decision, mysql: this.status });
    for (const action of actions) this.perform(action);

    const facts = this.member.facts({ dataDir: observed.dataDir, grastate: observed.grastate, mysql: this.status });
    const tlsReload = this.reloader.facts();
    if (facts && tlsReload) facts.tlsReload = tlsReload;
    this.facts = facts;
    if (this.member.exits > this.lastExits) {
      this.reloader.restarted(); // the new mysqld read the files as they are now
      this.metrics.mysqldExits.inc({}, this.member.exits - this.lastExits);
      this.lastExits = this.member.exits;
    }
    await this.followRestartOrder();
    if (facts && facts.stage !== this.lastStage) {
      this.log.info(`stage ${facts.stage}`, { facts });
      this.lastStage = facts.stage;
    }
    if (facts) await this.publish(facts);
  }

  /**
   * A certificate restart the leader ordered (restart.ts): while it names this member, this round
   * and the pending fingerprint, the marker makes the kubelet restart the database container.
   * After the round has ended (the step above saw run.sh's cleanup), the marker goes.
   */
  private async followRestartOrder(): Promise<void> {
    const tlsReload = this.reloader.facts();
    const restartMayCome = tlsReload?.needsRestart && this.member.stage === 'running';
    // A CA change under way (trust-stage.ts): a leaf waiting for `present`, or a bundle of two CAs for `retire`.
    const caChangeUnderWay = tlsReload?.waitingCa !== undefined || (tlsReload?.trusted?.length ?? 0) > 1;
    if ((restartMayCome || caChangeUnderWay) && monotonic() - this.restartDecisionAt >= RESTART_DECISION_MS) {
      this.restartDecisionAt = monotonic();
      const decision = await this.readDecision();
      // An API error keeps the orders as last read: a hiccup must not cancel a restart under way.
      if (!this.warned.has('decision')) {
        this.restartOrder = decision?.restart;
        this.caChangeOrder = decision?.caChange;
      }
    }
    if (this.stopping) return;
    const order = this.restartOrder;
    const ordered = restartOrdered(order, { member: this.flags.pod, round: this.member.roundId, tlsReload });
    try {
      const present = this.marker.current();
      if (ordered) {
        const key = JSON.stringify(order);
        if (this.executedRestart === key && !present) return; // run.sh removed it: executed
        if (this.marker.set(order)) {
          this.executedRestart = key;
          this.metrics.restarts.inc();
          this.log.warn('restarting mysqld for the renewed certificate, as the leader ordered: the database container\'s liveness probe fails while the marker exists', { order, reason: tlsReload?.reason });
        }
      } else if (present && this.marker.set(undefined)) {
        this.log.info('restart marker removed', { marker: present, order: order ?? null, round: this.member.roundId });
      }
      this.warned.delete('marker');
    } catch (error) {
      this.warnOnce('marker', 'cannot write or remove the restart marker', (error as Error).message);
    }
  }

  private perform(action: Action): void {
    if (this.stopping) return;
    const hosts = Array.from({ length: this.replicas ?? 0 }, (_, i) => peerDNS(this.flags.database, this.flags.namespace, i));
    this.files.perform(action, hosts);
    if (action.kind === 'write-pre-run') {
      this.metrics.rounds.inc();
      this.metrics.scripts.inc({ script: action.script });
      this.log.info('round started', { round: this.member.roundId, preRun: action.script, peerList: hosts });
    } else if (action.kind === 'write-run-on-present') {
      this.metrics.scripts.inc({ script: action.script });
      if (action.script !== 'join-cluster.sh') this.metrics.bootstraps.inc({ script: action.script });
      this.log.info(`wrote run-on-present: ${action.script}`, { round: this.member.roundId, why: action.why });
    }
  }

  private async publish(facts: MemberFacts): Promise<void> {
    const text = annotationText(facts);
    if (text === this.published) return;
    try {
      await this.kube.patchPodAnnotation(this.flags.namespace, this.flags.pod, MEMBER_FACTS_ANNOTATION, text);
      this.published = text;
      this.warned.delete('publish');
    } catch (error) {
      this.metrics.apiErrors.inc({ operation: 'patch-pod' });
      this.warnOnce('publish', 'cannot publish the member facts on the Pod', (error as Error).message);
    }
  }
}

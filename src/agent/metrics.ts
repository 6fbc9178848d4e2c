/** The agent's metrics (Prometheus text from src/observe/prometheus.ts), in one place. */
import { STAGES, type MemberFacts } from '../model/galera';
import { Counter, Gauge, memoryGauges, Registry } from '../observe/prometheus';

export function agentMetrics(sources: {
  facts: () => MemberFacts | undefined;
  ready: () => boolean;
  memory?: () => Pick<NodeJS.MemoryUsage, 'rss' | 'heapTotal' | 'heapUsed' | 'external'>;
}) {
  const registry = new Registry();
  const fact = <T,>(read: (f: MemberFacts) => T | undefined) => () => {
    const f = sources.facts();
    return f === undefined ? undefined : read(f);
  };
  const seqno = fact((f) => f.seqno);
  const size = fact((f) => f.wsrep?.clusterSize);
  const committed = fact((f) => f.wsrep?.lastCommitted);
  return {
    registry,
    stage: registry.register(new Gauge('pxc_tls_agent_stage', 'The member\'s stage in the current round of run.sh (1 for the current one).', () =>
      STAGES.map((stage) => ({ labels: { stage }, value: sources.facts()?.stage === stage ? 1 : 0 })))),
    ready: registry.register(new Gauge('pxc_tls_agent_ready', '1 when the member is Synced in a Primary component (the readiness probe).', () => [{ value: sources.ready() ? 1 : 0 }])),
    seqno: registry.register(new Gauge('pxc_tls_agent_seqno', 'The member\'s Galera position as last recovered or read from grastate.dat (-1: none).', () => {
      const v = seqno();
      return v === undefined ? [] : [{ value: v }];
    })),
    clusterSize: registry.register(new Gauge('pxc_tls_agent_wsrep_cluster_size', 'wsrep_cluster_size as the member\'s mysqld reports it.', () => {
      const v = size();
      return v === undefined ? [] : [{ value: v }];
    })),
    lastCommitted: registry.register(new Gauge('pxc_tls_agent_wsrep_last_committed', 'wsrep_last_committed as the member\'s mysqld reports it.', () => {
      const v = committed();
      return v === undefined ? [] : [{ value: v }];
    })),
    mysqldExits: registry.register(new Counter('pxc_tls_agent_mysqld_exits_total', 'mysqld exits under run.sh\'s loop (the container is never restarted for them).')),
    rounds: registry.register(new Counter('pxc_tls_agent_rounds_total', 'Rounds of run.sh the agent prepared (peer-list and a pre-run script written).')),
    scripts: registry.register(new Counter('pxc_tls_agent_scripts_written_total', 'Init-image scripts copied into /run-script, by script.')),
    bootstraps: registry.register(new Counter('pxc_tls_agent_bootstraps_total', 'Bootstrap orders of the watcher\'s leader this member executed, by script.')),
    peerErrors: registry.register(new Counter('pxc_tls_agent_peer_errors_total', 'Peers that did not answer /peer (or answered wrongly), by member.')),
    peersRefused: registry.register(new Counter('pxc_tls_agent_peer_requests_refused_total', 'Requests to /peer refused: no client certificate, or not one of this database\'s members.')),
    apiErrors: registry.register(new Counter('pxc_tls_agent_api_errors_total', 'Failed Kubernetes API calls, by operation.')),
    rejoins: registry.register(new Counter('pxc_tls_agent_rejoins_total', 'Times the member, Disconnected from every component while mysqld ran, was asked to connect to the cluster again (rejoin.ts).')),
    mysqlErrors: registry.register(new Counter('pxc_tls_agent_mysql_errors_total', 'Failed status queries to the member\'s mysqld while it should answer.')),
    tlsReloads: registry.register(new Counter('pxc_tls_agent_tls_reloads_total', 'Renewed server certificates the agent verified and tried to reload, by result: reloaded, needs-restart (a channel the server cannot reload), failed (a statement failed; tried again).')),
    restarts: registry.register(new Counter('pxc_tls_agent_certificate_restarts_total', 'Certificate restart orders of the watcher\'s leader this member executed (the marker written: the kubelet restarts the database container).')),
    tlsRefused: registry.register(new Counter('pxc_tls_agent_tls_renewals_refused_total', 'Renewed server certificates refused by the checks (not loaded; the old one stays served), by reason.')),
    tlsState: registry.register(new Gauge('pxc_tls_agent_tls_reload_state', 'The server certificate\'s reload state (1 for the current one): current, pending, needs-restart, refused.', () => {
      const t = sources.facts()?.tlsReload;
      if (!t) return [];
      const state = t.refused ? 'refused' : t.needsRestart ? 'needs-restart' : t.pending ? 'pending' : 'current';
      return ['current', 'pending', 'needs-restart', 'refused'].map((s) => ({ labels: { state: s }, value: s === state ? 1 : 0 }));
    })),
    ...(sources.memory ? memoryGauges(registry, sources.memory) : {}),
  };
}

export type AgentMetrics = ReturnType<typeof agentMetrics>;

/** The watcher's metrics (Prometheus text from src/observe/prometheus.ts). */
import { Counter, Gauge, Histogram, memoryGauges, Registry } from '../observe/prometheus';
export { CONTENT_TYPE, Counter, Gauge, Histogram, Registry } from '../observe/prometheus';

/** Seconds: from a quarter second (a watcher reacting to a Secret) to ten minutes (waiting for issuance). */
export const UNGATE_LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** The watcher's metrics, in one place. Gauges that reflect the caches are computed at scrape time. */
export function watcherMetrics(sources: {
  gatedPods: () => number;
  verdicts: () => Map<string, number>;
  leader: () => boolean;
  /** process.memoryUsage() in the process; names as prom-client's default metrics. */
  memory?: () => Pick<NodeJS.MemoryUsage, 'rss' | 'heapTotal' | 'heapUsed' | 'external'>;
}) {
  const registry = new Registry();
  return {
    registry,
    gatedPods: registry.register(new Gauge('pxc_tls_gated_pods', 'Pods carrying the pxc-tls.dev/certificates-ready scheduling gate, as seen by this replica.', () => [{ value: sources.gatedPods() }])),
    databaseVerdicts: registry.register(new Gauge('pxc_tls_database_verdicts', 'Databases with gated pods by the reason of their latest verdict (CertificatesVerified when all checks pass).', () =>
      [...sources.verdicts().entries()].map(([reason, value]) => ({ labels: { reason }, value })))),
    verdicts: registry.register(new Counter('pxc_tls_verdicts_total', 'Database verdicts evaluated, by reason.')),
    ungated: registry.register(new Counter('pxc_tls_ungated_pods_total', 'Pods whose scheduling gate this watcher removed.')),
    ungateLatency: registry.register(new Histogram('pxc_tls_ungate_latency_seconds', 'From this replica first seeing a pod gated to removing its gate.', UNGATE_LATENCY_BUCKETS)),
    watchRestarts: registry.register(new Counter('pxc_tls_watch_restarts_total', 'Informer restarts after a watch or list error, and watchdog resyncs, by resource and cause.')),
    apiErrors: registry.register(new Counter('pxc_tls_api_errors_total', 'Failed writes to the API server, by operation.')),
    leader: registry.register(new Gauge('pxc_tls_leader', '1 when this replica holds the leader Lease.', () => [{ value: sources.leader() ? 1 : 0 }])),
    leaderTransitions: registry.register(new Counter('pxc_tls_leader_transitions_total', 'Times this replica started or stopped leading.')),
    ...(sources.memory ? memoryGauges(registry, sources.memory) : {}),
  };
}

export type WatcherMetrics = ReturnType<typeof watcherMetrics>;

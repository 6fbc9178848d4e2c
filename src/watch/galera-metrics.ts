/** The watcher's Galera metrics (registered in the watcher's registry by metrics.ts). */
import { Counter, Gauge, type Registry } from '../observe/prometheus';

export function galeraMetrics(registry: Registry, phases: () => Map<string, number>) {
  return {
    databases: registry.register(new Gauge('pxc_tls_galera_databases', 'Databases by the phase of the leader\'s latest Galera decision (running, waiting, bootstrap, blocked).', () =>
      [...phases().entries()].map(([phase, value]) => ({ labels: { phase }, value })))),
    decisions: registry.register(new Counter('pxc_tls_galera_decisions_total', 'Galera decisions written to a <db>-pxc-tls-galera ConfigMap, by phase.')),
    orders: registry.register(new Counter('pxc_tls_galera_bootstrap_orders_total', 'Bootstrap orders given, by init-image script.')),
    restartOrders: registry.register(new Counter('pxc_tls_galera_restart_orders_total', 'Certificate restart orders given (one member at a time restarts mysqld to serve a renewed certificate a channel cannot reload).')),
    caChangeOrders: registry.register(new Counter('pxc_tls_galera_ca_change_orders_total', 'CA change stages ordered, by stage (present: every member trusts the new CA; retire: every member serves a leaf of it).')),
    conflicts: registry.register(new Counter('pxc_tls_galera_write_conflicts_total', 'Decision writes refused because the ConfigMap changed since it was read (HTTP 409).')),
    apiErrors: registry.register(new Counter('pxc_tls_galera_api_errors_total', 'Failed API calls of the Galera reconcile, by operation.')),
  };
}

export type GaleraMetrics = ReturnType<typeof galeraMetrics>;

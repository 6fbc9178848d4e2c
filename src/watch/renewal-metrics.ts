/**
 * The metrics of renewal.ts, registered on the watcher's registry. Only the leader probes, so only
 * the leader has per-pod series; they vanish when it stops leading or a pod stops answering.
 */
import { Counter, Gauge, Histogram, type Registry } from './metrics';

/** Seconds: a probe is a TCP connect, a TLS handshake and a refused login — milliseconds on a healthy pod. */
export const PROBE_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface RenewalSources {
  /** Per pod that answered the last probe: its served certificate's notAfter (ms since the epoch). */
  servedPods(): Array<{ namespace: string; pod: string; notAfterMs: number; reason: string }>;
  /** Databases by warning reason. */
  databaseWarnings(): Map<string, number>;
  now(): number;
}

export function renewalMetrics(registry: Registry, sources: RenewalSources) {
  return {
    servedExpiry: registry.register(new Gauge('pxc_tls_served_certificate_expiry_seconds',
      'Seconds until the certificate each database pod serves on its SQL port expires (negative once expired), as read by the leader\'s last probe.',
      () => sources.servedPods().map((p) => ({ labels: { namespace: p.namespace, pod: p.pod }, value: Math.floor((p.notAfterMs - sources.now()) / 1000) })))),
    servedPods: registry.register(new Gauge('pxc_tls_served_certificates', 'Database pods by what they serve against their Secret (ServedCertificateCurrent, …Pending, …Stale, …ExpiringSoon, …Expired, ServedWithoutTLS).', () => {
      const counts = new Map<string, number>();
      for (const p of sources.servedPods()) counts.set(p.reason, (counts.get(p.reason) ?? 0) + 1);
      return [...counts].map(([reason, value]) => ({ labels: { reason }, value }));
    })),
    probes: registry.register(new Counter('pxc_tls_served_probes_total', 'Served-certificate probes by result: ok, or why no certificate was read (connect, timeout, refused, protocol, tls).')),
    probeDuration: registry.register(new Histogram('pxc_tls_served_probe_duration_seconds', 'One served-certificate probe, connect to close.', PROBE_DURATION_BUCKETS)),
    databaseWarnings: registry.register(new Gauge('pxc_tls_database_warnings', 'Databases by warning reason (CARekeyedAtRenewal and the served-certificate warnings).',
      () => [...sources.databaseWarnings()].map(([reason, value]) => ({ labels: { reason }, value })))),
  };
}

export type RenewalMetrics = ReturnType<typeof renewalMetrics>;

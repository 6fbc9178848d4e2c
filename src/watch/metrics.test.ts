import { Counter, Gauge, Histogram, Registry, watcherMetrics } from './metrics';

describe('Prometheus text format', () => {
  test('HELP and TYPE lines, sorted escaped labels, histogram buckets cumulative with +Inf, sum and count', () => {
    const r = new Registry();
    const c = r.register(new Counter('x_total', 'Things.\nSecond line'));
    c.inc({ reason: 'Expired', a: 'q"uote\\' });
    c.inc({ reason: 'Expired', a: 'q"uote\\' }, 2);
    r.register(new Gauge('g', 'A gauge.', () => [{ value: 3 }]));
    const h = r.register(new Histogram('lat_seconds', 'Latency.', [0.5, 1, 5]));
    [0.2, 0.7, 0.7, 9].forEach((v) => h.observe(v));
    expect(r.text()).toBe([
      '# HELP x_total Things.\\nSecond line',
      '# TYPE x_total counter',
      'x_total{a="q\\"uote\\\\",reason="Expired"} 3',
      '# HELP g A gauge.',
      '# TYPE g gauge',
      'g 3',
      '# HELP lat_seconds Latency.',
      '# TYPE lat_seconds histogram',
      'lat_seconds_bucket{le="0.5"} 1',
      'lat_seconds_bucket{le="1"} 3',
      'lat_seconds_bucket{le="5"} 3',
      'lat_seconds_bucket{le="+Inf"} 4',
      'lat_seconds_sum 10.6',
      'lat_seconds_count 4',
      '',
    ].join('\n'));
  });

  test('the watcher exposes gated pods, verdicts by reason, ungate latency, watch restarts and leader status', () => {
    const m = watcherMetrics({ gatedPods: () => 5, verdicts: () => new Map([['UntrustedIssuer', 2]]), leader: () => true });
    m.watchRestarts.inc({ resource: 'pods', cause: 'error' });
    m.ungateLatency.observe(0.3);
    const text = m.registry.text();
    for (const line of ['pxc_tls_gated_pods 5', 'pxc_tls_database_verdicts{reason="UntrustedIssuer"} 2', 'pxc_tls_leader 1',
      'pxc_tls_watch_restarts_total{cause="error",resource="pods"} 1', 'pxc_tls_ungate_latency_seconds_count 1', '# TYPE pxc_tls_verdicts_total counter']) {
      expect(text.split('\n')).toContain(line);
    }
    expect(() => m.registry.register(new Counter('pxc_tls_leader', 'again'))).toThrow(/registered twice/);
  });

  test('with a memory source: resident memory and the V8 heap, as prom-client names them', () => {
    const m = watcherMetrics({ gatedPods: () => 0, verdicts: () => new Map(), leader: () => false, memory: () => ({ rss: 70e6, heapTotal: 30e6, heapUsed: 20e6, external: 2e6 }) });
    const lines = m.registry.text().split('\n');
    for (const line of ['process_resident_memory_bytes 70000000', 'nodejs_heap_size_total_bytes 30000000', 'nodejs_heap_size_used_bytes 20000000', 'nodejs_external_memory_bytes 2000000']) {
      expect(lines).toContain(line);
    }
  });
});

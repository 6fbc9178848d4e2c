import { DEFAULT_RENDER_OPTIONS } from '../model/options';
import { perconaXtraDB, withSpec } from '../test-support/fixtures';
import { resolveDatabase } from './resolve';
import { renderGoverningService, renderPrimaryService, renderStatsService } from './service';

const model = (db = perconaXtraDB()) => resolveDatabase(db, { ...DEFAULT_RENDER_OPTIONS, images: { versions: {}, mirror: {} } });

describe('Services', () => {
  it('primary: ClusterIP, port primary → db, selecting the database\'s pods', () => {
    expect(renderPrimaryService(model()).spec).toEqual({
      type: 'ClusterIP',
      ports: [{ name: 'primary', port: 3306, targetPort: 'db' }],
      selector: { 'app.kubernetes.io/name': 'perconaxtradbs.kubedb.com', 'app.kubernetes.io/instance': 'sample-pxc', 'app.kubernetes.io/managed-by': 'kubedb.com' },
    });
  });

  it('governing: headless and publishing not-ready pods', () => {
    const service = renderGoverningService(model());
    expect(service.metadata.name).toBe('sample-pxc-pods');
    expect(service.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ name: 'db', port: 3306, targetPort: 'db' }] });
  });

  it('applies serviceTemplates: metadata, spec fields and ports by name', () => {
    const db = perconaXtraDB('sample-pxc', withSpec({
      serviceTemplates: [{ alias: 'primary', metadata: { labels: { exposed: 'true' }, annotations: { a: 'b' } }, spec: { type: 'NodePort', ports: [{ name: 'primary', port: 13306, nodePort: 30306 }] } }],
    }));
    const service = renderPrimaryService(model(db));
    expect(service.metadata.labels?.exposed).toBe('true');
    expect(service.metadata.annotations?.a).toBe('b');
    expect(service.spec).toMatchObject({ type: 'NodePort', ports: [{ name: 'primary', port: 13306, nodePort: 30306, targetPort: 'db' }] });
  });

  it('stats: the exporter port, role label, and prometheus annotations for the builtin agent', () => {
    const db = perconaXtraDB('sample-pxc', withSpec({ monitor: { agent: 'prometheus.io/builtin', prometheus: { exporter: { port: 9104 } } } }));
    const service = renderStatsService(model(db));
    expect(service.metadata.name).toBe('sample-pxc-stats');
    expect(service.metadata.labels?.['kubedb.com/role']).toBe('stats');
    expect(service.metadata.annotations).toMatchObject({ 'prometheus.io/path': '/metrics', 'prometheus.io/port': '9104', 'prometheus.io/scrape': 'true' });
    expect(service.spec).toMatchObject({ ports: [{ name: 'metrics', port: 9104, targetPort: 'metrics' }] });
  });
});

import { DEFAULT_CONFIG, parseFnConfig } from './fn-config';

describe('parseFnConfig', () => {
  it('defaults without a config, and for an empty ConfigMap', () => {
    expect(parseFnConfig(undefined)).toEqual({ config: DEFAULT_CONFIG, results: [] });
    expect(parseFnConfig({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'function-input' }, data: {} })).toEqual({ config: DEFAULT_CONFIG, results: [] });
  });

  it('reads ConfigMap string data, booleans included', () => {
    const parsed = parseFnConfig({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'function-input' },
      data: { clusterDomain: 'corp.internal', 'images.versions.8.4.3.db': 'mirror/pxc:8.4.3', 'images.mirror.docker.io': 'mirror/docker.io', schedulingGate: 'false', argoSyncWaves: 'true', mode: 'kubedb' },
    });
    expect(parsed).toEqual({
      config: { clusterDomain: 'corp.internal', images: { versions: { '8.4.3': { db: 'mirror/pxc:8.4.3' } }, mirror: { 'docker.io': 'mirror/docker.io' } }, schedulingGate: false, argoSyncWaves: true, mode: 'kubedb' },
      results: [],
    });
  });

  it('reads the typed config, with kpt and kustomize annotations on it', () => {
    const parsed = parseFnConfig({
      apiVersion: 'fn.pxc-tls.dev/v1alpha1',
      kind: 'PxcTlsConfig',
      metadata: { name: 'pxc-tls', annotations: { 'config.kubernetes.io/function': 'exec:\n  path: pxc-tls\n', 'config.kubernetes.io/local-config': 'true' } },
      spec: { clusterDomain: 'cluster.example', images: { versions: { '8.0.40': { exporter: 'mirror/exporter:1' } } }, schedulingGate: true },
    });
    expect(parsed.results).toEqual([]);
    expect(parsed.config).toEqual({ ...DEFAULT_CONFIG, clusterDomain: 'cluster.example', images: { versions: { '8.0.40': { exporter: 'mirror/exporter:1' } }, mirror: {} } });
  });

  it('accepts a PerconaXtraDB as its own generator config (kustomize generators)', () => {
    expect(parseFnConfig({ apiVersion: 'kubedb.com/v1', kind: 'PerconaXtraDB', metadata: { name: 'db' }, spec: {} }).results).toEqual([]);
  });

  it('reports every problem at once, naming the field', () => {
    const parsed = parseFnConfig({ apiVersion: 'fn.pxc-tls.dev/v1alpha1', kind: 'PxcTlsConfig', metadata: { name: 'c' }, spec: { clusterDomain: 'Not A Domain', colour: 'blue', argoSyncWaves: 'yes' } });
    expect(parsed.results.map((r) => [r.severity, r.field?.path])).toEqual([
      ['error', 'spec.clusterDomain'],
      ['error', 'spec.colour'],
      ['error', 'spec.argoSyncWaves'],
    ]);
    expect(parsed.results[1]!.message).toContain('unknown option "colour"');
  });

  it('refuses an image override that does not say what it replaces, and explains the two forms', () => {
    const parsed = parseFnConfig({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'function-input' }, data: { 'images.db': 'mirror/pxc:8.4.3' } });
    expect(parsed.results).toEqual([expect.objectContaining({ severity: 'error', field: { path: 'data.images.db' }, message: expect.stringMatching(/every version.*images\.versions\.<version>\.db.*images\.mirror\.<registry>/) })]);
  });

  it('warns about a mirror that replaces no catalog image', () => {
    const parsed = parseFnConfig({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'function-input' }, data: { 'images.mirror.quay.io': 'mirror/quay' } });
    expect(parsed.results).toEqual([expect.objectContaining({ severity: 'warning', field: { path: 'data.images.mirror.quay.io' }, message: 'replaces nothing: no catalog image starts with "quay.io/"' })]);
  });

  it('suggests the option meant for a near miss', () => {
    const parsed = parseFnConfig({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'function-input' }, data: { clusterdomain: 'x.y' } });
    expect(parsed.results[0]!.message).toContain('did you mean "clusterDomain"?');
  });

  it('rejects top-level fields of the typed config outside spec', () => {
    const parsed = parseFnConfig({ apiVersion: 'fn.pxc-tls.dev/v1alpha1', kind: 'PxcTlsConfig', metadata: { name: 'c' }, clusterDomain: 'x' });
    expect(parsed.results.map((r) => r.field?.path)).toEqual(['clusterDomain']);
  });
});

describe('the kustomize generator form: the agent\'s image from the database\'s annotation', () => {
  const db = (annotations?: Record<string, string>) => ({ apiVersion: 'kubedb.com/v1', kind: 'PerconaXtraDB', metadata: { name: 'db', ...(annotations ? { annotations } : {}) }, spec: {} });
  test('sets images.agent', () => expect(parseFnConfig(db({ 'pxc-tls.dev/agent-image': 'registry.example.com/pxc-tls:1' })).config.images).toEqual({ versions: {}, mirror: {}, agent: 'registry.example.com/pxc-tls:1' }));
  test('a bad value is located at the annotation', () => expect(parseFnConfig(db({ 'pxc-tls.dev/agent-image': 'not an image' })).results).toEqual([
    expect.objectContaining({ severity: 'error', field: { path: 'metadata.annotations.pxc-tls.dev/agent-image' } }),
  ]));
});

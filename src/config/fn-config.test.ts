import { DEFAULT_WATCHER_PEERS } from '../model/options';
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
      config: { clusterDomain: 'corp.internal', images: { versions: { '8.4.3': { db: 'mirror/pxc:8.4.3' } }, mirror: { 'docker.io': 'mirror/docker.io' } }, schedulingGate: false, argoSyncWaves: true, mode: 'kubedb', networkPolicies: { enabled: true, monitoringNamespace: 'monitoring', watcherFrom: DEFAULT_WATCHER_PEERS } },
      results: [],
    });
  });

  const webAndShop = [{ podSelector: { matchLabels: { app: 'web' } } }, { namespaceSelector: { matchLabels: { team: 'shop' } }, podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['api'] }] } }];

  it('reads the NetworkPolicy options: mysqlFrom as a list (typed) or as YAML text (ConfigMap), the same peers either way', () => {
    const typed = parseFnConfig({
      apiVersion: 'fn.pxc-tls.dev/v1alpha1',
      kind: 'PxcTlsConfig',
      metadata: { name: 'c' },
      spec: { networkPolicies: { mysqlFrom: webAndShop, monitoringNamespace: 'observability' } },
    });
    expect(typed).toEqual({ config: { ...DEFAULT_CONFIG, networkPolicies: { enabled: true, mysqlFrom: webAndShop, monitoringNamespace: 'observability', watcherFrom: DEFAULT_WATCHER_PEERS } }, results: [] });
    const text = '- podSelector:\n    matchLabels: {app: web}\n- namespaceSelector:\n    matchLabels: {team: shop}\n  podSelector:\n    matchExpressions: [{key: app, operator: In, values: [api]}]\n';
    const configMap = parseFnConfig({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'f' }, data: { 'networkPolicies.mysqlFrom': text, 'networkPolicies.enabled': 'false' } });
    expect(configMap).toEqual({ config: { ...DEFAULT_CONFIG, networkPolicies: { enabled: false, mysqlFrom: webAndShop, monitoringNamespace: 'monitoring', watcherFrom: DEFAULT_WATCHER_PEERS } }, results: [] });
  });

  it('never changes the defaults it hands out', () => {
    const parsed = parseFnConfig({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'f' }, data: { 'networkPolicies.enabled': 'false', 'networkPolicies.monitoringNamespace': 'obs' } });
    parsed.config.networkPolicies.watcherFrom[0]!.podSelector!.matchLabels!.app = 'changed';
    parsed.config.networkPolicies.watcherFrom.push({ podSelector: {} });
    expect(DEFAULT_CONFIG.networkPolicies).toEqual({ enabled: true, monitoringNamespace: 'monitoring', watcherFrom: DEFAULT_WATCHER_PEERS });
    expect(DEFAULT_WATCHER_PEERS[0]).toEqual({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'pxc-tls-watch' } } });
  });

  it('reads watcherFrom (where the watcher runs) in both forms; an empty list admits no watcher', () => {
    const ops = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'pxc-tls-watch' } } }];
    const typed = parseFnConfig({ apiVersion: 'fn.pxc-tls.dev/v1alpha1', kind: 'PxcTlsConfig', metadata: { name: 'c' }, spec: { networkPolicies: { watcherFrom: ops } } });
    expect(typed).toEqual({ config: { ...DEFAULT_CONFIG, networkPolicies: { ...DEFAULT_CONFIG.networkPolicies, watcherFrom: ops } }, results: [] });
    const none = parseFnConfig({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'f' }, data: { 'networkPolicies.watcherFrom': '[]' } });
    expect(none).toEqual({ config: { ...DEFAULT_CONFIG, networkPolicies: { ...DEFAULT_CONFIG.networkPolicies, watcherFrom: [] } }, results: [] });
    const bad = parseFnConfig({ apiVersion: 'fn.pxc-tls.dev/v1alpha1', kind: 'PxcTlsConfig', metadata: { name: 'c' }, spec: { networkPolicies: { watcherFrom: [{ ipBlock: { cidr: '10.0.0.0/8' } }] } } });
    expect(bad.results.map((r) => r.field?.path)).toEqual(['spec.networkPolicies.watcherFrom[0].ipBlock']);
    expect(bad.config.networkPolicies.watcherFrom).toEqual(DEFAULT_WATCHER_PEERS);
  });

  const peerProblems: Array<[string, unknown, Array<[string, RegExp]>]> = [
    ['not a list', { app: 'web' }, [['spec.networkPolicies.mysqlFrom', /must be a list of peers/]]],
    ['an ipBlock', [{ ipBlock: { cidr: '10.0.0.0/8' } }], [['spec.networkPolicies.mysqlFrom[0].ipBlock', /only selectors are accepted/]]],
    ['an empty peer', [{}], [['spec.networkPolicies.mysqlFrom[0]', /needs a podSelector or a namespaceSelector/]]],
    ['a bad label key and value', [{ podSelector: { matchLabels: { 'Bad Key': 'x', app: 'has space' } } }], [['spec.networkPolicies.mysqlFrom[0].podSelector.matchLabels.Bad Key', /"Bad Key" is not a valid label key/], ['spec.networkPolicies.mysqlFrom[0].podSelector.matchLabels.app', /must be a label value/]]],
    ['an unknown operator', [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['x'] }] } }], [['spec.networkPolicies.mysqlFrom[0].podSelector.matchExpressions[0].operator', /must be one of In, NotIn, Exists, DoesNotExist/]]],
    ['In without values', [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In' }] } }], [['spec.networkPolicies.mysqlFrom[0].namespaceSelector.matchExpressions[0].values', /needs at least one value/]]],
    ['Exists with values', [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['x'] }] } }], [['spec.networkPolicies.mysqlFrom[0].podSelector.matchExpressions[0].values', /takes no values/]]],
    ['a misspelt selector field', [{ podSelector: { matchLabel: { app: 'web' } } }], [['spec.networkPolicies.mysqlFrom[0].podSelector.matchLabel', /expected matchLabels or matchExpressions/]]],
  ];
  it.each(peerProblems)('rejects mysqlFrom with %s, at the field, and keeps mysqld unrestricted', (_name, mysqlFrom, expected) => {
    const parsed = parseFnConfig({ apiVersion: 'fn.pxc-tls.dev/v1alpha1', kind: 'PxcTlsConfig', metadata: { name: 'c' }, spec: { networkPolicies: { mysqlFrom } } });
    expect(parsed.results.map((r) => [r.field?.path, r.message])).toEqual(expected.map(([path, message]) => [path, expect.stringMatching(message)]));
    expect(parsed.results.every((r) => r.severity === 'error')).toBe(true);
    expect(parsed.config.networkPolicies.mysqlFrom).toBeUndefined();
  });

  it('rejects mysqlFrom text that is no YAML, and a monitoring namespace that is no namespace name', () => {
    const parsed = parseFnConfig({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'f' }, data: { 'networkPolicies.mysqlFrom': '- podSelector: {app: [', 'networkPolicies.monitoringNamespace': 'Monitoring' } });
    expect(parsed.results.map((r) => [r.field?.path, r.message])).toEqual([
      ['data.networkPolicies.mysqlFrom', expect.stringMatching(/^is not YAML/)],
      ['data.networkPolicies.monitoringNamespace', '"Monitoring" is not a valid namespace name'],
    ]);
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

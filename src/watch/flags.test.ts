import { clusterSource, FlagError, parseDuration, parseFlags, WatchFlags } from './flags';

const parse = (...args: string[]) => parseFlags(args) as WatchFlags;

describe('pxc-tls watch flags', () => {
  test('defaults: all namespaces, cluster.local, :8080, client-go timing, 5 min watchdog', () => {
    expect(parse()).toMatchObject({ namespaces: [], clusterDomain: 'cluster.local', listenAddress: { host: '', port: 8080 },
      leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, resyncPeriodMs: 300_000, leaseName: 'pxc-tls-watch',
      podSelector: 'app.kubernetes.io/name=perconaxtradbs.kubedb.com,app.kubernetes.io/instance' });
  });

  test('one namespace, a list, repeated flags, = and space forms', () => {
    expect(parse('--namespace', 'a').namespaces).toEqual(['a']);
    expect(parse('--namespace=a,b', '--namespace', 'c', '--namespace=a').namespaces).toEqual(['a', 'b', 'c']);
    expect(parse('--lease-duration=30s', '--renew-deadline', '20s', '--retry-period=500ms', '--resync-period=1m', '--listen-address=127.0.0.1:0'))
      .toMatchObject({ leaseDurationMs: 30_000, renewDeadlineMs: 20_000, retryPeriodMs: 500, resyncPeriodMs: 60_000, listenAddress: { host: '127.0.0.1', port: 0 } });
  });

  test('served certificates: read every minute, 15 min grace, warn a week before expiry, port 3306, ClusterIssuer CAs in cert-manager', () => {
    expect(parse()).toMatchObject({ servedCheckPeriodMs: 60_000, servedGraceMs: 900_000, servedExpiryWarningMs: 604_800_000, servedTimeoutMs: 5000, mysqlPort: 3306, clusterResourceNamespace: 'cert-manager' });
    expect(parse('--served-check-period=0s', '--served-grace=2m', '--served-expiry-warning=720h', '--served-timeout=2s', '--mysql-port=13306', '--cluster-resource-namespace=kube-system'))
      .toMatchObject({ servedCheckPeriodMs: 0, servedGraceMs: 120_000, servedExpiryWarningMs: 2_592_000_000, servedTimeoutMs: 2000, mysqlPort: 13306, clusterResourceNamespace: 'kube-system' });
  });

  test.each([
    [['--served-check-period=500ms'], /--served-check-period must be 0s \(off\) or at least 1s/],
    [['--served-check-period=2s', '--served-timeout=5s'], /--served-timeout must be at least 100ms and no longer than --served-check-period/],
    [['--mysql-port=70000'], /invalid --mysql-port "70000"/],
    [['--bogus'], /unknown flag "--bogus"/],
    [['--namespace'], /--namespace needs a value/],
    [['--lease-duration=15'], /invalid duration "15"/],
    [['--all-namespaces', '--namespace=a'], /exclude each other/],
    [['--listen-address=nope'], /invalid --listen-address/],
    [['--log-level=loud'], /invalid --log-level/],
  ])('%j is refused with a message', (args, message) => {
    expect(() => parseFlags(args as string[])).toThrow(FlagError);
    expect(() => parseFlags(args as string[])).toThrow(message as RegExp);
  });

  test('help', () => {
    expect(parseFlags(['--help'])).toBe('help');
    expect(parseDuration('1.5s')).toBe(1500);
  });
});

describe('clusterSource: which cluster, decided before a client exists', () => {
  const files = (...paths: string[]) => (path: string) => paths.includes(path);
  const inPod = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
  const token = '/var/run/secrets/kubernetes.io/serviceaccount/token';

  test.each([
    ['--kubeconfig first', '/k', {}, files('/k', '/home/u/.kube/config'), { kind: 'kubeconfig', paths: ['/k'] }],
    ['then $KUBECONFIG, the files that exist', undefined, { KUBECONFIG: '/a:/b' }, files('/b'), { kind: 'kubeconfig', paths: ['/b'] }],
    ['then ~/.kube/config', undefined, inPod, files('/home/u/.kube/config', token), { kind: 'kubeconfig', paths: ['/home/u/.kube/config'] }],
    ['then the pod\'s service account', undefined, inPod, files(token), { kind: 'in-cluster' }],
  ])('%s', (_name, kubeconfig, env, exists, expected) => {
    expect(clusterSource(kubeconfig, env, exists, '/home/u')).toEqual(expected);
  });

  test.each([
    ['nothing at all (client-node would retry http://localhost:8080 forever)', undefined, {}, files(), /no cluster to watch: .*Pass --kubeconfig PATH, or deploy the watcher in the cluster/],
    ['the service host without a token', undefined, inPod, files(), /no cluster to watch/],
    ['a --kubeconfig that does not exist', '/nope', {}, files(), /--kubeconfig \/nope: no such file/],
    ['a $KUBECONFIG naming no file', undefined, { KUBECONFIG: '/x:/y' }, files(), /\$KUBECONFIG names no file that exists \(\/x, \/y\)/],
  ])('refuses %s at once', (_name, kubeconfig, env, exists, message) => {
    expect(() => clusterSource(kubeconfig, env, exists, '/home/u')).toThrow(FlagError);
    expect(() => clusterSource(kubeconfig, env, exists, '/home/u')).toThrow(message);
  });
});

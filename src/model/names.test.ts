import { certificateName, defaultServerDNSNames, governingServiceName, isDatabaseDNSName, isInClusterDNSName, isMemberDNSName, nameWithSuffix, statsServiceName } from './names';

describe('nameWithSuffix (KM meta/lib.go NameWithSuffix)', () => {
  it('joins name and suffix when they fit', () => {
    expect(nameWithSuffix('sample-pxc', 'server-cert')).toBe('sample-pxc-server-cert');
  });

  it('cuts the name so the result is exactly 63 characters', () => {
    const name = 'a'.repeat(60);
    const result = nameWithSuffix(name, 'metrics-exporter-cert');
    expect(result).toHaveLength(63);
    expect(result).toBe('a'.repeat(41) + '-metrics-exporter-cert');
  });

  it('trims dashes at both ends only, as KubeDB does (a dash at the cut stays)', () => {
    expect(nameWithSuffix('-db', 'pods')).toBe('db-pods');
    const name = 'a'.repeat(50) + '-' + 'b'.repeat(10);
    expect(nameWithSuffix(name, 'server-cert')).toBe('a'.repeat(50) + '--server-cert');
  });

  it('returns the tail of a suffix of 63 characters or more', () => {
    const suffix = 'z'.repeat(70);
    expect(nameWithSuffix('db', suffix)).toBe('z'.repeat(63));
  });
});

describe('derived names', () => {
  it('names certificates <db>-<alias>-cert', () => {
    expect(certificateName('sample-pxc', 'server')).toBe('sample-pxc-server-cert');
    expect(certificateName('sample-pxc', 'client')).toBe('sample-pxc-client-cert');
    expect(certificateName('sample-pxc', 'metrics-exporter')).toBe('sample-pxc-metrics-exporter-cert');
  });

  it('names the governing and stats Services', () => {
    expect(governingServiceName('sample-pxc')).toBe('sample-pxc-pods');
    expect(statsServiceName('sample-pxc')).toBe('sample-pxc-stats');
  });

  it('lists the default server DNS names of the docs example', () => {
    expect(defaultServerDNSNames('sample-pxc', 'demo', 'cluster.local').sort()).toEqual([
      '*.sample-pxc-pods.demo.svc',
      '*.sample-pxc-pods.demo.svc.cluster.local',
      '*.sample-pxc.demo.svc',
      'localhost',
      'sample-pxc',
      'sample-pxc.demo.svc',
    ]);
  });

  it('uses the truncated governing Service name in the pods wildcard', () => {
    const name = 'd'.repeat(60);
    const names = defaultServerDNSNames(name, 'ns', 'example.org');
    expect(names).toContain(`*.${'d'.repeat(58)}-pods.ns.svc.example.org`);
  });
});

describe('the names of a database (what a member\'s certificate may carry)', () => {
  const is = (name: string) => isDatabaseDNSName(name, 'orders', 'shop', 'cluster.local');
  const member = (name: string) => isMemberDNSName(name, 'orders', 'shop', 'cluster.local');
  it.each([
    'orders', 'orders.shop', 'orders.shop.svc', 'orders.shop.svc.cluster.local', '*.orders.shop.svc',
    'orders-pods', 'orders-pods.shop.svc', '*.orders-pods.shop.svc', '*.orders-pods.shop.svc.cluster.local',
    'orders-0.orders-pods.shop.svc', 'orders-12.orders-pods.shop.svc.cluster.local', 'orders-1.orders-pods.shop', 'localhost', 'LOCALHOST', 'Orders-0.Orders-Pods.Shop.Svc',
  ])('%s is the database\'s', (name) => expect(is(name)).toBe(true));
  it.each([
    'ledger.shop.svc', '*.ledger-pods.shop.svc', 'orders.other.svc', '*.shop.svc', '*.svc', 'mysql.example.com', 'orders-x.orders-pods.shop.svc',
    'orders-01.orders-pods.shop.svc', 'web.orders-pods.shop.svc', 'orders-0.orders.shop.svc.example', 'orders.shop.svc.example.com', '*.orders-pods', '*', 'orders-0',
  ])('%s is not', (name) => expect(is(name)).toBe(false));
  it('only pod names and the pods wildcard name a member; Services and localhost do not', () => {
    expect(['orders-0.orders-pods.shop.svc', '*.orders-pods.shop.svc', '*.orders-pods.shop.svc.cluster.local', 'orders-2.orders-pods.shop'].map(member)).toEqual([true, true, true, true]);
    expect(['orders.shop.svc', '*.orders.shop.svc', 'localhost', 'orders-pods.shop.svc', '*.ledger-pods.shop.svc'].map(member)).toEqual([false, false, false, false, false]);
  });
  it('follows KubeDB\'s truncation of the governing Service name for long database names', () => {
    const db = 'x'.repeat(60);
    expect(isMemberDNSName(`*.${governingServiceName(db)}.ns.svc`, db, 'ns', 'cluster.local')).toBe(true);
  });
});

describe('names cluster DNS answers for (an in-cluster name on a member\'s certificate that is not the database\'s is another workload\'s)', () => {
  const inCluster = (name: string) => isInClusterDNSName(name, 'shop', 'corp.internal');
  it.each([
    ['ledger', 'a Service of the namespace, by the search path'],
    ['ledger.shop', '<svc>.<namespace>'],
    ['ledger.payments.svc', 'a Service of another namespace'],
    ['ledger-0.ledger-pods.payments.svc.corp.internal', 'another database\'s pod, under the configured cluster domain'],
    ['web.shop.svc.cluster.local', 'under cluster.local, whatever the configured domain'],
    ['10-1-2-3.shop.pod', 'a pod A record'],
    ['10-1-2-3.shop.pod.corp.internal', 'a pod A record with the domain'],
    ['*.shop.svc', 'the namespace\'s wildcard'],
    ['*.svc', 'every Service'],
    ['*', 'anything'],
    ['Ledger.Shop.SVC', 'in any case'],
  ])('%s is in-cluster (%s)', (name) => expect(inCluster(name)).toBe(true));
  it.each([
    ['mysql.example.com', 'an external name'],
    ['*.db.example.com', 'an external wildcard'],
    ['example.com', 'a two-label external domain'],
    ['ledger.payments', '<svc>.<another namespace>: indistinguishable from an external domain'],
    ['orders.shop.svc.example.com', 'svc is not the last label'],
    ['localhost', 'the pod itself'],
  ])('%s is not (%s)', (name) => expect(inCluster(name)).toBe(false));
});

import { certificateName, defaultServerDNSNames, governingServiceName, nameWithSuffix, statsServiceName } from './names';

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

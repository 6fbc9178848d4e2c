import { isDNSName, isEmailAddress, isIPAddress, isLabelKey, isLabelName, isLabelValue, isSubdomainName, isURI, parseGoDuration } from './formats';

describe('parseGoDuration (time.ParseDuration)', () => {
  it.each([
    ['2160h', 2160 * 3600],
    ['1h30m', 5400],
    ['90m', 5400],
    ['1.5h', 5400],
    ['300ms', 0.3],
    ['0', 0],
    ['-1h', -3600],
  ])('%s → %d s', (text, seconds) => expect(parseGoDuration(text)).toBeCloseTo(seconds));

  it.each(['90 days', '1d', '1y', 'h', '', '1h 30m', '10'])('rejects %j', (text) => expect(parseGoDuration(text)).toBeUndefined());
});

describe('name formats', () => {
  it('DNS names allow one leading wildcard label and no underscores', () => {
    expect(isDNSName('*.sample-pxc-pods.demo.svc')).toBe(true);
    expect(isDNSName('localhost')).toBe(true);
    expect(isDNSName('a.*.b')).toBe(false);
    expect(isDNSName('bad_name.example')).toBe(false);
    expect(isDNSName('x'.repeat(64) + '.example')).toBe(false);
  });

  it('object and label names are lower case', () => {
    expect(isSubdomainName('sample-pxc.server')).toBe(true);
    expect(isSubdomainName('Server_Cert')).toBe(false);
    expect(isLabelName('1-sample', true)).toBe(false);
    expect(isLabelName('1-sample')).toBe(true);
  });

  it('IPs, URIs and emails', () => {
    expect([isIPAddress('127.0.0.1'), isIPAddress('::1'), isIPAddress('10.0.0.300')]).toEqual([true, true, false]);
    expect([isURI('spiffe://example.com/x'), isURI('not a uri'), isURI('/relative')]).toEqual([true, false, false]);
    expect([isURI('urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66'), isURI('https://[::1]:8443/p?q=1#f'), isURI('https://h/%2F'), isURI('https://h/%zz'), isURI('https://h/a b'), isURI('x:'), isURI('https://h/#a#b'), isURI('https://ünï.example/')]).toEqual([
      true, true, true, false, false, false, false, false,
    ]);
  });

  it('checks URIs by their value alone, whatever was checked before (no JIT-dependent parser)', () => {
    const samples = ['spiffe://example.com/x', 'not a uri', 'https://h/%zz', 'a:b', 'http://x', ':x', 'A+1.-:/'];
    const first = samples.map(isURI);
    for (let round = 0; round < 2000; round++) samples.forEach((s) => isURI(s + (round % 2 ? '' : '')));
    expect([...samples].reverse().map(isURI).reverse()).toEqual(first);
    expect([isEmailAddress('dba@example.com'), isEmailAddress('example.com')]).toEqual([true, false]);
  });
});

describe('label keys and values (the API server\'s rules)', () => {
  it.each([
    ['app', true],
    ['app.kubernetes.io/name', true],
    ['kubernetes.io/metadata.name', true],
    ['Team_A.x', true],
    ['', false],
    ['/app', false],
    ['Example.com/app', false],
    ['app/', false],
    ['-app', false],
    ['a'.repeat(64), false],
  ])('key %j → %s', (key, ok) => expect(isLabelKey(key)).toBe(ok));

  it.each([
    ['', true],
    ['web', true],
    ['v1.2_3-x', true],
    ['has space', false],
    ['-edge', false],
    ['a'.repeat(64), false],
  ])('value %j → %s', (value, ok) => expect(isLabelValue(value)).toBe(ok));
});

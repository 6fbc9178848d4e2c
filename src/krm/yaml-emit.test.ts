import { load as loadYaml11 } from 'js-yaml';
import { parse as parseYaml12 } from 'yaml';
import { emitMapping, emitSequenceItem, isPlainSafe } from './yaml-emit';

describe('isPlainSafe', () => {
  it.each(['yes', 'No', 'on', 'OFF', 'y', 'true', 'null', '~', '', '2024-01-01', '1_000', '0o17', '1e3', '.inf', '8.4.3', '- x', 'a: b', 'a #b', ' lead', 'trail ', '*ref', '&a', '!tag', '{x}', '[x]', '%x', '@x', '"q"', "'q'"])(
    'quotes %j',
    (value) => expect(isPlainSafe(value)).toBe(false),
  );
  it.each(['sample-pxc', 'cert-manager.io/v1', 'app.kubernetes.io/name', '--ssl-ca=/etc/mysql/certs/server/ca.crt', 'digital signature', 'kubedb:server', 'nginx:1.27', '/etc/mysql', 'a;b=c'])(
    'leaves %j plain',
    (value) => expect(isPlainSafe(value)).toBe(true),
  );
});

describe('emitMapping', () => {
  const samples: Record<string, unknown> = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'x', labels: {}, annotations: { 'config.kubernetes.io/index': '0', 'a/b': 'yes' } },
    data: { date: '2024-01-01', count: '1_000', octal: '0o17', text: '[client]\nhost=127.0.0.1\n', strip: 'a\nb', keep: 'a\n\n', lead: ' x\ny', tab: 'a\tb\nc', empty: '' },
    list: [1, true, null, 'on', { a: 1, b: [] }, [1, 2], []],
    nested: [{ name: 'a', items: [{ key: 'k', path: 'p' }] }],
  };

  it('reads back identically under YAML 1.2 (kpt) and YAML 1.1 (kustomize)', () => {
    const text = emitMapping(samples);
    expect(parseYaml12(text)).toEqual(samples);
    expect(parseYaml12(text, { version: '1.1' })).toEqual(samples);
    expect(loadYaml11(text)).toEqual(samples);
  });

  it('writes block style with compact sequences and multi-line text as a literal block', () => {
    const text = emitMapping({ a: { b: ['x', { c: 'w', d: 'z' }] }, t: 'l1\nl2\n' });
    expect(text).toBe('a:\n  b:\n  - x\n  - c: w\n    d: z\nt: |\n  l1\n  l2\n');
  });

  it('emits a sequence item at column 0', () => {
    expect(emitSequenceItem({ a: 1, b: { c: 2 } })).toBe('- a: 1\n  b:\n    c: 2\n');
  });
});

describe('strings a YAML reader refuses or reinterprets', () => {
  const nasty = {
    del: 'a\x7fb',
    c1: 'a\x80\x85\x9fb',
    nonCharacters: 'a\ufffe\uffffb',
    bom: '\ufeffstart',
    lineSeparators: 'a\u2028b\u2029c',
    controls: 'nul\x00bell\x07esc\x1b',
    carriageReturn: 'line\r\nnext\n',
    tabs: '\tindented\n\tmore\n',
    multiLineWithDel: 'one\ntwo\x7f\n',
    multiLineWithNel: 'one\x85\ntwo\n',
    astral: 'emoji \ud83d\ude00 and 𝔘',
    quotes: 'say "hi" \\ back',
    leadingSpaceLines: 'x\n  y\n',
  };
  const text = emitMapping(nasty);

  it('are written as escapes, never raw', () => {
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/);
  });

  it('read back as the same values in YAML 1.2 and 1.1 readers', () => {
    expect(parseYaml12(text)).toEqual(nasty);
    expect(parseYaml12(text, { version: '1.1' })).toEqual(nasty);
    expect(loadYaml11(text)).toEqual(nasty);
  });

  it('keeps an unpaired surrogate as an escape the JavaScript readers give back', () => {
    const lone = { high: 'a\ud800b', low: '\udc00' };
    const written = emitMapping(lone);
    expect(written).toBe('high: "a\\uD800b"\nlow: "\\uDC00"\n');
    expect(loadYaml11(written)).toEqual(lone);
  });

  it('writes numbers YAML 1.1 reads as numbers too', () => {
    const numbers = { big: 1e21, small: 1.5e-7, tiny: 1e-7, nan: NaN, inf: -Infinity, negativeZero: -0, plain: 42, fraction: 0.5 };
    const written = emitMapping(numbers);
    expect(written).toBe('big: 1.0e+21\nsmall: 1.5e-7\ntiny: 1.0e-7\nnan: .nan\ninf: -.inf\nnegativeZero: -0.0\nplain: 42\nfraction: 0.5\n');
    expect(parseYaml12(written, { version: '1.1' })).toEqual(numbers);
    expect(parseYaml12(written)).toEqual(numbers);
    expect(loadYaml11(written)).toEqual(numbers);
  });
});

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

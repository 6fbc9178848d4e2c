/**
 * Never make a database vanish, never remove what pxc-tls did not generate: the local-config mark
 * comes off when pxc-tls stops rendering a database (only the mark it added), and pxc-tls's own
 * annotations copied onto other objects never get them removed.
 */
import { KubeObject } from '../krm/types';
import { emitMapping } from '../krm/yaml-emit';
import { issuer, perconaXtraDB, resourceList, withoutTLS } from '../test-support/fixtures';
import { generatedMark } from './ownership';
import { runFunction } from './run';
import { kinds, runItems } from './testing/run-items';

const run = runItems;

const itemsOf = (stdout: string): string => stdout.replace(/\nresults:\n[\s\S]*$/, '\n');
const LOCAL = 'config.kubernetes.io/local-config';
const ADDED = 'pxc-tls.dev/local-config-added';
const kubedbMode = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'function-input' }, data: { mode: 'kubedb' } };

describe('the local-config mark on a database', () => {
  it('is added with a record when pxc-tls renders the database, and taken off with it when TLS goes', () => {
    const first = run([issuer(), perconaXtraDB()]);
    expect(first.items[1]!.metadata.annotations).toEqual({ [LOCAL]: 'true', [ADDED]: 'true' });
    const db = first.items[1]!;
    const withoutTls = { ...db, spec: { ...(db.spec as object), tls: undefined, requireSSL: undefined } };
    const second = run([...first.items.slice(0, 1), withoutTls, ...first.items.slice(2)]);
    expect(second.exitCode).toBe(0);
    expect(kinds(second.items)).toEqual(['Issuer/px-issuer', 'PerconaXtraDB/sample-pxc']);
    // Nothing left that makes kustomize drop it or Argo CD prune it.
    expect(second.items[1]!.metadata.annotations).toBeUndefined();
    expect(second.results).toEqual(expect.arrayContaining([expect.objectContaining({ severity: 'info', message: expect.stringContaining('took off the config.kubernetes.io/local-config mark pxc-tls had added') })]));
  });

  it('is taken off when the database moves to kubedb mode (the operator must see it)', () => {
    const first = run([issuer(), perconaXtraDB()]);
    const second = run(first.items, kubedbMode);
    expect(second.items[1]!.metadata.annotations).toBeUndefined();
  });

  it.each([
    ['rendered', () => perconaXtraDB()],
    ['without TLS', () => perconaXtraDB('sample-pxc', withoutTLS)],
  ])('set by the user is never touched (%s)', (_how, make) => {
    const db = make();
    db.metadata.annotations = { [LOCAL]: 'true' };
    const out = run([issuer(), db]);
    expect(out.exitCode).toBe(0);
    expect(out.items[1]!.metadata.annotations).toEqual({ [LOCAL]: 'true' });
  });

  it('set by the user in kubedb mode stays, with a warning that the operator will not see the database', () => {
    const db = perconaXtraDB();
    db.metadata.annotations = { [LOCAL]: 'true' };
    const out = run([issuer(), db], kubedbMode);
    expect(out.items[1]!.metadata.annotations).toEqual({ [LOCAL]: 'true' });
    expect(out.results.filter((r) => r.severity === 'warning')).toEqual([expect.objectContaining({ field: { path: 'metadata.annotations' }, message: expect.stringContaining('which pxc-tls did not add') })]);
  });

  it('stays as it is while the database fails validation', () => {
    const first = run([issuer(), perconaXtraDB()]);
    const broken = { ...first.items[1]!, spec: { ...(first.items[1]!.spec as object), version: '0.0.0' } };
    const out = run([first.items[0], broken, ...first.items.slice(2)]);
    expect(out.exitCode).toBe(1);
    expect(out.items[1]!.metadata.annotations).toEqual({ [LOCAL]: 'true', [ADDED]: 'true' });
    expect(out.items).toHaveLength(first.items.length);
  });
});

describe('generated objects', () => {
  it('carry a mark tied to their database and their own identity', () => {
    const out = run([issuer(), perconaXtraDB()]);
    for (const object of out.items.slice(2)) {
      expect(object.metadata.annotations?.['pxc-tls.dev/generated']).toBe(generatedMark('sample-pxc', object));
      expect(object.metadata.annotations?.['pxc-tls.dev/database']).toBe('sample-pxc');
    }
    expect(new Set(out.items.slice(2).map((o) => o.metadata.annotations?.['pxc-tls.dev/generated'])).size).toBe(out.items.length - 2);
  });

  it('are removed when their database no longer renders them', () => {
    const first = run([issuer(), perconaXtraDB('sample-pxc', (db) => void (db.spec.monitor = { agent: 'prometheus.io/builtin' }))]);
    expect(kinds(first.items)).toContain('Service/sample-pxc-stats');
    const second = run([first.items[0], perconaXtraDB(), ...first.items.slice(2)]);
    expect(kinds(second.items)).not.toContain('Service/sample-pxc-stats');
    expect(second.results).toEqual(expect.arrayContaining([expect.objectContaining({ message: 'removed: it was generated for PerconaXtraDB sample-pxc, which no longer renders it', resourceRef: expect.objectContaining({ name: 'sample-pxc-stats' }) })]));
  });

  it('copied onto a user\'s object, pxc-tls\'s annotations never get it removed', () => {
    const first = run([issuer(), perconaXtraDB()]);
    const generatedSecret = first.items.find((i) => i.kind === 'Secret')!;
    const mine: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'my-secret', namespace: 'demo', annotations: { ...generatedSecret.metadata.annotations } }, type: 'Opaque' };
    const withoutTlsDb = perconaXtraDB('sample-pxc', withoutTLS);
    for (const items of [
      [issuer(), perconaXtraDB(), mine], // database rendered
      [issuer(), withoutTlsDb, mine], // database without TLS
      [issuer(), mine], // database absent
    ]) {
      const out = run(items);
      expect(kinds(out.items)).toContain('Secret/my-secret');
    }
  });

  it('copied from another database\'s output, are not this database\'s to remove', () => {
    const other = run([issuer(), perconaXtraDB('other-db')]);
    const copied = other.items.find((i) => i.kind === 'Service')!;
    // A hand copy: renamed for this database, the annotations left as they were.
    const renamed = { ...copied, metadata: { ...copied.metadata, name: 'sample-pxc-extra', annotations: { ...copied.metadata.annotations, 'pxc-tls.dev/database': 'sample-pxc' } } };
    const out = run([issuer(), perconaXtraDB('sample-pxc', withoutTLS), renamed]);
    expect(kinds(out.items)).toContain('Service/sample-pxc-extra');
  });

  it('changed by hand into a copy of a rendered object\'s identity collide, saying why they were left alone', () => {
    const first = run([issuer(), perconaXtraDB()]);
    const service = first.items.find((i) => i.kind === 'Service')!;
    const tampered = { ...service, metadata: { ...service.metadata, annotations: { ...service.metadata.annotations, 'pxc-tls.dev/generated': '0000000000000000' } } };
    const out = run([issuer(), perconaXtraDB(), tampered]);
    expect(out.exitCode).toBe(1);
    expect(out.results.find((r) => r.severity === 'error')!.message).toContain('without a matching pxc-tls.dev/generated mark');
  });

  it('of a database that is not in the input are kept (kpt may have sent part of the package), with one warning', () => {
    const first = run([issuer(), perconaXtraDB()]);
    const secretsOnly = first.items.filter((i) => i.kind === 'Secret');
    const out = run(secretsOnly);
    expect(kinds(out.items)).toEqual(kinds(secretsOnly));
    expect(out.results.filter((r) => r.severity === 'warning')).toHaveLength(1);
  });
});

describe('a second run over the first run\'s output', () => {
  const scenarios: Array<[string, unknown[], unknown]> = [
    ['one database', [issuer(), perconaXtraDB()], undefined],
    ['a database without TLS carrying pxc-tls\'s old marks', [issuer(), { ...perconaXtraDB('sample-pxc', withoutTLS), metadata: { name: 'sample-pxc', namespace: 'demo', annotations: { [LOCAL]: 'true', [ADDED]: 'true' } } }], undefined],
    ['a failing database', [issuer(), perconaXtraDB('sample-pxc', (db) => void (db.spec.version = '0.0.0'))], undefined],
    ['kubedb mode', [issuer(), perconaXtraDB()], kubedbMode],
    ['only generated objects', [], undefined],
  ];
  it.each(scenarios)('%s: removes nothing the first kept, and writes the same bytes', (name, items, config) => {
    const input = name === 'only generated objects' ? run([issuer(), perconaXtraDB()]).items.slice(2) : items;
    const first = runFunction(resourceList(input, config));
    const again = runFunction(itemsOf(first.stdout) + (config ? emitMapping({ functionConfig: config }) : ''));
    expect(itemsOf(again.stdout)).toBe(itemsOf(first.stdout));
    expect(again.exitCode).toBe(first.exitCode);
  });
});

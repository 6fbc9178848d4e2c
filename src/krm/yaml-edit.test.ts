import { editAnnotations } from './yaml-edit';

describe('editAnnotations', () => {
  const entry = '# head\n- apiVersion: kubedb.com/v1\n  kind: PerconaXtraDB\n  metadata:\n    name: db # the name\n  spec:\n    version: \'8.4.3\'\n    list:\n    - a\n';

  it('adds an annotation and keeps everything else as written', () => {
    expect(editAnnotations(entry, { 'config.kubernetes.io/local-config': 'true' })).toBe(
      '# head\n- apiVersion: kubedb.com/v1\n  kind: PerconaXtraDB\n  metadata:\n    name: db # the name\n    annotations:\n      config.kubernetes.io/local-config: "true"\n  spec:\n    version: \'8.4.3\'\n    list:\n    - a\n',
    );
  });

  it('removes an annotation', () => {
    const annotated = editAnnotations(entry, { a: 'b', c: 'd' });
    expect(editAnnotations(annotated, { a: null })).toContain('    annotations:\n      c: d\n');
  });

  it('keeps wide sequences wide', () => {
    const wide = '- kind: X\n  apiVersion: v1\n  metadata:\n    name: x\n  list:\n    - a\n';
    expect(editAnnotations(wide, { k: 'v' }, 'wide')).toContain('  list:\n    - a\n');
  });
});

import { load } from 'js-yaml';
import { setAnnotationInText } from './text-edit';

const KEY = 'config.kubernetes.io/local-config';

describe('setAnnotationInText', () => {
  it('adds an annotations block at the end of metadata', () => {
    const entry = '- apiVersion: kubedb.com/v1\n  kind: PerconaXtraDB\n  metadata:\n    name: db # keep me\n    namespace: demo\n  spec:\n    version: "8.4.3"\n';
    expect(setAnnotationInText(entry, KEY, 'true')).toBe(
      '- apiVersion: kubedb.com/v1\n  kind: PerconaXtraDB\n  metadata:\n    name: db # keep me\n    namespace: demo\n    annotations:\n      config.kubernetes.io/local-config: "true"\n  spec:\n    version: "8.4.3"\n',
    );
  });

  it('appends to existing annotations, whatever their indentation', () => {
    const entry = '- kind: X\n  apiVersion: v1\n  metadata:\n      name: x\n      annotations:\n          a: b\n          long: |\n            text\n  spec: {}\n';
    const edited = setAnnotationInText(entry, KEY, 'true')!;
    expect(edited).toBe('- kind: X\n  apiVersion: v1\n  metadata:\n      name: x\n      annotations:\n          a: b\n          long: |\n            text\n          config.kubernetes.io/local-config: "true"\n  spec: {}\n');
    expect((load(edited) as Array<{ metadata: { annotations: Record<string, string> } }>)[0]!.metadata.annotations).toEqual({ a: 'b', long: 'text\n', [KEY]: 'true' });
  });

  it('replaces an existing single-line value and removes one (dropping an emptied block)', () => {
    const entry = '- kind: X\n  apiVersion: v1\n  metadata:\n    name: x\n    annotations:\n      config.kubernetes.io/local-config: "false"\n';
    expect(setAnnotationInText(entry, KEY, 'true')).toBe(entry.replace('"false"', '"true"'));
    expect(setAnnotationInText(entry, KEY, null)).toBe('- kind: X\n  apiVersion: v1\n  metadata:\n    name: x\n');
  });

  it.each([
    ['flow metadata', '- kind: X\n  apiVersion: v1\n  metadata: {name: x}\n'],
    ['flow annotations', '- kind: X\n  apiVersion: v1\n  metadata:\n    name: x\n    annotations: {a: b}\n'],
    ['metadata on the entry line', '- metadata:\n    name: x\n  kind: X\n'],
  ])('does not edit %s (the writer emits the item from its values)', (_name, entry) => {
    expect(setAnnotationInText(entry, KEY, 'true')).toBeUndefined();
  });
});

import { cutItemTexts, InputError, readResourceList } from './yaml-read';

const LIST = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
# head comment of the first item
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: a # trailing comment
  data:
    script: |
      echo one
      # not a YAML comment: part of the script
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: b}
functionConfig:
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: function-input
`;

describe('readResourceList', () => {
  it('reads items and functionConfig', () => {
    const list = readResourceList(LIST);
    expect(list.items.map((i) => i.metadata.name)).toEqual(['a', 'b']);
    expect(list.functionConfig?.kind).toBe('ConfigMap');
  });

  it('keeps the own text of each item, comments and block scalars included', () => {
    const list = readResourceList(LIST);
    expect(list.itemTexts).toEqual([
      '# head comment of the first item\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a # trailing comment\n  data:\n    script: |\n      echo one\n      # not a YAML comment: part of the script\n',
      '- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n',
    ]);
  });

  it('cuts wide (indented) sequences too', () => {
    const text = 'items:\n  - kind: A\n    apiVersion: v1\n  - kind: B\n    apiVersion: v1\n';
    expect(cutItemTexts(text, [{ kind: 'A', apiVersion: 'v1' }, { kind: 'B', apiVersion: 'v1' }])).toEqual(['- kind: A\n  apiVersion: v1\n', '- kind: B\n  apiVersion: v1\n']);
  });

  it('gives up on flow-style items rather than cut them wrongly', () => {
    const text = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [{apiVersion: v1, kind: A, metadata: {name: x}}]\n';
    const list = readResourceList(text);
    expect(list.items).toHaveLength(1);
    expect(list.itemTexts).toBeUndefined();
  });

  it('accepts v1alpha1 and an empty list', () => {
    const list = readResourceList('apiVersion: config.kubernetes.io/v1alpha1\nkind: ResourceList\n');
    expect(list.items).toEqual([]);
    expect(list.apiVersion).toBe('config.kubernetes.io/v1alpha1');
  });

  it.each([
    ['not YAML', 'items: [unclosed', /not valid YAML/],
    ['a scalar', 'hello', /not a ResourceList/],
    ['another kind', 'apiVersion: v1\nkind: List\nitems: []\n', /not a ResourceList: got apiVersion "v1" kind "List"/],
    ['items not a list', 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {}\n', /items is not a list/],
    ['empty input', '  \n', /no input/],
  ])('rejects %s with one line', (_name, text, message) => {
    expect(() => readResourceList(text)).toThrow(InputError);
    expect(() => readResourceList(text)).toThrow(message);
  });

  it('refuses alias bombs by their expanded size', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill('*' + String.fromCharCode(96 + i)).join(',')}]`);
    const text = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n${levels.map((l) => '  ' + l).join('\n')}\n`;
    expect(() => readResourceList(text)).toThrow(/expands to more than/);
  });

  it('refuses input over the size limit', () => {
    expect(() => readResourceList('x'.repeat(2048), { maxBytes: 1024, maxNodes: 1000 })).toThrow(/larger than 1024 bytes/);
  });
});

describe('aliases across items', () => {
  it('are not cut apart: the items are re-emitted from their values instead', () => {
    const text = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: A\n  spec: &shared\n    x: 1\n- apiVersion: v1\n  kind: B\n  spec: *shared\n';
    const list = readResourceList(text);
    expect(list.items[1]!.spec).toEqual({ x: 1 });
    expect(list.itemTexts).toBeUndefined();
  });
});

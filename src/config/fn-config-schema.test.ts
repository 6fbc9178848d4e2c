/**
 * fn-config/schema.json and parseFnConfig must describe the same options. There is no JSON Schema
 * validator among the dependencies, so this test carries a small one for exactly the keywords the
 * schema uses (type, const, enum, pattern, minLength, maxLength, properties, patternProperties,
 * additionalProperties, propertyNames, minProperties, items, required, $ref), and checks that schema and parser agree on a table of inputs, on the option
 * set, and on the shipped examples.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { KNOWN_VERSIONS } from '../model/catalog';
import { CONFIG_API_VERSION, CONFIG_KIND, parseFnConfig } from './fn-config';

type Schema = {
  $ref?: string;
  type?: string;
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, Schema>;
  patternProperties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  minProperties?: number;
  items?: Schema;
  required?: string[];
  default?: unknown;
  examples?: unknown[];
  $defs?: Record<string, Schema>;
};

const ROOT = join(__dirname, '../..');
const schema = JSON.parse(readFileSync(join(ROOT, 'fn-config/schema.json'), 'utf8')) as Schema;
const KNOWN_KEYWORDS = new Set(['$schema', '$id', '$ref', '$defs', 'title', 'description', 'type', 'const', 'enum', 'pattern', 'minLength', 'maxLength', 'properties', 'patternProperties', 'additionalProperties', 'propertyNames', 'minProperties', 'items', 'required', 'default', 'examples']);

function resolve(node: Schema): Schema {
  if (!node.$ref) return node;
  const name = node.$ref.replace('#/$defs/', '');
  const target = schema.$defs?.[name];
  if (!target) throw new Error(`unresolved $ref ${node.$ref}`);
  return { ...resolve(target), ...node, $ref: undefined } as Schema;
}

/** The schema's verdict: the paths it rejects (empty: valid). */
function validate(value: unknown, node: Schema, path = ''): string[] {
  const s = resolve(node);
  const here = path || '<root>';
  if (s.const !== undefined && value !== s.const) return [here];
  if (s.enum && !s.enum.includes(value)) return [here];
  if (s.type === 'string') {
    if (typeof value !== 'string') return [here];
    if (s.minLength !== undefined && value.length < s.minLength) return [here];
    if (s.maxLength !== undefined && value.length > s.maxLength) return [here];
    if (s.pattern && !new RegExp(s.pattern, 'u').test(value)) return [here];
  }
  if (s.type === 'boolean' && typeof value !== 'boolean') return [here];
  if (s.type === 'array') {
    if (!Array.isArray(value)) return [here];
    return s.items ? value.flatMap((item, i) => validate(item, s.items!, `${path}[${i}]`)) : [];
  }
  if (s.type === 'object') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [here];
    const object = value as Record<string, unknown>;
    const problems = (s.required ?? []).filter((key) => !(key in object)).map((key) => (path ? `${path}.${key}` : key));
    if (s.minProperties !== undefined && Object.keys(object).length < s.minProperties) problems.push(here);
    for (const [key, child] of Object.entries(object)) {
      const childPath = path ? `${path}.${key}` : key;
      const property = s.properties?.[key] ?? Object.entries(s.patternProperties ?? {}).find(([pattern]) => new RegExp(pattern, 'u').test(key))?.[1];
      if (s.propertyNames && validate(key, s.propertyNames, childPath).length > 0) problems.push(childPath);
      else if (property) problems.push(...validate(child, property, childPath));
      else if (s.additionalProperties === false) problems.push(childPath);
      else if (typeof s.additionalProperties === 'object') problems.push(...validate(child, s.additionalProperties, childPath));
    }
    return problems;
  }
  return [];
}

/** The parser's verdict: the field paths of its error results. */
function parse(config: Record<string, unknown>): string[] {
  return parseFnConfig(config)
    .results.filter((r) => r.severity === 'error')
    .map((r) => r.field?.path ?? '<root>');
}

const typed = (spec: unknown, extra: Record<string, unknown> = {}) => ({ apiVersion: CONFIG_API_VERSION, kind: CONFIG_KIND, metadata: { name: 'pxc-tls' }, spec, ...extra });
const configMap = (data: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'function-input' }, data });

/** The leaf options of `spec`, as dotted names. */
function leaves(node: Schema, prefix = ''): Array<[string, Schema]> {
  const s = resolve(node);
  if (s.type !== 'object' || !s.properties) return [[prefix, s]];
  return Object.entries(s.properties).flatMap(([key, child]) => leaves(child, prefix ? `${prefix}.${key}` : key));
}

/** A value the schema accepts for a leaf, in the typed form. */
function sample(s: Schema): unknown {
  if (s.examples?.length) return s.examples[s.examples.length - 1];
  if (s.enum) return s.enum[s.enum.length - 1];
  if (s.type === 'boolean') return !(s.default as boolean);
  throw new Error('no sample for a leaf of the schema');
}

/** An option's value in a parsed config, by its dotted name. */
const at = (config: unknown, dotted: string): unknown => dotted.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], config);

function nest(dotted: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = dotted.split('.');
  return { [head!]: rest.length ? nest(rest.join('.'), value) : value };
}

const specSchema = schema.properties!.spec!;
const specLeaves = leaves(specSchema);
const configMapSchema = schema.$defs!.ConfigMapData!;

describe('fn-config/schema.json', () => {
  it('uses only the keywords this test understands, and every object with fields is closed (additionalProperties false or a schema)', () => {
    const walk = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const s = node as Record<string, unknown>;
      for (const key of Object.keys(s)) expect({ path, key, known: KNOWN_KEYWORDS.has(key) }).toEqual({ path, key, known: true });
      if (s.type === 'object' && (s.properties || s.patternProperties || s.additionalProperties !== undefined)) expect({ path, closed: s.additionalProperties === false || typeof s.additionalProperties === 'object' }).toEqual({ path, closed: true });
      for (const [key, child] of Object.entries((s.properties ?? {}) as Record<string, unknown>)) walk(child, `${path}.${key}`);
      for (const [key, child] of Object.entries((s.patternProperties ?? {}) as Record<string, unknown>)) walk(child, `${path}.patternProperties.${key}`);
      if (typeof s.additionalProperties === 'object') walk(s.additionalProperties, `${path}.additionalProperties`);
      if (s.items) walk(s.items, `${path}.items`);
      for (const [key, child] of Object.entries((s.$defs ?? {}) as Record<string, unknown>)) walk(child, `${path}.$defs.${key}`);
    };
    walk(schema, '');
    expect(schema.properties!.apiVersion!.const).toBe(CONFIG_API_VERSION);
    expect(schema.properties!.kind!.const).toBe(CONFIG_KIND);
  });

  it('has the same option set as parseFnConfig: every schema option parses and sets the config', () => {
    expect(specLeaves.map(([name]) => name).sort()).toEqual(['argoSyncWaves', 'clusterDomain', 'images.agent', 'images.mirror', 'images.versions', 'mode', 'networkPolicies.enabled', 'networkPolicies.monitoringNamespace', 'networkPolicies.mysqlFrom', 'networkPolicies.watcherFrom', 'schedulingGate']);
    for (const [name, leaf] of specLeaves) {
      const value = sample(leaf);
      const config = typed(nest(name, value));
      expect({ name, schema: validate(config, schema), parser: parse(config) }).toEqual({ name, schema: [], parser: [] });
      expect({ name, got: at(parseFnConfig(config).config, name) }).toEqual({ name, got: value });
    }
  });

  it('gives the defaults the parser uses', () => {
    const defaults = parseFnConfig(undefined).config as unknown as Record<string, unknown>;
    for (const [name, leaf] of specLeaves) {
      if (leaf.default !== undefined) expect({ name, default: at(defaults, name) }).toEqual({ name, default: leaf.default });
    }
  });

  /**
   * The typed option as ConfigMap data: `images.versions: {"8.4.3": {db: x}}` → `images.versions.8.4.3.db: x`;
   * a list travels as YAML text in one value (JSON is YAML).
   */
  const asData = (name: string, value: unknown): Record<string, string> =>
    Array.isArray(value)
      ? { [name]: JSON.stringify(value) }
      : typeof value === 'object' && value !== null
        ? Object.assign({}, ...Object.entries(value).map(([key, inner]) => asData(`${name}.${key}`, inner)))
        : { [name]: String(value) };

  it('has the same ConfigMap keys as the typed options, and each parses as a string', () => {
    const fixed = specLeaves.filter(([, leaf]) => leaf.type !== 'object').map(([name]) => name);
    expect(Object.keys(configMapSchema.properties!).sort()).toEqual(fixed.sort());
    for (const [name, leaf] of specLeaves) {
      const config = configMap(asData(name, sample(leaf)));
      expect({ name, schema: validate(config.data, configMapSchema), parser: parse(config) }).toEqual({ name, schema: [], parser: [] });
      const parsed = parseFnConfig(config).config as unknown as Record<string, unknown>;
      const got = name.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], parsed);
      const typedParsed = parseFnConfig(typed(nest(name, sample(leaf)))).config as unknown as Record<string, unknown>;
      expect({ name, got }).toEqual({ name, got: leaf.type === 'object' ? sample(leaf) : name.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], typedParsed) });
    }
  });

  it('lists exactly the catalog\'s versions', () => {
    expect(schema.$defs!.version!.enum).toEqual(KNOWN_VERSIONS);
    expect(Object.keys(configMapSchema.patternProperties!)[0]).toContain(KNOWN_VERSIONS.map((v) => v.replace(/\./g, '\\.')).join('|'));
  });

  // Each row: a typed spec or ConfigMap data, and the field paths both must reject.
  const typedCases: Array<[string, Record<string, unknown>, string[]]> = [
    ['an unknown option', { colour: 'blue' }, ['spec.colour']],
    ['an unknown image kind', { images: { sidecar: 'x:1' } }, ['spec.images.sidecar']],
    ['a global image (it would land on every version)', { images: { db: 'm/pxc:1' } }, ['spec.images.db']],
    ['an unknown version', { images: { versions: { '9.9.9': { db: 'm/pxc:9' } } } }, ['spec.images.versions.9.9.9']],
    ['an unknown component of a version', { images: { versions: { '8.4.3': { proxy: 'm/p:1' } } } }, ['spec.images.versions.8.4.3.proxy']],
    ['a mirror with a trailing slash', { images: { mirror: { 'ghcr.io/': 'm/ghcr' } } }, ['spec.images.mirror.ghcr.io/']],
    ['a mirror to a prefix with a space', { images: { mirror: { 'ghcr.io': 'm ghcr' } } }, ['spec.images.mirror.ghcr.io']],
    ['a boolean as text', { argoSyncWaves: 'yes' }, ['spec.argoSyncWaves']],
    ['an unknown mode', { mode: 'operator' }, ['spec.mode']],
    ['an invalid domain', { clusterDomain: 'Not A Domain' }, ['spec.clusterDomain']],
    ['an empty domain', { clusterDomain: '' }, ['spec.clusterDomain']],
    ['a domain with an empty label', { clusterDomain: 'a..b' }, ['spec.clusterDomain']],
    ['an image with a space', { images: { versions: { '8.4.3': { db: 'a b' } } } }, ['spec.images.versions.8.4.3.db']],
    ['an empty image', { images: { versions: { '8.0.40': { init: '' } } } }, ['spec.images.versions.8.0.40.init']],
    ['a number for a string', { clusterDomain: 5 }, ['spec.clusterDomain']],
    ['NetworkPolicy options that are no mapping', { networkPolicies: true }, ['spec.networkPolicies']],
    ['NetworkPolicies switched by text', { networkPolicies: { enabled: 'no' } }, ['spec.networkPolicies.enabled']],
    ['an upper-case monitoring namespace', { networkPolicies: { monitoringNamespace: 'Monitoring' } }, ['spec.networkPolicies.monitoringNamespace']],
    ['mysqlFrom not a list', { networkPolicies: { mysqlFrom: { podSelector: {} } } }, ['spec.networkPolicies.mysqlFrom']],
    ['a peer with an ipBlock', { networkPolicies: { mysqlFrom: [{ ipBlock: { cidr: '10.0.0.0/8' } }] } }, ['spec.networkPolicies.mysqlFrom[0].ipBlock']],
    ['an empty peer', { networkPolicies: { mysqlFrom: [{}] } }, ['spec.networkPolicies.mysqlFrom[0]']],
    ['a bad label key', { networkPolicies: { mysqlFrom: [{ podSelector: { matchLabels: { 'not a key': 'x' } } }] } }, ['spec.networkPolicies.mysqlFrom[0].podSelector.matchLabels.not a key']],
    ['a bad label value', { networkPolicies: { mysqlFrom: [{ namespaceSelector: { matchLabels: { team: '-shop' } } }] } }, ['spec.networkPolicies.mysqlFrom[0].namespaceSelector.matchLabels.team']],
    ['an unknown operator', { networkPolicies: { mysqlFrom: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'Is' }] } }] } }, ['spec.networkPolicies.mysqlFrom[0].podSelector.matchExpressions[0].operator']],
    ['a misspelt selector field', { networkPolicies: { mysqlFrom: [{ podSelector: { matchLabel: { app: 'x' } } }] } }, ['spec.networkPolicies.mysqlFrom[0].podSelector.matchLabel']],
    ['an unknown NetworkPolicy option', { networkPolicies: { egress: true } }, ['spec.networkPolicies.egress']],
    ['a watcher peer with an ipBlock', { networkPolicies: { watcherFrom: [{ ipBlock: { cidr: '10.0.0.0/8' } }] } }, ['spec.networkPolicies.watcherFrom[0].ipBlock']],
    [
      'all options valid',
      {
        clusterDomain: 'corp.internal',
        images: { versions: { '8.4.3': { db: 'm/pxc:1', coordinator: 'm/c:1', init: 'm/i:1', exporter: 'm/e:1' } }, mirror: { 'ghcr.io': 'm/ghcr', 'docker.io/prom': 'm/prom' } },
        schedulingGate: false,
        argoSyncWaves: true,
        mode: 'kubedb',
        networkPolicies: { enabled: true, monitoringNamespace: 'obs', mysqlFrom: [{ podSelector: { matchLabels: { app: 'web' } } }, { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] } }], watcherFrom: [] },
      },
      [],
    ],
  ];
  it.each(typedCases)('typed config, %s: schema and parser reject the same fields', (_name, spec, expected) => {
    const config = typed(spec);
    expect(validate(config, schema).sort()).toEqual(expected);
    expect(parse(config).sort()).toEqual(expected);
  });

  it('rejects a field beside spec in both', () => {
    const config = typed({}, { clusterDomain: 'corp.internal' });
    expect(validate(config, schema)).toEqual(['clusterDomain']);
    expect(parse(config)).toEqual(['clusterDomain']);
  });

  const configMapCases: Array<[string, Record<string, unknown>, string[]]> = [
    ['an unknown key', { colour: 'blue' }, ['colour']],
    ['an unknown image option', { 'images.sidecar': 'x:1' }, ['images.sidecar']],
    ['a global image', { 'images.exporter': 'm/e:1' }, ['images.exporter']],
    ['an unknown version', { 'images.versions.9.9.9.db': 'm/pxc:9' }, ['images.versions.9.9.9.db']],
    ['a mirror with a trailing slash', { 'images.mirror.ghcr.io/': 'm/ghcr' }, ['images.mirror.ghcr.io/']],
    ['a boolean that is not true/false', { schedulingGate: 'no' }, ['schedulingGate']],
    ['an unknown mode', { mode: 'Kubedb' }, ['mode']],
    ['NetworkPolicies switched by yes', { 'networkPolicies.enabled': 'yes' }, ['networkPolicies.enabled']],
    ['an upper-case monitoring namespace', { 'networkPolicies.monitoringNamespace': 'Mon' }, ['networkPolicies.monitoringNamespace']],
    ['all keys valid', { clusterDomain: 'corp.internal', 'images.versions.8.4.3.exporter': 'm/e:1', 'images.mirror.ghcr.io': 'm/ghcr', schedulingGate: 'false', argoSyncWaves: 'true', mode: 'kubedb', 'networkPolicies.enabled': 'false', 'networkPolicies.monitoringNamespace': 'obs', 'networkPolicies.mysqlFrom': '[{podSelector: {matchLabels: {app: web}}}]', 'networkPolicies.watcherFrom': '[]' }, []],
  ];
  it.each(configMapCases)('ConfigMap data, %s: schema and parser reject the same keys', (_name, data, expected) => {
    expect(validate(data, configMapSchema).sort()).toEqual(expected);
    expect(
      parse(configMap(data))
        .map((p) => p.replace(/^data\./, ''))
        .sort(),
    ).toEqual(expected);
  });

  it.each(['typed.yaml', 'configmap.yaml'])('fn-config/%s is valid for the schema and the parser', (file) => {
    const docs = loadAll(readFileSync(join(ROOT, 'fn-config', file), 'utf8')) as Array<Record<string, unknown>>;
    expect(docs).toHaveLength(1);
    const config = docs[0]!;
    if (config.kind === CONFIG_KIND) expect(validate(config, schema)).toEqual([]);
    else expect(validate(config.data, configMapSchema)).toEqual([]);
    expect(parseFnConfig(config).results).toEqual([]);
  });

  it.each(['typed.yaml', 'configmap.yaml'])('fn-config/%s overrides no image: its examples are comments (it names the agent\'s image, which standalone mode requires)', (file) => {
    const config = loadAll(readFileSync(join(ROOT, 'fn-config', file), 'utf8'))[0] as Record<string, unknown>;
    expect(parseFnConfig(config).config.images).toEqual({ versions: {}, mirror: {}, agent: 'registry.example.com/platform/pxc-tls:0.1.0' });
  });
});

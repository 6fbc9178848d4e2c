/**
 * fast-check generators for the property-based suite (src/function/properties.test.ts): strings
 * that trouble YAML readers, PerconaXtraDB objects from valid to broken, function configs, whole
 * ResourceLists as text, and raw edits of that text.
 */
import { fc } from '@fast-check/jest';
import { KNOWN_VERSIONS } from '../model/catalog';
import { emitMapping } from '../krm/yaml-emit';

/** Characters YAML readers refuse, fold, or give meaning to, and plain ones. */
const TROUBLE_CHARS = [
  '\x00', '\x07', '\x08', '\t', '\n', '\r', '\x1b', '\x7f', '\x80', '\x85', '\x9f', '\u00a0', '\u2028', '\u2029', '\ufeff', '\ufffe', '\uffff',
  '\ud800', '\udfff', '\ud83d\ude00', 'é', 'ß', '中',
  ':', '#', '-', '?', '*', '&', '!', '|', '>', '"', "'", '%', '@', '`', '{', '}', '[', ']', ',', ' ', '\\', '~', '=', '<',
];
const TROUBLE_WORDS = ['yes', 'No', 'on', 'OFF', 'y', 'null', '~', 'true', '1e3', '0x1F', '0o17', '012', '1_000', '2024-01-01', '12:30', '.inf', '-.nan', '<<', '=', '---', '...', '- x', 'a: b', 'a #b', '', ' ', '8.4.3', '3'];

export const troubleChar = fc.oneof(fc.constantFrom(...TROUBLE_CHARS), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }));

/** Any string, weighted towards what breaks YAML writers. */
export const troubleString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: troubleChar, maxLength: 12 }) },
  { weight: 2, arbitrary: fc.constantFrom(...TROUBLE_WORDS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/) },
);

/** A JSON-like value of small size, with trouble strings and odd numbers. */
export const troubleValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    troubleString,
    fc.oneof(fc.integer(), fc.double(), fc.constantFrom(1e21, -0, 2 ** 53 + 2, 0.1)),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(troubleString, tie('value'), { maxKeys: 3 }),
  ),
})).value;

const dnsLabel = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);

/** Fields of a database spec: mostly valid, sometimes mistyped, mistyped in name, or junk. */
const specFields = fc.record(
  {
    version: fc.oneof(fc.constantFrom(...KNOWN_VERSIONS), troubleString, fc.integer()),
    replicas: fc.oneof(fc.constantFrom(3, 5), fc.integer({ min: -2, max: 9 }), troubleString),
    storageType: fc.constantFrom('Durable', 'Ephemeral', 'durable'),
    requireSSL: fc.oneof(fc.boolean(), troubleString),
    requireSsl: fc.boolean(),
    halted: fc.boolean(),
    monitor: fc.oneof(fc.constant({ agent: 'prometheus.io/builtin' }), fc.record({ agent: troubleString }), troubleValue),
    podTemplate: fc.record(
      {
        metadata: fc.record({ labels: fc.dictionary(troubleString, troubleString, { maxKeys: 3 }), annotations: fc.dictionary(troubleString, troubleValue, { maxKeys: 2 }) }, { requiredKeys: [] }),
        spec: fc.record(
          {
            containers: fc.array(fc.record({ name: fc.oneof(fc.constantFrom('perconaxtradb', 'px-coordinator', 'exporter', 'sidecar'), troubleString), image: troubleString, args: fc.array(troubleString, { maxLength: 2 }) }, { requiredKeys: ['name'] }), { maxLength: 2 }),
            nodeSelector: fc.dictionary(troubleString, troubleString, { maxKeys: 2 }),
            env: fc.array(fc.record({ name: troubleString, value: troubleString }), { maxLength: 2 }),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
    configSecret: fc.record({ name: troubleString }),
    extra: troubleValue,
  },
  { requiredKeys: [] },
);

const tls = fc.record(
  {
    issuerRef: fc.oneof(fc.constant({ apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' }), fc.constant({ kind: 'ClusterIssuer', name: 'root' }), fc.record({ kind: troubleString, name: troubleString }, { requiredKeys: [] }), troubleValue),
    certificates: fc.array(
      fc.record(
        {
          alias: fc.oneof(fc.constantFrom('server', 'client', 'metrics-exporter'), troubleString),
          secretName: fc.oneof(dnsLabel, troubleString),
          dnsNames: fc.array(fc.oneof(dnsLabel, troubleString), { maxLength: 2 }),
          ipAddresses: fc.array(fc.oneof(fc.constant('127.0.0.1'), troubleString), { maxLength: 2 }),
          uris: fc.array(fc.oneof(fc.constant('spiffe://x/y'), troubleString), { maxLength: 2 }),
          duration: fc.oneof(fc.constantFrom('2160h', '90m', '1h30m'), troubleString),
          subject: fc.record({ organizations: fc.array(troubleString, { maxLength: 2 }) }),
        },
        { requiredKeys: ['alias'] },
      ),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: [] },
);

const ownAnnotations = fc.record(
  {
    'config.kubernetes.io/local-config': fc.constantFrom('true', 'false'),
    'pxc-tls.dev/local-config-added': fc.oneof(fc.constant('true'), troubleValue),
    'pxc-tls.dev/database': fc.oneof(dnsLabel, troubleValue),
    'pxc-tls.dev/generated': fc.oneof(fc.stringMatching(/^v1-[0-9a-f]{16}$/), troubleValue),
    'config.kubernetes.io/path': fc.oneof(fc.constantFrom('db.yaml', 'dbs/a.yaml', 'x'), troubleValue),
    'config.kubernetes.io/index': fc.oneof(fc.constantFrom('0', '1', '7'), troubleValue),
    'app.example/note': troubleString,
  },
  { requiredKeys: [] },
);

/** A PerconaXtraDB: the docs example with a random share of its fields replaced, mistyped or added. */
export const database = fc
  .record(
    {
      apiVersion: fc.constantFrom('kubedb.com/v1', 'kubedb.com/v1alpha2', 'kubedb.com/v1', 'kubdb.com/v1'),
      kind: fc.constantFrom('PerconaXtraDB', 'PerconaXtraDB', 'PerconaXtraDB', 'PerconaXtraDb'),
      name: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('sample-pxc', 'db-a', 'db-b') }, { weight: 1, arbitrary: troubleString }),
      namespace: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('demo', 'other') }, { weight: 1, arbitrary: troubleString }),
      labels: fc.dictionary(troubleString, troubleString, { maxKeys: 2 }),
      annotations: ownAnnotations,
      spec: specFields,
      tls: fc.option(tls, { nil: undefined }),
    },
    { requiredKeys: ['apiVersion', 'kind', 'name', 'namespace', 'spec'] },
  )
  .map(({ apiVersion, kind, name, namespace, labels, annotations, spec, tls: tlsConfig }) => {
    const base: Record<string, unknown> = { version: '8.4.3', replicas: 3, storage: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } }, tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } } };
    const merged: Record<string, unknown> = { ...base, ...spec };
    if (tlsConfig !== undefined) merged.tls = tlsConfig;
    const metadata: Record<string, unknown> = { name, namespace };
    if (labels !== undefined) metadata.labels = labels;
    if (annotations !== undefined) metadata.annotations = annotations;
    return { apiVersion, kind, metadata, spec: merged };
  });

/** Objects beside the databases: Issuers, unrelated objects, some carrying pxc-tls's annotations. */
export const otherObject = fc.oneof(
  fc.constantFrom('demo', 'other').map((namespace) => ({ apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: 'ca', namespace }, spec: { ca: { secretName: 'ca' } } })),
  fc.constant({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'root' }, spec: { selfSigned: {} } }),
  fc.record({ name: dnsLabel, data: fc.dictionary(troubleString, troubleString, { maxKeys: 3 }), annotations: ownAnnotations }).map(({ name, data, annotations }) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'demo', annotations }, data })),
  fc.record({ name: fc.constantFrom('sample-pxc', 'sample-pxc-server-cert', 'db-a-pods', 'mine'), annotations: ownAnnotations }).map(({ name, annotations }) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'demo', annotations }, spec: { ports: [{ port: 80 }] } })),
  fc.record({ apiVersion: troubleString, kind: troubleString, metadata: troubleValue, spec: troubleValue }, { requiredKeys: [] }),
);

const option = fc.constantFrom('clusterDomain', 'schedulingGate', 'argoSyncWaves', 'mode', 'images.versions.8.4.3.db', 'images.versions.9.9.9.db', 'images.mirror.ghcr.io', 'images.mirror.quay.io', 'images.db', 'colour');
const optionValue = fc.oneof(fc.constantFrom('true', 'false', 'kubedb', 'standalone', 'corp.internal', 'registry.example.com/x:1', 'registry.example.com/ghcr'), troubleString);

/** A function config: none, a ConfigMap (as kpt builds it), a typed PxcTlsConfig, or something else. */
export const functionConfig = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.dictionary(option, optionValue, { maxKeys: 3 }).map((data) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'function-input' }, data })) },
  {
    weight: 2,
    arbitrary: fc
      .record({ mode: fc.constantFrom('standalone', 'kubedb', 'x'), argoSyncWaves: fc.oneof(fc.boolean(), troubleString), images: fc.oneof(fc.constant({ mirror: { 'ghcr.io': 'm/ghcr' } }), fc.constant({ versions: { '8.4.3': { db: 'm/pxc:1' } } }), troubleValue) }, { requiredKeys: [] })
      .map((spec) => ({ apiVersion: 'fn.pxc-tls.dev/v1alpha1', kind: 'PxcTlsConfig', metadata: { name: 'pxc-tls' }, spec })),
  },
  { weight: 1, arbitrary: troubleValue },
);

/** A string that is a valid label or annotation value in all but its characters: anything printable or not. */
const textValue = fc.oneof(fc.string({ unit: troubleChar, maxLength: 10 }), fc.constantFrom(...TROUBLE_WORDS));

/**
 * A database pxc-tls should render: valid choices only, with arbitrary text where Kubernetes takes
 * any string (annotation values, ConfigMap-like data), so rendering, marking and re-running are
 * exercised on the output.
 */
export const validDatabase = fc
  .record({
    apiVersion: fc.constantFrom('kubedb.com/v1', 'kubedb.com/v1alpha2'),
    name: fc.constantFrom('sample-pxc', 'db-a', 'db-b'),
    namespace: fc.constantFrom('demo', 'other'),
    version: fc.constantFrom(...KNOWN_VERSIONS),
    tls: fc.constantFrom(true, true, true, false),
    issuer: fc.constantFrom({ kind: 'Issuer', name: 'ca' }, { kind: 'ClusterIssuer', name: 'root' }),
    monitor: fc.boolean(),
    requireSSL: fc.boolean(),
    annotations: fc.record(
      { 'app.example/note': textValue, 'config.kubernetes.io/local-config': fc.constantFrom('true', 'false'), 'pxc-tls.dev/local-config-added': fc.constant('true'), 'config.kubernetes.io/path': fc.constantFrom('db.yaml', 'dbs/a.yaml'), 'config.kubernetes.io/index': fc.constantFrom('0', '2') },
      { requiredKeys: [] },
    ),
    podAnnotations: fc.dictionary(fc.stringMatching(/^[a-z]{1,8}(\.example\/[a-z]{1,5})?$/), textValue, { maxKeys: 2 }),
    secretName: fc.option(fc.constantFrom('custom-server', 'shared'), { nil: undefined }),
  })
  .map((d) => {
    const metadata: Record<string, unknown> = { name: d.name, namespace: d.namespace };
    if (Object.keys(d.annotations).length > 0) metadata.annotations = d.annotations;
    const spec: Record<string, unknown> = { version: d.version, replicas: 3, storage: { resources: { requests: { storage: '1Gi' } } }, podTemplate: { metadata: { annotations: d.podAnnotations } } };
    if (d.monitor) spec.monitor = { agent: 'prometheus.io/builtin' };
    if (d.tls) {
      spec.requireSSL = d.requireSSL;
      spec.tls = { issuerRef: { apiGroup: 'cert-manager.io', ...d.issuer }, ...(d.secretName ? { certificates: [{ alias: 'server', secretName: d.secretName }] } : {}) };
    }
    return { apiVersion: d.apiVersion, kind: 'PerconaXtraDB', metadata, spec };
  });

export interface GeneratedList {
  items: unknown[];
  functionConfig: unknown;
}

/** Lists that should render, and lists with anything in them. */
export const resourceList: fc.Arbitrary<GeneratedList> = fc.oneof(
  fc.record({
    items: fc.array(fc.oneof({ weight: 3, arbitrary: validDatabase }, { weight: 2, arbitrary: otherObject.filter((o) => o.kind === 'Issuer' || o.kind === 'ClusterIssuer' || o.kind === 'ConfigMap') }), { maxLength: 5 }),
    functionConfig: fc.oneof(fc.constant(undefined), fc.constant({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'function-input' }, data: { mode: 'kubedb' } }), fc.constant({ apiVersion: 'fn.pxc-tls.dev/v1alpha1', kind: 'PxcTlsConfig', metadata: { name: 'c' }, spec: { argoSyncWaves: true, images: { mirror: { 'ghcr.io': 'm.example/ghcr' } } } })),
  }),
  fc.record({
    items: fc.array(fc.oneof({ weight: 2, arbitrary: database }, { weight: 2, arbitrary: otherObject }), { maxLength: 5 }),
    functionConfig,
  }),
);

/** The list as kpt would send it: block YAML. */
export function listText({ items, functionConfig: config }: GeneratedList): string {
  const list: Record<string, unknown> = { apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items };
  if (config !== undefined) list.functionConfig = config;
  return emitMapping(list);
}

/** Raw edits of a list's text: a character put in, a line dropped or repeated, an indentation changed. */
export const rawEdit = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(troubleString, fc.constantFrom(': ', '\n- ', '\n  ', '{', '[', '&a ', '*a', '!!str ', '---\n', '\t', '#')) }),
  fc.record({ kind: fc.constant('drop-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('repeat-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('indent' as const), at: fc.nat(), by: fc.integer({ min: -2, max: 2 }) }),
);

export type RawEdit = EditOf<typeof rawEdit>;

export function applyEdits(text: string, edits: readonly RawEdit[]): string {
  let out = text;
  for (const edit of edits) {
    const lines = out.split('\n');
    if (edit.kind === 'insert') {
      const at = edit.at % (out.length + 1);
      out = out.slice(0, at) + edit.text + out.slice(at);
      continue;
    }
    const line = edit.at % lines.length;
    if (edit.kind === 'drop-line') lines.splice(line, 1);
    else if (edit.kind === 'repeat-line') lines.splice(line, 0, lines[line]!);
    else lines[line] = edit.by >= 0 ? ' '.repeat(edit.by) + lines[line] : lines[line]!.replace(new RegExp(`^ {0,${-edit.by}}`), '');
    out = lines.join('\n');
  }
  return out;
}

type EditOf<A> = A extends fc.Arbitrary<infer T> ? T : never;

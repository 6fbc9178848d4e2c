/**
 * The function's configuration. Accepted forms (krm-conventions §5):
 *   - none, or a ConfigMap with no data (kpt eval without arguments);
 *   - a ConfigMap whose string data uses the dotted option names (`clusterDomain`, `images.db`, …);
 *   - a typed `PxcTlsConfig` of group fn.pxc-tls.dev with the options under `spec`;
 *   - a PerconaXtraDB: the kustomize generator form, where the database is its own generator
 *     config (kustomize passes it as functionConfig and as the only item); defaults apply.
 * Parsing runs schema check → parse → defaults, and collects every problem instead of stopping.
 */
import { Result } from '../krm/results';
import { isPlainObject, KubeObject, refOf } from '../krm/types';
import { isLabelName, isSubdomainName } from '../model/formats';
import { isPerconaXtraDB } from '../model/perconaxtradb';
import { DEFAULT_RENDER_OPTIONS, ImageOverrides, Mode, MODES, RenderOptions } from '../model/options';
import { parsePeers } from './peers';

export const CONFIG_API_VERSION = 'fn.pxc-tls.dev/v1alpha1';
export const CONFIG_KIND = 'PxcTlsConfig';

export type FnConfig = RenderOptions;

export const DEFAULT_CONFIG: Readonly<FnConfig> = DEFAULT_RENDER_OPTIONS;

type OptionType = 'string' | 'boolean' | 'image' | 'mode' | 'domain' | 'namespace' | 'peers';
/** Every option by its dotted name: the ConfigMap key and the path under the typed config's `spec`. */
const OPTIONS: Readonly<Record<string, OptionType>> = {
  clusterDomain: 'domain',
  'images.db': 'image',
  'images.coordinator': 'image',
  'images.init': 'image',
  'images.exporter': 'image',
  schedulingGate: 'boolean',
  argoSyncWaves: 'boolean',
  mode: 'mode',
  'networkPolicies.enabled': 'boolean',
  'networkPolicies.mysqlFrom': 'peers',
  'networkPolicies.monitoringNamespace': 'namespace',
};

/** The typed config's nested groups; every other `spec` field is a leaf (a list stays one value). */
const GROUPS = ['images', 'networkPolicies'];

/** Sets a boolean option by its dotted name. */
const BOOLEANS: Readonly<Record<string, (config: FnConfig, value: boolean) => void>> = {
  schedulingGate: (config, value) => (config.schedulingGate = value),
  argoSyncWaves: (config, value) => (config.argoSyncWaves = value),
  'networkPolicies.enabled': (config, value) => (config.networkPolicies.enabled = value),
};

/** The defaults, with fresh copies of the nested options so a parse never changes DEFAULT_CONFIG. */
function freshConfig(): FnConfig {
  return { ...DEFAULT_CONFIG, images: {}, networkPolicies: { ...DEFAULT_CONFIG.networkPolicies } };
}

export interface ParsedConfig {
  config: FnConfig;
  results: Result[];
}

const ACCEPTED_FORMS = `ConfigMap (data: clusterDomain, images.db, …) or ${CONFIG_KIND} (${CONFIG_API_VERSION})`;

export function isConfigObject(object: KubeObject): boolean {
  return object.apiVersion === CONFIG_API_VERSION && object.kind === CONFIG_KIND;
}

export function parseFnConfig(functionConfig: Record<string, unknown> | undefined): ParsedConfig {
  if (functionConfig === undefined) return { config: freshConfig(), results: [] };
  const object = functionConfig as KubeObject;
  const ref = refOf({ ...object, metadata: isPlainObject(object.metadata) ? object.metadata : {} });
  const fail = (path: string | undefined, message: string): Result => {
    const result: Result = { severity: 'error', message, resourceRef: ref };
    if (path) result.field = { path };
    return result;
  };
  let values: Array<[path: string, key: string, value: unknown]>;
  if (object.apiVersion === 'v1' && object.kind === 'ConfigMap') {
    const data = object.data ?? {};
    if (!isPlainObject(data)) return withDefaults([fail('data', 'must be a mapping of option names to strings')]);
    values = Object.entries(data).map(([key, value]) => [`data.${key}`, key, value]);
  } else if (object.apiVersion === CONFIG_API_VERSION && object.kind === CONFIG_KIND) {
    const unknownTop = Object.keys(object).filter((key) => !['apiVersion', 'kind', 'metadata', 'spec'].includes(key));
    const problems = unknownTop.map((key) => fail(key, `unknown field "${key}"; options go under spec`));
    const spec = object.spec ?? {};
    if (!isPlainObject(spec)) return withDefaults([...problems, fail('spec', 'must be a mapping')]);
    values = flatten(spec).map(([key, value]) => [`spec.${key}`, key, value]);
    if (problems.length > 0) return withDefaults(problems);
  } else if (isPerconaXtraDB(object)) {
    return withDefaults([]);
  } else {
    return withDefaults([fail(undefined, `unsupported functionConfig ${String(object.apiVersion)}/${String(object.kind)}; expected ${ACCEPTED_FORMS}`)]);
  }
  const config = freshConfig();
  const results: Result[] = [];
  for (const [path, key, raw] of values) {
    const type = OPTIONS[key];
    if (!type) {
      results.push(fail(path, `unknown option "${key}"; known options: ${Object.keys(OPTIONS).join(', ')}`));
      continue;
    }
    if (type === 'peers') {
      const { peers, problems } = parsePeers(raw, path);
      results.push(...problems.map((p) => fail(p.path, p.message)));
      if (peers) config.networkPolicies.mysqlFrom = peers;
      continue;
    }
    const problem = setOption(config, key, type, raw);
    if (problem) results.push(fail(path, problem));
  }
  return { config, results };
}

function withDefaults(results: Result[]): ParsedConfig {
  return { config: freshConfig(), results };
}

/** `{images: {db: x}}` → `[['images.db', x]]`; only the GROUPS maps nest. */
function flatten(spec: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(spec).flatMap(([key, value]): Array<[string, unknown]> =>
    GROUPS.includes(key) && isPlainObject(value) ? Object.entries(value).map(([sub, v]): [string, unknown] => [`${key}.${sub}`, v]) : [[key, value]],
  );
}

/** ConfigMap data is always strings (kpt stringifies `count: 3` to "3"), so booleans arrive as text too. */
function setOption(config: FnConfig, key: string, type: OptionType, raw: unknown): string | undefined {
  if (type === 'boolean') {
    const value = raw === 'true' ? true : raw === 'false' ? false : raw;
    if (typeof value !== 'boolean') return `must be true or false, got ${JSON.stringify(raw)}`;
    BOOLEANS[key]!(config, value);
    return undefined;
  }
  if (typeof raw !== 'string' || raw === '') return `must be a non-empty string, got ${JSON.stringify(raw)}`;
  if (type === 'domain') {
    if (!isSubdomainName(raw)) return `"${raw}" is not a valid DNS domain`;
    config.clusterDomain = raw;
  } else if (type === 'namespace') {
    if (!isLabelName(raw)) return `"${raw}" is not a valid namespace name`;
    config.networkPolicies.monitoringNamespace = raw;
  } else if (type === 'mode') {
    if (!(MODES as readonly string[]).includes(raw)) return `must be one of ${MODES.join(', ')}, got "${raw}"`;
    config.mode = raw as Mode;
  } else {
    if (/\s/.test(raw)) return `"${raw}" is not an image reference`;
    config.images[key.slice('images.'.length) as keyof ImageOverrides] = raw;
  }
  return undefined;
}

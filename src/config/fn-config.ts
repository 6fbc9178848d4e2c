/**
 * The function's configuration. Accepted forms (krm-conventions §5):
 *   - none, or a ConfigMap with no data (kpt eval without arguments);
 *   - a ConfigMap whose string data uses the dotted option names (`clusterDomain`,
 *     `images.versions.8.4.3.db`, `images.mirror.ghcr.io`, …);
 *   - a typed `PxcTlsConfig` of group fn.pxc-tls.dev with the options under `spec`;
 *   - a PerconaXtraDB: the kustomize generator form, where the database is its own generator
 *     config (kustomize passes it as functionConfig and as the only item); defaults apply, but
 *     for the agent's image, which its annotation pxc-tls.dev/agent-image gives.
 * Parsing runs schema check → parse → defaults, and collects every problem instead of stopping.
 */
import { Result } from '../krm/results';
import { isPlainObject, KubeObject, refOf } from '../krm/types';
import { KNOWN_VERSIONS, unusedMirrors } from '../model/catalog';
import { isLabelName, isSubdomainName } from '../model/formats';
import { didYouMean } from '../model/near-miss';
import { isPerconaXtraDB } from '../model/perconaxtradb';
import { DEFAULT_RENDER_OPTIONS, IMAGE_COMPONENTS, ImageComponent, Mode, MODES, PeerSelector, RenderOptions } from '../model/options';
import { parsePeers } from './peers';

export const CONFIG_API_VERSION = 'fn.pxc-tls.dev/v1alpha1';
export const CONFIG_KIND = 'PxcTlsConfig';
/** On a PerconaXtraDB that is its own generator config (kustomize): the agent's image (images.agent). */
export const AGENT_IMAGE_ANNOTATION = 'pxc-tls.dev/agent-image';

export type FnConfig = RenderOptions;

export const DEFAULT_CONFIG: Readonly<FnConfig> = DEFAULT_RENDER_OPTIONS;

type OptionType = 'boolean' | 'mode' | 'domain' | 'namespace' | 'peers';
/** The options with a fixed name: the ConfigMap key and the path under the typed config's `spec`. */
const OPTIONS: Readonly<Record<string, OptionType>> = {
  clusterDomain: 'domain',
  schedulingGate: 'boolean',
  argoSyncWaves: 'boolean',
  mode: 'mode',
  'networkPolicies.enabled': 'boolean',
  'networkPolicies.mysqlFrom': 'peers',
  'networkPolicies.watcherFrom': 'peers',
  'networkPolicies.monitoringNamespace': 'namespace',
};
/** The image options, each naming what it replaces. */
const MIRROR_PREFIX = 'images.mirror.';
const VERSIONS_PREFIX = 'images.versions.';
/** The pxc-tls image of the in-pod agent (not a catalog image: no default; standalone mode requires it). */
const AGENT_OPTION = 'images.agent';
const OPTION_FORMS = [...Object.keys(OPTIONS), `${VERSIONS_PREFIX}<version>.<${IMAGE_COMPONENTS.join('|')}>`, `${MIRROR_PREFIX}<registry>`, AGENT_OPTION];

/** Sets a boolean option by its dotted name. */
const BOOLEANS: Readonly<Record<string, (config: FnConfig, value: boolean) => void>> = {
  schedulingGate: (config, value) => (config.schedulingGate = value),
  argoSyncWaves: (config, value) => (config.argoSyncWaves = value),
  'networkPolicies.enabled': (config, value) => (config.networkPolicies.enabled = value),
};

/** Sets a list of NetworkPolicy peers by its dotted name. */
const PEERS: Readonly<Record<string, (config: FnConfig, peers: PeerSelector[]) => void>> = {
  'networkPolicies.mysqlFrom': (config, peers) => (config.networkPolicies.mysqlFrom = peers),
  'networkPolicies.watcherFrom': (config, peers) => (config.networkPolicies.watcherFrom = peers),
};

export interface ParsedConfig {
  config: FnConfig;
  results: Result[];
}

const ACCEPTED_FORMS = `ConfigMap (data: clusterDomain, images.versions.<version>.db, …) or ${CONFIG_KIND} (${CONFIG_API_VERSION})`;

export function isConfigObject(object: KubeObject): boolean {
  return object.apiVersion === CONFIG_API_VERSION && object.kind === CONFIG_KIND;
}

/** The defaults, with fresh copies of the nested options so a parse never changes DEFAULT_CONFIG. */
function defaults(): FnConfig {
  return { ...DEFAULT_CONFIG, images: { versions: {}, mirror: {} }, networkPolicies: { ...DEFAULT_CONFIG.networkPolicies, watcherFrom: structuredClone(DEFAULT_CONFIG.networkPolicies.watcherFrom) } };
}

export function parseFnConfig(functionConfig: Record<string, unknown> | undefined): ParsedConfig {
  if (functionConfig === undefined) return { config: defaults(), results: [] };
  const object = functionConfig as KubeObject;
  const ref = refOf(object);
  const fail = (path: string | undefined, message: string, severity: Result['severity'] = 'error'): Result => {
    const result: Result = { severity, message, resourceRef: ref };
    if (path) result.field = { path };
    return result;
  };
  let values: Array<[path: string, key: string, value: unknown]>;
  const results: Result[] = [];
  if (object.apiVersion === 'v1' && object.kind === 'ConfigMap') {
    const data = object.data ?? {};
    if (!isPlainObject(data)) return withDefaults([fail('data', 'must be a mapping of option names to strings')]);
    values = Object.entries(data).map(([key, value]) => [`data.${key}`, key, value]);
  } else if (object.apiVersion === CONFIG_API_VERSION && object.kind === CONFIG_KIND) {
    const unknownTop = Object.keys(object).filter((key) => !['apiVersion', 'kind', 'metadata', 'spec'].includes(key));
    const problems = unknownTop.map((key) => fail(key, `unknown field "${key}"; options go under spec`));
    const spec = object.spec ?? {};
    if (!isPlainObject(spec)) return withDefaults([...problems, fail('spec', 'must be a mapping')]);
    values = flattenSpec(spec, (path, message) => results.push(fail(path, message)));
    if (problems.length > 0) return withDefaults([...problems, ...results]);
  } else if (isPerconaXtraDB(object)) {
    // The kustomize generator form has no config of its own: the agent's image may ride on the database.
    const agent = object.metadata?.annotations?.[AGENT_IMAGE_ANNOTATION];
    if (agent === undefined) return withDefaults([]);
    const problem = typeof agent === 'string' && IMAGE_REFERENCE.test(agent) ? undefined : `${JSON.stringify(agent)} is not an image reference`;
    return problem ? withDefaults([fail(`metadata.annotations.${AGENT_IMAGE_ANNOTATION}`, problem)]) : { config: { ...defaults(), images: { versions: {}, mirror: {}, agent } }, results: [] };
  } else {
    return withDefaults([fail(undefined, `unsupported functionConfig ${String(object.apiVersion)}/${String(object.kind)}; expected ${ACCEPTED_FORMS}`)]);
  }
  const config = defaults();
  const versions: Record<string, Partial<Record<ImageComponent, string>>> = {};
  const mirror: Record<string, string> = {};
  let agent: string | undefined;
  for (const [path, key, raw] of values) {
    if (key === AGENT_OPTION) {
      if (typeof raw !== 'string' || !IMAGE_REFERENCE.test(raw)) results.push(fail(path, `must be an image reference (the pxc-tls image), got ${JSON.stringify(raw)}`));
      else agent = raw;
      continue;
    }
    if (OPTIONS[key] === 'peers') {
      const { peers, problems } = parsePeers(raw, path);
      results.push(...problems.map((p) => fail(p.path, p.message)));
      if (peers) PEERS[key]!(config, peers);
      continue;
    }
    const problem = setOption(config, key, raw, versions, mirror);
    if (problem) results.push(fail(path, problem));
  }
  config.images = { versions, mirror, ...(agent ? { agent } : {}) };
  for (const prefix of unusedMirrors(mirror)) {
    const path = values.find(([, key]) => key === MIRROR_PREFIX + prefix)![0];
    results.push(fail(path, `replaces nothing: no catalog image starts with "${prefix}/"`, 'warning'));
  }
  return { config, results };
}

function withDefaults(results: Result[]): ParsedConfig {
  return { config: defaults(), results };
}

/**
 * The typed `spec` as dotted option names: `{images: {versions: {"8.4.3": {db: x}}}}` →
 * `images.versions.8.4.3.db`, `{images: {mirror: {"ghcr.io": y}}}` → `images.mirror.ghcr.io`,
 * `{networkPolicies: {enabled: false}}` → `networkPolicies.enabled` (a list stays one value).
 */
function flattenSpec(spec: Record<string, unknown>, fail: (path: string, message: string) => void): Array<[string, string, unknown]> {
  const out: Array<[string, string, unknown]> = [];
  const mapAt = (value: unknown, path: string, what: string): Record<string, unknown> | undefined => {
    if (isPlainObject(value)) return value;
    fail(path, `must be a mapping of ${what}`);
    return undefined;
  };
  for (const [key, value] of Object.entries(spec)) {
    if (key === 'networkPolicies') {
      const group = mapAt(value, 'spec.networkPolicies', 'NetworkPolicy options (enabled, mysqlFrom, watcherFrom, monitoringNamespace)');
      for (const [sub, v] of Object.entries(group ?? {})) out.push([`spec.${key}.${sub}`, `${key}.${sub}`, v]);
      continue;
    }
    if (key !== 'images') {
      out.push([`spec.${key}`, key, value]);
      continue;
    }
    const images = mapAt(value, 'spec.images', 'versions and mirror');
    for (const [kind, entries] of Object.entries(images ?? {})) {
      const path = `spec.images.${kind}`;
      if (kind === 'mirror') {
        for (const [prefix, to] of Object.entries(mapAt(entries, path, 'registry prefixes to their mirrors') ?? {})) out.push([`${path}.${prefix}`, `${MIRROR_PREFIX}${prefix}`, to]);
      } else if (kind === 'versions') {
        for (const [version, components] of Object.entries(mapAt(entries, path, 'versions to images') ?? {})) {
          if (!KNOWN_VERSIONS.includes(version)) {
            fail(`${path}.${version}`, unknownVersion(version));
            continue;
          }
          for (const [component, image] of Object.entries(mapAt(components, `${path}.${version}`, 'components (db, coordinator, init, exporter) to images') ?? {})) {
            out.push([`${path}.${version}.${component}`, `${VERSIONS_PREFIX}${version}.${component}`, image]);
          }
        }
      } else out.push([path, `images.${kind}`, entries]);
    }
  }
  return out;
}

const IMAGE_REFERENCE = /^[^\s]+$/;

function unknownVersion(version: string): string {
  return `unknown PerconaXtraDB version "${version}"; the catalog has ${KNOWN_VERSIONS.join(', ')}`;
}

/** ConfigMap data is always strings (kpt stringifies `count: 3` to "3"), so booleans arrive as text too. */
function setOption(config: FnConfig, key: string, raw: unknown, versions: Record<string, Partial<Record<ImageComponent, string>>>, mirror: Record<string, string>): string | undefined {
  const type = OPTIONS[key];
  if (type === 'boolean') {
    const value = raw === 'true' ? true : raw === 'false' ? false : raw;
    if (typeof value !== 'boolean') return `must be true or false, got ${JSON.stringify(raw)}`;
    BOOLEANS[key]!(config, value);
    return undefined;
  }
  if (type === undefined && !key.startsWith('images.')) return `unknown option "${key}"${didYouMean(key, Object.keys(OPTIONS))}; known options: ${OPTION_FORMS.join(', ')}`;
  if (typeof raw !== 'string' || raw === '') return `must be a non-empty string, got ${JSON.stringify(raw)}`;
  if (type === 'domain') {
    if (!isSubdomainName(raw)) return `"${raw}" is not a valid DNS domain`;
    config.clusterDomain = raw;
    return undefined;
  }
  if (type === 'namespace') {
    if (!isLabelName(raw)) return `"${raw}" is not a valid namespace name`;
    config.networkPolicies.monitoringNamespace = raw;
    return undefined;
  }
  if (type === 'mode') {
    if (!(MODES as readonly string[]).includes(raw)) return `must be one of ${MODES.join(', ')}, got "${raw}"`;
    config.mode = raw as Mode;
    return undefined;
  }
  return setImageOption(key, raw, versions, mirror);
}

function setImageOption(key: string, image: string, versions: Record<string, Partial<Record<ImageComponent, string>>>, mirror: Record<string, string>): string | undefined {
  if (!IMAGE_REFERENCE.test(image)) return `"${image}" is not an image reference`;
  if (key.startsWith(MIRROR_PREFIX)) {
    const prefix = key.slice(MIRROR_PREFIX.length);
    if (prefix === '' || !IMAGE_REFERENCE.test(prefix) || prefix.endsWith('/')) return `"${prefix}" is not a registry prefix (e.g. ghcr.io or docker.io/prom, without a trailing /)`;
    if (image.endsWith('/')) return `"${image}" must not end with /: it replaces "${prefix}" (without its /)`;
    mirror[prefix] = image;
    return undefined;
  }
  if (key.startsWith(VERSIONS_PREFIX)) {
    const rest = key.slice(VERSIONS_PREFIX.length);
    const dot = rest.lastIndexOf('.');
    const version = rest.slice(0, dot);
    const component = rest.slice(dot + 1) as ImageComponent;
    if (dot < 0 || !IMAGE_COMPONENTS.includes(component)) return `unknown image component "${rest.slice(dot + 1)}"; components: ${IMAGE_COMPONENTS.join(', ')}${didYouMean(rest.slice(dot + 1), IMAGE_COMPONENTS)}`;
    if (!KNOWN_VERSIONS.includes(version)) return unknownVersion(version);
    versions[version] = { ...versions[version], [component]: image };
    return undefined;
  }
  const component = key.slice('images.'.length);
  if (IMAGE_COMPONENTS.includes(component as ImageComponent)) {
    return `would replace the ${component} image of every version: say what it replaces — one version (${VERSIONS_PREFIX}<version>.${component}; typed: spec.images.versions.<version>.${component}) or a registry through a mirror (${MIRROR_PREFIX}<registry>; typed: spec.images.mirror.<registry>)`;
  }
  return `unknown option "${key}"; image options: ${OPTION_FORMS.slice(-3).join(', ')}`;
}

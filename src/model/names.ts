/**
 * Every name KubeDB derives from a database name, in one place. The watcher uses the same
 * functions to know which Secrets and SANs a database needs.
 */
import { CertAlias, DEFAULT_CLUSTER_DOMAIN, SUFFIX } from './kubedb';
import { FORCE_BOOTSTRAP_SUFFIX, GALERA_DECISIONS_SUFFIX } from './project';

/** DNS-1123 label limit that KubeDB truncates to (KM meta/lib.go, validation.DNS1123LabelMaxLength). */
export const NAME_MAX_LENGTH = 63;

/**
 * KM meta/lib.go NameWithSuffix: `<name>-<suffix>`, the name cut so the result fits in 63
 * characters, then trimmed of `-`. A suffix of 63 characters or more yields its own tail.
 */
export function nameWithSuffix(name: string, suffix: string): string {
  if (suffix.length >= NAME_MAX_LENGTH) return trimDashes(suffix.slice(suffix.length - NAME_MAX_LENGTH));
  return trimDashes(`${name.slice(0, NAME_MAX_LENGTH - suffix.length - 1)}-${suffix}`);
}

function trimDashes(value: string): string {
  return value.replace(/^-+|-+$/g, '');
}

/** AM perconaxtradb_helpers.go CertificateName: the Certificate's name and default Secret name. */
export function certificateName(db: string, alias: CertAlias): string {
  return nameWithSuffix(db, `${alias}-cert`);
}

/** AM GoverningServiceName: the headless Service the StatefulSet's pods live under. */
export function governingServiceName(db: string): string {
  return nameWithSuffix(db, SUFFIX.governingService);
}

/** AM ServiceName: the primary Service is named like the database. */
export function primaryServiceName(db: string): string {
  return db;
}

/** AM stats service `<name>-stats`, through NameWithSuffix so long names stay valid. */
export function statsServiceName(db: string): string {
  return nameWithSuffix(db, SUFFIX.statsService);
}

/** AM GetPersistentSecrets: `<name>-metrics-exporter-config`. */
export function exporterConfigName(db: string): string {
  return nameWithSuffix(db, SUFFIX.exporterConfig);
}

/** AM defaults: authSecret `<name>-auth`, systemUserSecrets `<name>-monitor`, `<name>-replication`. */
export function defaultSecretName(db: string, purpose: 'auth' | 'monitor' | 'replication'): string {
  return nameWithSuffix(db, SUFFIX[`${purpose}Secret`]);
}

/** AM PrimaryServiceDNS: `<name>.<ns>.svc`. */
export function primaryServiceDNS(db: string, namespace: string): string {
  return `${primaryServiceName(db)}.${namespace}.svc`;
}

/** AM PeerName(i): `<name>-<i>.<name>-pods.<ns>` (+ `.svc`: the form the server certificate covers). */
export function peerDNS(db: string, namespace: string, ordinal: number): string {
  return `${db}-${ordinal}.${governingServiceName(db)}.${namespace}.svc`;
}

/**
 * Default SANs of the server certificate (DOCS reconfigure-tls describe output; `localhost` and
 * `127.0.0.1` are defaults per the SingleStore guide — inferred for PXC).
 */
export function defaultServerDNSNames(db: string, namespace: string, clusterDomain: string): string[] {
  const pods = governingServiceName(db);
  return [
    primaryServiceName(db),
    primaryServiceDNS(db, namespace),
    `*.${primaryServiceDNS(db, namespace)}`,
    `*.${pods}.${namespace}.svc`,
    `*.${pods}.${namespace}.svc.${clusterDomain}`,
    'localhost',
  ];
}
export const DEFAULT_SERVER_IP_ADDRESSES = ['127.0.0.1'];

/** The ConfigMap the watcher's leader writes a database's Galera decisions into (pxc-tls's own name). */
export function galeraDecisionsName(db: string): string {
  return nameWithSuffix(db, GALERA_DECISIONS_SUFFIX);
}

/** The ConfigMap a user applies to force one bootstrap of a database (pxc-tls's own name). */
export function forceBootstrapName(db: string): string {
  return nameWithSuffix(db, FORCE_BOOTSTRAP_SUFFIX);
}

/** `<db>-<ordinal>`: a StatefulSet pod's name. */
export function memberName(db: string, ordinal: number): string {
  return `${db}-${ordinal}`;
}

/** The ordinal of a member's pod name, or undefined when it is not one of `db`'s. */
export function memberOrdinal(db: string, pod: string): number | undefined {
  if (!pod.startsWith(`${db}-`)) return undefined;
  const rest = pod.slice(db.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

/** The loopback name a pod's own processes reach mysqld by: every member's certificate may carry it. */
export const LOCALHOST = 'localhost';
/** The loopback address the same processes (the agent, the exporter's `host=127.0.0.1`) use. */
export const LOOPBACK_IP = '127.0.0.1';

/**
 * The names one member's server certificate must cover: its pod DNS name under the governing
 * Service (Galera peers and SST use it), the same with the cluster domain, `localhost` and
 * `127.0.0.1` — what the watcher's gate requires and the agent checks a renewal against.
 */
export function memberServerNames(db: string, namespace: string, ordinal: number, clusterDomain: string): { dnsNames: string[]; ipAddresses: string[] } {
  const peer = peerDNS(db, namespace, ordinal);
  return { dnsNames: [peer, `${peer}.${clusterDomain}`, LOCALHOST], ipAddresses: [LOOPBACK_IP] };
}

/** A Service in every form cluster DNS answers for it: `<svc>`, `<svc>.<ns>`, `<svc>.<ns>.svc`, `<svc>.<ns>.svc.<domain>`. */
function serviceDomains(service: string, namespace: string, clusterDomain: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.${clusterDomain}`];
}

/** `<db>-<ordinal>`: a pod of the database's StatefulSet. */
function isPodLabel(label: string, db: string): boolean {
  return label.startsWith(`${db}-`) && /^(0|[1-9]\d*)$/.test(label.slice(db.length + 1));
}

function split(name: string): [label: string, parent: string] {
  const host = name.toLowerCase();
  const dot = host.indexOf('.');
  return dot < 0 ? [host, ''] : [host.slice(0, dot), host.slice(dot + 1)];
}

/**
 * Whether a DNS name names one of the database's pods: `<db>-<ordinal>` under its governing
 * Service, or the governing Service's wildcard (`*.<db>-pods.<ns>.svc`, with or without the
 * cluster domain).
 */
export function isMemberDNSName(name: string, db: string, namespace: string, clusterDomain: string): boolean {
  const [label, parent] = split(name);
  if (!serviceDomains(governingServiceName(db), namespace, clusterDomain).includes(parent)) return false;
  return isPodLabel(label, db) || (label === '*' && parent.includes('.'));
}

/**
 * Whether a DNS name names the database itself: one of its pods (isMemberDNSName), its Services
 * (primary and governing, in every DNS form), a wildcard under the primary Service
 * (`*.<db>.<ns>.svc`), or localhost. The names of KubeDB's default server certificate are all of
 * this kind; a name of another database, of the namespace or of the outside world is not.
 */
export function isDatabaseDNSName(name: string, db: string, namespace: string, clusterDomain: string): boolean {
  const host = name.toLowerCase();
  if (host === LOCALHOST || isMemberDNSName(host, db, namespace, clusterDomain)) return true;
  const primary = serviceDomains(primaryServiceName(db), namespace, clusterDomain);
  const governing = serviceDomains(governingServiceName(db), namespace, clusterDomain);
  if (primary.includes(host) || governing.includes(host)) return true;
  const [label, parent] = split(host);
  return label === '*' && parent.includes('.') && primary.includes(parent);
}

/**
 * Whether cluster DNS answers for a name, as a pod of the database's namespace resolves it: a
 * single label (a Service of the namespace, through the search path), `<x>.<namespace>`, and
 * anything under `.svc`, `.pod` (pod A records, `1-2-3-4.<ns>.pod`) or the cluster domain (the
 * configured one and `cluster.local`), wildcards included. Such a name on a member's certificate
 * that is not the database's names another database, Service or pod. Everything else is an
 * outside name (an external DNS name) — except `<x>.<other namespace>`, which cannot be told apart
 * from a two-label external domain (`example.com`) without knowing the cluster's namespaces.
 */
export function isInClusterDNSName(name: string, namespace: string, clusterDomain: string): boolean {
  const host = name.toLowerCase();
  const labels = host.split('.');
  if (labels.length === 1) return host !== LOCALHOST;
  if (labels.length === 2 && labels[1] === namespace.toLowerCase()) return true;
  return ['svc', 'pod', clusterDomain.toLowerCase(), DEFAULT_CLUSTER_DOMAIN].some((suffix) => host === suffix || host.endsWith(`.${suffix}`));
}

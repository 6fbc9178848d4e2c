/**
 * Every name KubeDB derives from a database name, in one place. The watcher uses the same
 * functions to know which Secrets and SANs a database needs.
 */
import { CertAlias, SUFFIX } from './kubedb';
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

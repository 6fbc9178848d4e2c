/**
 * What KubeDB creates for a PerconaXtraDB, one fact per constant, each with its source as named in
 * ../shared/reference/kubedb-facts.md (AM = kubedb/apimachinery, DOCS = kubedb/docs,
 * MD2021 = the 2021 community MariaDB operator, PX2021 = the 2021 PerconaXtraDB operator,
 * PXINIT = kubedb/percona-xtradb-init-docker, KM = kmodules/client-go). "Inferred" marks our choice
 * where no public source exists; docs/kubedb-fidelity.md lists those choices.
 */

import type { CertificateSpec } from './generated/certificate';

export const KUBEDB_GROUP = 'kubedb.com';
/** AM crds/kubedb.com_perconaxtradbs.yaml: served versions (v1 is the storage version). */
export const PERCONA_XTRADB_VERSIONS = ['v1', 'v1alpha2'] as const;
export const PERCONA_XTRADB_KIND = 'PerconaXtraDB';

/** AM apis/kubedb/v1/perconaxtradb_types.go: PerconaXtraDB{Server,Client,Exporter}Cert. */
export const CERT_ALIASES = ['server', 'client', 'metrics-exporter'] as const;
export type CertAlias = (typeof CERT_ALIASES)[number];

/** AM perconaxtradb_helpers.go CertMountPath: filepath.Join("/etc/mysql/certs", alias). */
export const CERT_MOUNT_ROOT = '/etc/mysql/certs';
/** The three files cert-manager writes and KubeDB mounts (MD2021 statefulset.go items; DOCS `ls /etc/mysql/certs/server`). */
export const CERT_FILES = ['ca.crt', 'tls.crt', 'tls.key'] as const;

/** AM apis/kubedb/constants.go "PerconaXtraDB Constants": volume names. */
export const VOLUME = {
  data: 'data',
  initScripts: 'init-scripts',
  runScript: 'run-script',
  customConfig: 'custom-config',
  initialScript: 'initial-script',
  serverTLS: 'tls-server-config',
  clientTLS: 'tls-client-config',
  exporterTLS: 'tls-metrics-exporter-config',
  exporterConfig: 'metrics-exporter-config',
} as const;

/** TLS volume per alias (AM constants.go; the exporter's mapping is inferred from the constant names). */
export const TLS_VOLUME: Record<CertAlias, string> = {
  server: VOLUME.serverTLS,
  client: VOLUME.clientTLS,
  'metrics-exporter': VOLUME.exporterTLS,
};

/** AM constants.go mount paths. */
export const MOUNT = {
  data: '/var/lib/mysql',
  initScripts: '/scripts',
  runScript: '/run-script',
  customConfig: '/etc/mysql/custom.conf.d/',
  initialScript: '/docker-entrypoint-initdb.d',
  exporterConfig: '/etc/mysql/config/exporter',
} as const;

/** Key of the exporter's my.cnf in `<name>-metrics-exporter-config` (DOCS MariaDB/MySQL TLS guides, MD2021). */
export const EXPORTER_CONFIG_KEY = 'exporter.cnf';

/** AM constants.go container names; DOCS "Defaulted container perconaxtradb out of: perconaxtradb, px-coordinator, px-init (init)". */
export const CONTAINER = {
  db: 'perconaxtradb',
  coordinator: 'px-coordinator',
  init: 'px-init',
  exporter: 'exporter',
} as const;

/** PX2021 service.go; DOCS quickstart. */
export const DB_PORT = 3306;
export const DB_PORT_NAME = 'db';
export const PRIMARY_PORT_NAME = 'primary';
/** AM vendor monitoring-agent-api types.go: default exporter port and port name. */
export const EXPORTER_PORT = 56790;
export const EXPORTER_PORT_NAME = 'metrics';
/** Galera's own ports (codership docs); container port names inferred. */
export const GALERA_PORTS = [
  { name: 'wsrep', containerPort: 4567 },
  { name: 'ist', containerPort: 4568 },
  { name: 'sst', containerPort: 4444 },
] as const;

/** AM perconaxtradb_types.go + KM meta/lib.go: name suffixes. */
export const SUFFIX = {
  governingService: 'pods',
  statsService: 'stats',
  exporterConfig: 'metrics-exporter-config',
  authSecret: 'auth',
  monitorSecret: 'monitor',
  replicationSecret: 'replication',
} as const;

/** AM perconaxtradb_helpers.go offshootLabels / OffshootSelectors. */
export const LABEL = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  /** Stats Service only (PX2021). */
  role: 'kubedb.com/role',
} as const;
export const LABEL_VALUE = {
  name: 'perconaxtradbs.kubedb.com',
  managedBy: 'kubedb.com',
  component: 'database',
  statsRole: 'stats',
} as const;
/** User labels on the database propagate, except these (AM offshootLabels). */
export const PROPAGATION_BLOCKED_LABELS = [LABEL.name, 'app.kubernetes.io/version', LABEL.instance, LABEL.managedBy];
export const PROPAGATION_BLOCKED_PREFIX = 'kubedb.com/';

/** AM kubedb.PerconaXtraDBDefaultClusterSize; the webhook rejects fewer ("Value must be atleast 3"). */
export const DEFAULT_REPLICAS = 3;
export const MIN_REPLICAS = 3;

/** Default cluster domain of the pods wildcard SAN (DOCS reconfigure-tls describe output). */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/** cert-manager's key usage and private key encoding names (from its CRD). */
export type KeyUsage = NonNullable<CertificateSpec['usages']>[number];
export type PrivateKeyEncoding = NonNullable<CertificateSpec['privateKey']>['encoding'];

/** Usages of every KubeDB SQL-family server certificate in the docs (DOCS reconfigure-tls guides). */
export const SERVER_USAGES: readonly KeyUsage[] = ['digital signature', 'key encipherment', 'server auth', 'client auth'];
/** Inferred: client-side certificates authenticate a client only. */
export const CLIENT_USAGES: readonly KeyUsage[] = ['digital signature', 'key encipherment', 'client auth'];
/** Inferred: the MySQL user a client-side certificate stands for (DOCS MySQL reconfigure-tls shows CN=root;
 * the exporter connects as root in KubeDB: MD2021/PX2021 set MYSQL_ROOT_USERNAME on it). */
export const CLIENT_COMMON_NAME = 'root';


/** The webhook forbids these in podTemplate env (AM pkg/webhooks/kubedb/v1/perconaxtradb.go). */
export const FORBIDDEN_ENV = ['MYSQL_ROOT_PASSWORD', 'MYSQL_ALLOW_EMPTY_PASSWORD', 'MYSQL_RANDOM_ROOT_PASSWORD', 'MYSQL_ONETIME_PASSWORD'];

/** AM constants: serviceTemplates aliases; PXC renders no standby Service. */
export const SERVICE_ALIASES = ['primary', 'standby', 'stats'] as const;

/** KM api/v1/certificates.go: issuerRef kinds KubeDB indexes, in the cert-manager group. */
export const ISSUER_GROUP = 'cert-manager.io';
export const ISSUER_KINDS = ['Issuer', 'ClusterIssuer'] as const;

/** Monitoring agents that make KubeDB create the stats Service (PX2021 service.go). */
export const PROMETHEUS_AGENTS = ['prometheus.io/operator', 'prometheus.io', 'prometheus.io/builtin'];
/** DOCS monitoring/builtin-prometheus: annotations on the stats Service for the builtin agent. */
export const BUILTIN_PROMETHEUS_AGENT = 'prometheus.io/builtin';

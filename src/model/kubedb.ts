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

// ---- The pod's start-up contract (../shared/reference/kubedb-startup.md; PXINIT = the init image
// kubedb/percona-xtradb-init-docker 0.2.3, MDOP-IDX = KubeDB's MariaDB operator statefulset.go) ----

/** PXINIT 0.2.3 `git ls-tree` scripts/: what px-init copies into /scripts (startup §2). */
export const INIT_SCRIPT = {
  run: 'run.sh',
  onStart: 'on-start.sh',
  entrypoint: 'entrypoint.sh',
  bootstrapNewCluster: 'bootstrap-new-cluster.sh',
  joinCluster: 'join-cluster.sh',
  afterCrashBootstrap: 'after-crash-bootstrap.sh',
  recoverSeqNo: 'recover-seq-no.sh',
  blank: 'blank-script.sh',
  directoryExist: 'directory-exist.sh',
  tini: 'tini',
} as const;

/** The scripts a coordinator may copy into /run-script (startup §5: pre-run and run-on-present). */
export const PRE_RUN_SCRIPTS = [INIT_SCRIPT.blank, INIT_SCRIPT.recoverSeqNo] as const;
export type PreRunScript = (typeof PRE_RUN_SCRIPTS)[number];
export const RUN_SCRIPTS = [INIT_SCRIPT.bootstrapNewCluster, INIT_SCRIPT.joinCluster, INIT_SCRIPT.afterCrashBootstrap] as const;
export type RunScript = (typeof RUN_SCRIPTS)[number];

/**
 * PXINIT on-start.sh / run.sh / recover-seq-no.sh: the files of the contract, by directory. run.sh
 * deletes all four at the start of every loop; on-start.sh waits for peer-list, then runs the
 * pre-run script (no args), then waits for and runs run-on-present with the container's args.
 */
export const CONTRACT_FILE = {
  /** In MOUNT.initScripts: one line, comma-separated peer hosts, no `gcomm://`, no port (startup §5). */
  peerList: 'peer-list',
  /** In MOUNT.initScripts: the seqno recover-seq-no.sh found (text after the last colon, no newline; empty if none). */
  seqno: 'seqno',
  /** In MOUNT.runScript. */
  preRun: 'pre-run-on-present.sh',
  /** In MOUNT.runScript. */
  runOnPresent: 'run-on-present.sh',
} as const;

/** Galera's state file in the data directory (codership docs; PXINIT after-crash-bootstrap.sh edits it). */
export const GRASTATE_FILE = 'grastate.dat';
/**
 * PXINIT entrypoint.sh: `if [ ! -d "$DATADIR/mysql" ]` initialises a new database (wiping the
 * directory but for its cpat files) — the test of "initialised" the contract itself uses.
 */
export const SYSTEM_SCHEMA_DIR = 'mysql';
/** PXINIT directory-exist.sh (since 0.2.1) and init-script/run.sh: a fresh volume's lost+found does not count. */
export const LOST_AND_FOUND = 'lost+found';

/**
 * MDOP-IDX getCmdsForMariaDBContainer / getArgsForMariaDBContainer (the Galera pattern; inferred for
 * PXC, startup §3): tini with -g signals the whole process group; run.sh gets one extra argument,
 * every mysqld option joined by spaces, which the scripts word-split.
 */
export const DB_COMMAND = ['/scripts/tini', '-g', '--'] as const;
export const DB_RUN_SCRIPT = '/scripts/run.sh';

/** PXINIT entrypoint.sh env (startup §6): credentials from the auth, monitor and replication Secrets. */
export const DB_ENV = {
  rootUsername: 'MYSQL_ROOT_USERNAME',
  rootPassword: 'MYSQL_ROOT_PASSWORD',
  monitorUsername: 'MONITOR_USERNAME',
  monitorPassword: 'MONITOR_PASSWORD',
  replicationUsername: 'REPLICATION_USERNAME',
  replicationPassword: 'REPLICATION_PASSWORD',
  clusterName: 'CLUSTER_NAME',
  /** Non-empty: [sst] encrypt=4 with the server certificate. */
  sslEnabled: 'SSL_ENABLED',
} as const;

/** The keys of KubeDB's auth, monitor and replication Secrets (kubernetes.io/basic-auth; PX2021 upsertEnv). */
export const CREDENTIAL_KEYS = ['username', 'password'] as const;

/**
 * AM kubedb.DefaultResources, DefaultInitContainerResource, CoordinatorDefaultResources (startup §3,
 * §2, §10; DOCS script_source.md describe dump). No CPU limit anywhere.
 */
export const DEFAULT_RESOURCES = {
  db: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } },
  init: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '512Mi' } },
  coordinator: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '256Mi' } },
} as const;

/** AM apis.SetDefaultResizePolicy: every container resizes cpu and memory in place (startup §3). */
export const RESIZE_POLICY = [
  { resourceName: 'cpu', restartPolicy: 'NotRequired' },
  { resourceName: 'memory', restartPolicy: 'NotRequired' },
] as const;

/** AM pkg/controller/lib.go SyncPetSetPodDisruptionBudget: max(1, ⌊(replicas−1)/2⌋); none at ≤ 1 replica. */
export function podDisruptionBudgetMaxUnavailable(replicas: number): number | undefined {
  if (replicas <= 1) return undefined;
  return Math.max(1, Math.floor((replicas - 1) / 2));
}

/**
 * PETSET placement.go with the chart's PlacementPolicy/default (startup §12): a spread on zone and
 * on hostname, maxSkew 1, ScheduleAnyway, selecting all pod-template labels.
 */
export const SPREAD_TOPOLOGY_KEYS = ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'] as const;
export const SPREAD_MAX_SKEW = 1;
export const SPREAD_WHEN_UNSATISFIABLE = 'ScheduleAnyway';

/** AM perconaxtradb webhook: the cluster name (= database name) goes into wsrep_cluster_name, at most 32 characters. */
export const MAX_CLUSTER_NAME_LENGTH = 32;

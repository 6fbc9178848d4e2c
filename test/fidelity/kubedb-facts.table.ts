/**
 * KubeDB's documented facts about what it creates for a PerconaXtraDB with TLS, as rows checked
 * against what pxc-tls renders for the example packages (test/e2e/kubedb-facts.test.ts).
 *
 * A row: a JSONPath (jsonpath-plus) into the rendered list — every item of the function's output,
 * the source database included — the value KubeDB's facts give, and where they give it:
 * `../shared/reference/kubedb-facts.md` line `line` (or lines `[from, to]`) must hold `quote`, and
 * every value in `expected` (every string, number and key) must be written on those lines, so the
 * expected values are the facts file's words, not pxc-tls's output. `<name>`, `<ns>` and `<port>`
 * stand for the example's database, namespace and exporter port, in the path and in `expected`,
 * exactly as the facts file writes them.
 *
 * `match`: `one` (default) — the path finds exactly one value, equal to `expected`; `all` — the
 * values the path finds, in order, equal `expected` (a list; `[]` means none); `includes` — the
 * path finds one list, which holds every entry of `expected`; `flag` — the path finds one list of
 * command-line arguments, which holds `<expected[0]>=<expected[1]>` (the facts write the flag and
 * its value apart).
 *
 * `evidence` repeats the facts file's tag: `docs` shown in KubeDB's docs, `code` read in KubeDB's
 * public code, `inferred` the facts file's deduction. `departure`: a deliberate difference, with
 * what is rendered instead and why (docs/kubedb-fidelity.md lists them).
 *
 * Command-line arguments are compared as the init image's scripts see them: run.sh gets the mysqld
 * options as one string and passes it on unquoted, so `includes` and `flag` look at the
 * arguments' words.
 *
 * Adding a fact is adding a row.
 */

export type Example = 'docs-tls-cluster' | 'monitored';

/** What the placeholders stand for in each example (from the example's own PerconaXtraDB). */
export const EXAMPLES: Readonly<Record<Example, Readonly<Record<string, string>>>> = {
  'docs-tls-cluster': { '<name>': 'sample-pxc', '<ns>': 'demo' },
  monitored: { '<name>': 'metrics-pxc', '<ns>': 'monitoring-demo', '<port>': '56790' },
};

export interface FactRow {
  /** The fact, as a sentence. */
  fact: string;
  example: Example;
  path: string;
  expected: unknown;
  match?: 'one' | 'all' | 'includes' | 'flag';
  /** kubedb-facts.md line, or first and last line. */
  line: number | readonly [number, number];
  /** Text that must be on that line (or one of those lines). */
  quote: string;
  evidence: 'docs' | 'code' | 'inferred';
  /**
   * Where pxc-tls departs from the fact on purpose: every value the path finds (in order), and why.
   * The facts file must still say the fact; the rendered value must be this one.
   */
  departure?: { rendered: unknown[]; why: string };
}

const certificate = (alias: string) => `$[?(@.kind==='Certificate' && @.metadata.name==='<name>-${alias}-cert')]`;
const statefulSet = "$[?(@.kind==='StatefulSet' && @.metadata.name==='<name>')]";
const pod = `${statefulSet}.spec.template.spec`;
const container = (name: string) => `${pod}.containers[?(@.name==='${name}')]`;
const service = (name: string) => `$[?(@.kind==='Service' && @.metadata.name==='${name}')]`;

/**
 * The database container's args as rendered for docs-tls-cluster: KubeDB's TLS flags, but the leaf
 * and the CA mysqld and Galera load are the agent's verified copies (SERVED_TLS_MOUNT, TRUST_MOUNT
 * in src/model/project.ts), never the mounted server Secret; --ssl-capath stays KubeDB's.
 */
const SERVED_COPIES_ARGS = [['/scripts/run.sh', [
  '--ssl-capath=/etc/mysql/certs/server',
  '--ssl-ca=/etc/mysql/certs/pxc-tls-trust/ca.crt',
  '--ssl-cert=/etc/mysql/certs/pxc-tls-server/tls.crt',
  '--ssl-key=/etc/mysql/certs/pxc-tls-server/tls.key',
  '--wsrep-provider-options=socket.ssl_key=/etc/mysql/certs/pxc-tls-server/tls.key;socket.ssl_cert=/etc/mysql/certs/pxc-tls-server/tls.crt;socket.ssl_ca=/etc/mysql/certs/pxc-tls-trust/ca.crt',
  '--require-secure-transport=ON',
].join(' ')]];

export const KUBEDB_FACTS: readonly FactRow[] = [
  // Certificates: names, the server certificate's spec as the docs describe it, labels.
  {
    fact: 'one Certificate per alias, named <db>-<alias>-cert',
    example: 'docs-tls-cluster',
    path: "$[?(@.kind==='Certificate')].metadata.name",
    match: 'all',
    expected: ['sample-pxc-server-cert', 'sample-pxc-client-cert', 'sample-pxc-metrics-exporter-cert'],
    line: 136,
    quote: 'So the name is `<db-name>-<alias>-cert`',
    evidence: 'code',
  },
  {
    fact: 'each certificate Secret shares its Certificate\'s name',
    example: 'docs-tls-cluster',
    path: "$[?(@.kind==='Certificate')].spec.secretName",
    match: 'all',
    expected: ['sample-pxc-server-cert', 'sample-pxc-client-cert', 'sample-pxc-metrics-exporter-cert'],
    line: 136,
    quote: 'The docs show the Certificate and the Secret sharing that name',
    evidence: 'docs',
  },
  {
    fact: 'a Secret of each certificate\'s name is rendered (the placeholder cert-manager fills)',
    example: 'docs-tls-cluster',
    path: "$[?(@.kind==='Secret')].metadata.name",
    match: 'all',
    expected: ['sample-pxc-server-cert', 'sample-pxc-client-cert', 'sample-pxc-metrics-exporter-cert'],
    line: 136,
    quote: 'the default certificate name and/or certificate secret name',
    evidence: 'code',
  },
  {
    fact: 'the server certificate\'s common name is <db>.<ns>.svc',
    example: 'docs-tls-cluster',
    path: `${certificate('server')}.spec.commonName`,
    expected: 'sample-pxc.demo.svc',
    line: 162,
    quote: 'commonName: sample-pxc.demo.svc',
    evidence: 'docs',
  },
  {
    fact: 'the server certificate\'s DNS names: the defaults merged with the user\'s localhost, sorted',
    example: 'docs-tls-cluster',
    path: `${certificate('server')}.spec.dnsNames`,
    expected: ['*.sample-pxc-pods.demo.svc', '*.sample-pxc-pods.demo.svc.cluster.local', '*.sample-pxc.demo.svc', 'localhost', 'sample-pxc', 'sample-pxc.demo.svc'],
    line: [163, 169],
    quote: 'dnsNames (as listed, sorted):',
    evidence: 'docs',
  },
  {
    fact: 'the server certificate covers 127.0.0.1',
    example: 'docs-tls-cluster',
    path: `${certificate('server')}.spec.ipAddresses`,
    expected: ['127.0.0.1'],
    line: 170,
    quote: 'ipAddresses: [127.0.0.1]',
    evidence: 'docs',
  },
  {
    fact: 'the server certificate is issued by spec.tls.issuerRef, group cert-manager.io',
    example: 'docs-tls-cluster',
    path: `${certificate('server')}.spec.issuerRef`,
    expected: { group: 'cert-manager.io', kind: 'Issuer', name: 'px-issuer' },
    line: 171,
    quote: 'issuerRef: {group: cert-manager.io, kind: Issuer, name: px-issuer}',
    evidence: 'docs',
  },
  {
    fact: 'the user\'s subject is taken as given',
    example: 'docs-tls-cluster',
    path: `${certificate('server')}.spec.subject`,
    expected: { organizations: ['kubedb:server'] },
    line: 173,
    quote: 'subject: {organizations: [kubedb:server]}',
    evidence: 'docs',
  },
  {
    fact: 'the server certificate\'s usages',
    example: 'docs-tls-cluster',
    path: `${certificate('server')}.spec.usages`,
    expected: ['digital signature', 'key encipherment', 'server auth', 'client auth'],
    line: 174,
    quote: 'usages: [digital signature, key encipherment, server auth, client auth]',
    evidence: 'docs',
  },
  {
    fact: 'the Certificates carry KubeDB\'s four labels',
    example: 'docs-tls-cluster',
    path: `${certificate('server')}.metadata.labels`,
    expected: {
      'app.kubernetes.io/component': 'database',
      'app.kubernetes.io/instance': 'sample-pxc',
      'app.kubernetes.io/managed-by': 'kubedb.com',
      'app.kubernetes.io/name': 'perconaxtradbs.kubedb.com',
    },
    line: [158, 159],
    quote: 'Labels: app.kubernetes.io/component=database',
    evidence: 'docs',
  },
  {
    fact: 'duration is left unset unless the user gives it (cert-manager\'s default, 90 days)',
    example: 'docs-tls-cluster',
    path: "$[?(@.kind==='Certificate')].spec.duration",
    match: 'all',
    expected: [],
    line: 192,
    quote: 'So KubeDB leaves `duration` and `renewBefore` unset unless the user gives them.',
    evidence: 'inferred',
  },
  {
    fact: 'renewBefore is left unset unless the user gives it',
    example: 'docs-tls-cluster',
    path: "$[?(@.kind==='Certificate')].spec.renewBefore",
    match: 'all',
    expected: [],
    line: 192,
    quote: 'So KubeDB leaves `duration` and `renewBefore` unset unless the user gives them.',
    evidence: 'inferred',
  },
  {
    fact: 'the client certificate stands for the MySQL user root',
    example: 'docs-tls-cluster',
    path: `${certificate('client')}.spec.commonName`,
    expected: 'root',
    line: 196,
    quote: 'PXC and MariaDB client certificates probably also use CN `root`',
    evidence: 'inferred',
  },

  // The workload.
  {
    fact: 'the workload is named like the database',
    example: 'docs-tls-cluster',
    path: "$[?(@.kind==='StatefulSet')].metadata.name",
    match: 'all',
    expected: ['<name>'],
    line: 228,
    quote: 'Workload name is `<name>`.',
    evidence: 'code',
  },
  {
    fact: 'its serviceName is <db>-pods',
    example: 'docs-tls-cluster',
    path: `${statefulSet}.spec.serviceName`,
    expected: '<name>-pods',
    line: 228,
    quote: '`serviceName` is `<name>-pods`',
    evidence: 'code',
  },
  {
    fact: 'the pods run as the ServiceAccount named like the database',
    example: 'docs-tls-cluster',
    path: `${pod}.serviceAccountName`,
    expected: '<name>',
    line: 228,
    quote: 'ServiceAccount defaults to `<name>`',
    evidence: 'code',
  },
  {
    fact: 'Galera nodes start together: podManagementPolicy Parallel',
    example: 'docs-tls-cluster',
    path: `${statefulSet}.spec.podManagementPolicy`,
    expected: 'Parallel',
    line: 230,
    quote: '`podManagementPolicy: Parallel`',
    evidence: 'code',
  },
  {
    fact: 'a template change never rolls the cluster: updateStrategy OnDelete',
    example: 'docs-tls-cluster',
    path: `${statefulSet}.spec.updateStrategy.type`,
    expected: 'OnDelete',
    line: 231,
    quote: '`updateStrategy: OnDelete`',
    evidence: 'code',
    departure: { rendered: ['RollingUpdate'], why: 'with no operator to restart pods, changes in Git reach them through a rolling update that waits for each member to be Synced (the agent\'s readiness)' },
  },
  {
    fact: 'the pods are selected by OffshootSelectors',
    example: 'docs-tls-cluster',
    path: `${statefulSet}.spec.selector.matchLabels`,
    expected: { 'app.kubernetes.io/name': 'perconaxtradbs.kubedb.com', 'app.kubernetes.io/instance': '<name>', 'app.kubernetes.io/managed-by': 'kubedb.com' },
    line: 218,
    quote: 'selector: `app.kubernetes.io/name: perconaxtradbs.kubedb.com`',
    evidence: 'code',
  },
  {
    fact: 'the pods carry OffshootLabels: the selectors and component database',
    example: 'docs-tls-cluster',
    path: `${statefulSet}.spec.template.metadata.labels['app.kubernetes.io/component']`,
    expected: 'database',
    line: 219,
    quote: 'OffshootLabels add `app.kubernetes.io/component: database`',
    evidence: 'code',
  },
  {
    fact: 'the containers are perconaxtradb and px-coordinator',
    example: 'docs-tls-cluster',
    path: `${pod}.containers[*].name`,
    match: 'all',
    expected: ['perconaxtradb', 'px-coordinator'],
    line: 227,
    quote: 'Defaulted container "perconaxtradb" out of: perconaxtradb, px-coordinator, px-init (init)',
    evidence: 'docs',
    departure: { rendered: ['perconaxtradb', 'pxc-tls-agent'], why: 'pxc-tls\'s agent takes the place of KubeDB\'s closed, licensed coordinator, which reads a PerconaXtraDB standalone mode never applies' },
  },
  {
    fact: 'the init container is px-init',
    example: 'docs-tls-cluster',
    path: `${pod}.initContainers[*].name`,
    match: 'all',
    expected: ['px-init'],
    line: 227,
    quote: 'px-init (init)',
    evidence: 'docs',
  },
  {
    fact: 'the images are the catalog\'s for 8.4.3',
    example: 'docs-tls-cluster',
    path: `${pod}[initContainers,containers][*].image`,
    match: 'all',
    expected: ['ghcr.io/kubedb/percona-xtradb-init:0.2.3', 'ghcr.io/appscode-images/percona-xtradb-cluster:8.4.3', 'ghcr.io/kubedb/percona-xtradb-coordinator:v0.40.0-rc.0'],
    line: [107, 109],
    quote: '`db.image: ghcr.io/appscode-images/percona-xtradb-cluster:8.4.3`',
    evidence: 'code',
    departure: { rendered: ['ghcr.io/kubedb/percona-xtradb-init:0.2.3', 'ghcr.io/appscode-images/percona-xtradb-cluster:8.4.3', 'registry.example.com/platform/pxc-tls:0.1.0'], why: 'the agent runs from the pxc-tls image the function config names (images.agent), not the coordinator\'s' },
  },
  {
    fact: 'the pods run as the catalog\'s user 1001',
    example: 'docs-tls-cluster',
    path: `${pod}.securityContext.runAsUser`,
    expected: 1001,
    line: 111,
    quote: '`securityContext.runAsUser: 1001`',
    evidence: 'code',
  },

  // Certificates in the pod: volumes and mounts.
  {
    fact: 'the server certificate Secret is a volume with items ca.crt, tls.crt, tls.key',
    example: 'docs-tls-cluster',
    path: `${pod}.volumes[?(@.name==='tls-server-config')].secret.items[*].key`,
    match: 'all',
    expected: ['ca.crt', 'tls.crt', 'tls.key'],
    line: 246,
    quote: '**`tls-server-config`**',
    evidence: 'code',
  },
  {
    fact: 'the server certificate is mounted at /etc/mysql/certs/server',
    example: 'docs-tls-cluster',
    path: `${container('perconaxtradb')}.volumeMounts[?(@.name==='tls-server-config')].mountPath`,
    expected: '/etc/mysql/certs/server',
    line: 246,
    quote: '**`/etc/mysql/certs/server`**',
    evidence: 'docs',
  },
  {
    fact: 'the client certificate is mounted at /etc/mysql/certs/client',
    example: 'docs-tls-cluster',
    path: `${container('perconaxtradb')}.volumeMounts[?(@.name==='tls-client-config')].mountPath`,
    expected: '/etc/mysql/certs/client',
    line: 247,
    quote: '**`/etc/mysql/certs/client`**',
    evidence: 'docs',
  },
  {
    fact: 'the data volume is mounted at /var/lib/mysql',
    example: 'docs-tls-cluster',
    path: `${container('perconaxtradb')}.volumeMounts[?(@.name==='data')].mountPath`,
    expected: '/var/lib/mysql',
    line: 241,
    quote: '| `data` | PVC template `data`',
    evidence: 'code',
  },
  {
    fact: 'the data volume is a claim template named data',
    example: 'docs-tls-cluster',
    path: `${statefulSet}.spec.volumeClaimTemplates[*].metadata.name`,
    match: 'all',
    expected: ['data'],
    line: 241,
    quote: 'PVC template `data` (or emptyDir if Ephemeral)',
    evidence: 'code',
  },
  {
    fact: 'the init scripts are shared at /scripts',
    example: 'docs-tls-cluster',
    path: `${container('perconaxtradb')}.volumeMounts[?(@.name==='init-scripts')].mountPath`,
    expected: '/scripts',
    line: 242,
    quote: '| `init-scripts` | emptyDir | `/scripts` |',
    evidence: 'code',
  },
  {
    fact: 'the run script folder is /run-script',
    example: 'docs-tls-cluster',
    path: `${container('perconaxtradb')}.volumeMounts[?(@.name==='run-script')].mountPath`,
    expected: '/run-script',
    line: 243,
    quote: '| `run-script` | emptyDir | `/run-script` |',
    evidence: 'code',
  },
  {
    fact: 'the exporter mounts the metrics-exporter certificate at /etc/mysql/certs/metrics-exporter',
    example: 'monitored',
    path: `${container('exporter')}.volumeMounts[?(@.name==='tls-metrics-exporter-config')].mountPath`,
    expected: '/etc/mysql/certs/metrics-exporter',
    line: 248,
    quote: '**`tls-metrics-exporter-config`**',
    evidence: 'inferred',
  },
  {
    fact: 'the exporter\'s config is mounted at /etc/mysql/config/exporter',
    example: 'monitored',
    path: `${container('exporter')}.volumeMounts[?(@.name==='metrics-exporter-config')].mountPath`,
    expected: '/etc/mysql/config/exporter',
    line: 249,
    quote: '**`metrics-exporter-config`**',
    evidence: 'code',
  },

  // mysqld and Galera on the server certificate.
  {
    fact: 'mysqld gets the server certificate\'s files',
    example: 'docs-tls-cluster',
    path: `${container('perconaxtradb')}.args`,
    match: 'includes',
    expected: ['--ssl-capath=/etc/mysql/certs/server', '--ssl-ca=/etc/mysql/certs/server/ca.crt', '--ssl-cert=/etc/mysql/certs/server/tls.crt', '--ssl-key=/etc/mysql/certs/server/tls.key'],
    line: [266, 270],
    quote: '--ssl-capath=/etc/mysql/certs/server',
    evidence: 'code',
    departure: { rendered: SERVED_COPIES_ARGS, why: '--ssl-ca, --ssl-cert and --ssl-key name the copies the agent writes only after verifying the mounted Secret (the trust bundle /etc/mysql/certs/pxc-tls-trust/ca.crt, the leaf /etc/mysql/certs/pxc-tls-server/tls.{crt,key}), so no unverified renewal is loaded by a reload, a crash or a restart, and trust can change apart from the leaf for a CA change in stages; the Secret stays mounted at /etc/mysql/certs/server (the agent and SST read it)' },
  },
  {
    fact: 'Galera\'s replication socket uses the server certificate',
    example: 'docs-tls-cluster',
    path: `${container('perconaxtradb')}.args`,
    match: 'flag',
    expected: ['--wsrep-provider-options', 'socket.ssl_key=/etc/mysql/certs/server/tls.key;socket.ssl_cert=/etc/mysql/certs/server/tls.crt;socket.ssl_ca=/etc/mysql/certs/server/ca.crt'],
    line: 272,
    quote: '--wsrep-provider-options  socket.ssl_key=',
    evidence: 'code',
    departure: { rendered: SERVED_COPIES_ARGS, why: 'socket.ssl_key and socket.ssl_cert name the leaf the agent verified and copied, socket.ssl_ca its trust bundle: socket.ssl_ca cannot change at runtime, so during a CA change the bundle file holds the old and the new CA, and a member never loads an unverified renewal' },
  },
  {
    fact: 'requireSSL turns on require_secure_transport',
    example: 'docs-tls-cluster',
    path: `${container('perconaxtradb')}.args`,
    match: 'includes',
    expected: ['--require-secure-transport=ON'],
    line: 274,
    quote: '--require-secure-transport=ON',
    evidence: 'docs',
  },
  {
    fact: 'SSL_ENABLED makes the init image encrypt SST with the server certificate',
    example: 'docs-tls-cluster',
    path: `${container('perconaxtradb')}.env[?(@.name==='SSL_ENABLED')].value`,
    expected: 'TRUE',
    line: 290,
    quote: '`SSL_ENABLED=TRUE`',
    evidence: 'code',
  },
  {
    fact: 'REQUIRE_SSL is set with requireSSL',
    example: 'docs-tls-cluster',
    path: `${container('perconaxtradb')}.env[?(@.name==='REQUIRE_SSL')].value`,
    expected: 'TRUE',
    line: 290,
    quote: '`REQUIRE_SSL=TRUE`',
    evidence: 'code',
    departure: { rendered: [], why: 'no PXC script reads REQUIRE_SSL (kubedb-startup.md §6; MariaDB sets it on the coordinator): require_secure_transport comes from the mysqld options' },
  },
  {
    fact: 'CLUSTER_NAME is the database\'s name',
    example: 'docs-tls-cluster',
    path: `${container('perconaxtradb')}.env[?(@.name==='CLUSTER_NAME')].value`,
    expected: '<name>',
    line: 289,
    quote: '`CLUSTER_NAME=<name>`',
    evidence: 'code',
  },
  {
    fact: 'the root user comes from the auth Secret\'s username and password keys',
    example: 'docs-tls-cluster',
    path: `${container('perconaxtradb')}.env[?(@.name==='MYSQL_ROOT_USERNAME' || @.name==='MYSQL_ROOT_PASSWORD')].valueFrom.secretKeyRef.key`,
    match: 'all',
    expected: ['username', 'password'],
    line: 288,
    quote: 'come from the auth secret keys `username`/`password`',
    evidence: 'code',
  },
  {
    fact: 'the auth Secret defaults to <db>-auth',
    example: 'docs-tls-cluster',
    path: `${container('perconaxtradb')}.env[?(@.name==='MYSQL_ROOT_PASSWORD')].valueFrom.secretKeyRef.name`,
    expected: '<name>-auth',
    line: 48,
    quote: 'The default name is `<name>-auth`.',
    evidence: 'code',
  },

  // The exporter.
  {
    fact: 'the exporter container is named exporter',
    example: 'monitored',
    path: `${pod}.containers[?(@.name==='exporter')].name`,
    expected: 'exporter',
    line: 226,
    quote: 'exporter sidecar `exporter`',
    evidence: 'code',
  },
  {
    fact: 'the exporter listens on its port, serves /metrics and reads exporter.cnf',
    example: 'monitored',
    path: `${container('exporter')}.args`,
    match: 'includes',
    expected: ['--web.listen-address=:<port>', '--web.telemetry-path=/metrics', '--config.my-cnf=/etc/mysql/config/exporter/exporter.cnf'],
    line: 299,
    quote: 'With TLS: `/bin/mysqld_exporter --web.listen-address=:<port>',
    evidence: 'code',
  },
  {
    fact: 'the exporter\'s port is named metrics, 56790 by default',
    example: 'monitored',
    path: `${container('exporter')}.ports[*][name,containerPort]`,
    match: 'all',
    expected: ['metrics', 56790],
    line: 301,
    quote: 'Port name `metrics`, default 56790',
    evidence: 'code',
  },
  {
    fact: 'the exporter\'s config is <db>-metrics-exporter-config, key exporter.cnf',
    example: 'monitored',
    path: "$[?(@.kind==='ConfigMap' && @.metadata.name==='<name>-metrics-exporter-config')].data.*~",
    match: 'all',
    expected: ['exporter.cnf'],
    line: 211,
    quote: 'The exporter config secret `<name>-metrics-exporter-config` is `Opaque` with 1 key, `exporter.cnf`.',
    evidence: 'docs',
  },

  // Services.
  {
    fact: 'the primary Service <db>: port primary 3306 to the container port db',
    example: 'docs-tls-cluster',
    path: `${service('<name>')}.spec.ports`,
    expected: [{ name: 'primary', port: 3306, targetPort: 'db' }],
    line: 309,
    quote: '**Primary** `<name>`: ClusterIP',
    evidence: 'code',
  },
  {
    fact: 'the primary Service is a ClusterIP selecting OffshootSelectors',
    example: 'docs-tls-cluster',
    path: `${service('<name>')}.spec.type`,
    expected: 'ClusterIP',
    line: 309,
    quote: 'ClusterIP, selector = OffshootSelectors',
    evidence: 'code',
  },
  {
    fact: 'the governing Service <db>-pods is headless',
    example: 'docs-tls-cluster',
    path: `${service('<name>-pods')}.spec.clusterIP`,
    expected: 'None',
    line: 310,
    quote: '**Governing** `<name>-pods`: `clusterIP: None`',
    evidence: 'code',
  },
  {
    fact: 'the governing Service publishes not-ready pods (peers find each other while joining)',
    example: 'docs-tls-cluster',
    path: `${service('<name>-pods')}.spec.publishNotReadyAddresses`,
    expected: true,
    line: 310,
    quote: '`publishNotReadyAddresses: true`',
    evidence: 'code',
  },
  {
    fact: 'the governing Service\'s port is db 3306',
    example: 'docs-tls-cluster',
    path: `${service('<name>-pods')}.spec.ports`,
    expected: [{ name: 'db', port: 3306, targetPort: 'db' }],
    line: 310,
    quote: 'port `{name: db, port: 3306, targetPort: db}`',
    evidence: 'code',
  },
  {
    fact: 'no stats Service without monitoring',
    example: 'docs-tls-cluster',
    path: "$[?(@.kind==='Service')].metadata.name",
    match: 'all',
    expected: ['<name>', '<name>-pods'],
    line: [309, 311],
    quote: '**Stats** `<name>-stats`: only when monitor agent is Prometheus.',
    evidence: 'code',
  },
  {
    fact: 'the stats Service <db>-stats: port metrics 56790',
    example: 'monitored',
    path: `${service('<name>-stats')}.spec.ports`,
    expected: [{ name: 'metrics', port: 56790, targetPort: 'metrics' }],
    line: 311,
    quote: 'Port `{name: metrics, port: 56790, targetPort: metrics}`',
    evidence: 'code',
  },
  {
    fact: 'the stats Service is labelled kubedb.com/role: stats',
    example: 'monitored',
    path: `${service('<name>-stats')}.metadata.labels['kubedb.com/role']`,
    expected: 'stats',
    line: 311,
    quote: 'label `kubedb.com/role: stats`',
    evidence: 'code',
  },
  {
    fact: 'the builtin Prometheus agent puts scrape annotations on the stats Service',
    example: 'monitored',
    path: `${service('<name>-stats')}.metadata.annotations[?(@property==='prometheus.io/path' || @property==='prometheus.io/port' || @property==='prometheus.io/scrape')]`,
    match: 'all',
    expected: ['/metrics', '56790', 'true'],
    line: 311,
    quote: 'Builtin agent adds annotations `prometheus.io/path: /metrics`',
    evidence: 'docs',
  },
];

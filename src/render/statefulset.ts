/**
 * The database workload: an apps/v1 StatefulSet shaped like KubeDB's PetSet (KubeDB ≥ 2024 creates
 * a PetSet; the 2021 operators an apps/v1 StatefulSet with the same pod template), wired for TLS:
 * the three certificate Secrets mounted under /etc/mysql/certs/<alias>, mysqld and Galera on the
 * server certificate, the exporter on the metrics-exporter certificate, and a scheduling gate so
 * no pod starts before the watcher has verified the issued material.
 */
import { KubeObject, isPlainObject } from '../krm/types';
import {
  CERT_FILES,
  CERT_MOUNT_ROOT,
  CertAlias,
  CONTAINER,
  DB_PORT,
  DB_PORT_NAME,
  EXPORTER_CONFIG_KEY,
  EXPORTER_PORT_NAME,
  GALERA_PORTS,
  MOUNT,
  TLS_VOLUME,
  VOLUME,
} from '../model/kubedb';
import { renderedMeta } from './meta';
import { DatabaseModel } from './resolve';
import { exporterConfigName, governingServiceName } from '../model/names';
import { SCHEDULING_GATE, SERVER_CA_VOLUME, WORKLOAD_SYNC_WAVE } from '../model/project';
import { exporterNeedsServerCA, mysqldClientTrust } from './trust';
import { serviceAccountNameOf } from './rbac';
import { withDefaultResources } from './resources';

type Container = Record<string, unknown> & { name: string };
type EnvVar = Record<string, unknown> & { name: string };

/** AM CertFilePath(alias, file) = CertMountPath(alias)/file. */
export function certFilePath(alias: CertAlias, file: (typeof CERT_FILES)[number]): string {
  return `${certMountPath(alias)}/${file}`;
}

export function certMountPath(alias: CertAlias): string {
  return `${CERT_MOUNT_ROOT}/${alias}`;
}

/**
 * mysqld options KubeDB passes for TLS (MD2021 getTLSArgsForMariaDBContainer; effective values
 * confirmed by `SHOW VARIABLES LIKE '%ssl%'` in the PXC TLS guide), all on the server certificate.
 * Galera's replication socket uses the same files (cluster mode).
 */
export function mysqldTLSArgs(requireSSL: boolean, clientTrust: CertAlias = 'server'): string[] {
  const ca = certFilePath('server', 'ca.crt');
  const cert = certFilePath('server', 'tls.crt');
  const key = certFilePath('server', 'tls.key');
  // ssl-ca verifies client certificates: the client issuer's CA when the server has its own issuer (trust.ts).
  const args = [
    `--ssl-capath=${certMountPath(clientTrust)}`,
    `--ssl-ca=${certFilePath(clientTrust, 'ca.crt')}`,
    `--ssl-cert=${cert}`,
    `--ssl-key=${key}`,
    `--wsrep-provider-options=socket.ssl_key=${key};socket.ssl_cert=${cert};socket.ssl_ca=${ca}`,
  ];
  if (requireSSL) args.push('--require-secure-transport=ON');
  return args;
}

function secretEnv(name: string, secret: string, key: string): EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

/** Env of the database and coordinator containers (MD2021/PX2021 env; PXINIT entrypoint.sh reads these). */
function databaseEnv(model: DatabaseModel): EnvVar[] {
  const env: EnvVar[] = [
    secretEnv('MYSQL_ROOT_USERNAME', model.authSecretName, 'username'),
    secretEnv('MYSQL_ROOT_PASSWORD', model.authSecretName, 'password'),
    secretEnv('MONITOR_USERNAME', model.monitorSecretName, 'username'),
    secretEnv('MONITOR_PASSWORD', model.monitorSecretName, 'password'),
    secretEnv('REPLICATION_USERNAME', model.replicationSecretName, 'username'),
    secretEnv('REPLICATION_PASSWORD', model.replicationSecretName, 'password'),
    { name: 'CLUSTER_NAME', value: model.name },
    { name: 'DB_NAME', value: model.name },
    { name: 'GOVERNING_SERVICE_NAME', value: governingServiceName(model.name) },
    { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    // PXINIT entrypoint.sh: a non-empty SSL_ENABLED makes SST use encrypt=4 with the server certificate.
    { name: 'SSL_ENABLED', value: 'TRUE' },
    { name: 'SERVER_SECRET_NAME', value: model.certificates.server.secretName },
  ];
  if (model.requireSSL) env.push({ name: 'REQUIRE_SSL', value: 'TRUE' });
  return env;
}

function tlsMount(alias: CertAlias): Record<string, unknown> {
  return { name: TLS_VOLUME[alias], mountPath: certMountPath(alias), readOnly: true };
}

function tlsVolume(model: DatabaseModel, alias: CertAlias): Record<string, unknown> {
  return {
    name: TLS_VOLUME[alias],
    // Listing the items makes kubelet refuse to start a pod whose Secret lacks one of them.
    // 0440: the key is readable by the pod's fsGroup (the database user), not by every process.
    secret: { secretName: model.certificates[alias].secretName, items: CERT_FILES.map((file) => ({ key: file, path: file })), defaultMode: 0o440 },
  };
}

function containerSecurityContext(model: DatabaseModel): Record<string, unknown> {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    runAsNonRoot: true,
    runAsUser: model.images.runAsUser,
    runAsGroup: model.images.runAsUser,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

function databaseContainer(model: DatabaseModel): Container {
  const mounts = [
    { name: VOLUME.data, mountPath: MOUNT.data },
    { name: VOLUME.initScripts, mountPath: MOUNT.initScripts },
    { name: VOLUME.runScript, mountPath: MOUNT.runScript },
    tlsMount('server'),
    tlsMount('client'),
  ];
  if (model.source.spec?.configSecret?.name) mounts.push({ name: VOLUME.customConfig, mountPath: MOUNT.customConfig });
  if (model.source.spec?.init?.script) mounts.push({ name: VOLUME.initialScript, mountPath: MOUNT.initialScript });
  return {
    name: CONTAINER.db,
    image: model.images.db,
    args: mysqldTLSArgs(model.requireSSL, mysqldClientTrust(model)),
    env: databaseEnv(model),
    ports: [{ name: DB_PORT_NAME, containerPort: DB_PORT, protocol: 'TCP' }, ...GALERA_PORTS.map((p) => ({ ...p, protocol: 'TCP' }))],
    volumeMounts: mounts,
    securityContext: containerSecurityContext(model),
  };
}

function coordinatorContainer(model: DatabaseModel): Container {
  const container: Container = {
    name: CONTAINER.coordinator,
    image: model.images.coordinator,
    env: databaseEnv(model),
    volumeMounts: [
      { name: VOLUME.data, mountPath: MOUNT.data },
      { name: VOLUME.initScripts, mountPath: MOUNT.initScripts },
      { name: VOLUME.runScript, mountPath: MOUNT.runScript },
    ],
    securityContext: containerSecurityContext(model),
  };
  const coordinator = model.source.spec?.coordinator; // v1alpha2 only
  if (coordinator?.resources) container.resources = coordinator.resources;
  if (isPlainObject(coordinator?.securityContext)) container.securityContext = { ...containerSecurityContext(model), ...coordinator.securityContext };
  return container;
}

/**
 * mysqld_exporter over TLS with the metrics-exporter certificate: connection settings in a
 * rendered my.cnf without credentials; user and password from the auth Secret through the
 * environment (mysqld_exporter reads MYSQLD_EXPORTER_PASSWORD and --mysqld.username).
 */
function exporterContainer(model: DatabaseModel): Container {
  const exporter = model.source.spec?.monitor?.prometheus?.exporter;
  const container: Container = {
    name: CONTAINER.exporter,
    image: model.images.exporter,
    args: [
      `--web.listen-address=:${model.exporterPort}`,
      '--web.telemetry-path=/metrics',
      `--config.my-cnf=${MOUNT.exporterConfig}/${EXPORTER_CONFIG_KEY}`,
      '--mysqld.username=$(MYSQL_ROOT_USERNAME)',
      ...(exporter?.args ?? []),
    ],
    env: mergeByKey(
      [secretEnv('MYSQL_ROOT_USERNAME', model.authSecretName, 'username'), secretEnv('MYSQLD_EXPORTER_PASSWORD', model.authSecretName, 'password')],
      (exporter?.env ?? []) as EnvVar[],
      'name',
    ),
    ports: [{ name: EXPORTER_PORT_NAME, containerPort: model.exporterPort, protocol: 'TCP' }],
    volumeMounts: [
      tlsMount('metrics-exporter'),
      { name: VOLUME.exporterConfig, mountPath: MOUNT.exporterConfig, readOnly: true },
      ...(exporterNeedsServerCA(model) ? [{ name: SERVER_CA_VOLUME, mountPath: certMountPath('server'), readOnly: true }] : []),
    ],
    securityContext: isPlainObject(exporter?.securityContext) ? { ...containerSecurityContext(model), ...exporter.securityContext } : containerSecurityContext(model),
  };
  if (exporter?.resources) container.resources = exporter.resources;
  return container;
}

function initContainer(model: DatabaseModel): Container {
  return {
    name: CONTAINER.init,
    image: model.images.init,
    volumeMounts: [{ name: VOLUME.initScripts, mountPath: MOUNT.initScripts }],
    securityContext: containerSecurityContext(model),
  };
}

function volumes(model: DatabaseModel): Record<string, unknown>[] {
  const spec = model.source.spec ?? {};
  const list: Record<string, unknown>[] = [];
  if (!model.durable) list.push({ name: VOLUME.data, emptyDir: {} });
  list.push({ name: VOLUME.initScripts, emptyDir: {} }, { name: VOLUME.runScript, emptyDir: {} });
  list.push(tlsVolume(model, 'server'), tlsVolume(model, 'client'));
  if (model.monitored) {
    list.push(tlsVolume(model, 'metrics-exporter'), { name: VOLUME.exporterConfig, configMap: { name: exporterConfigName(model.name) } });
    if (exporterNeedsServerCA(model)) list.push({ name: SERVER_CA_VOLUME, secret: { secretName: model.certificates.server.secretName, items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o440 } });
  }
  if (spec.configSecret?.name) list.push({ name: VOLUME.customConfig, secret: { secretName: spec.configSecret.name } });
  if (spec.init?.script) {
    const { scriptPath: _path, ...source } = spec.init.script as Record<string, unknown>;
    list.push({ name: VOLUME.initialScript, ...source });
  }
  return list;
}

/** Merges lists of maps by a key: entries of `extra` replace same-keyed ones in place, others are appended. */
function mergeByKey<T extends Record<string, unknown>>(base: readonly T[], extra: readonly T[], key: string): T[] {
  const out = [...base];
  for (const entry of extra) {
    const at = out.findIndex((existing) => existing[key] === entry[key]);
    if (at >= 0) out[at] = entry;
    else out.push(entry);
  }
  return out;
}

/**
 * A user container of the same name as one of ours refines it: env, volume mounts and ports merge
 * by key, args are appended, securityContext merges, any other field replaces ours.
 */
function refineContainer(ours: Container, theirs: Record<string, unknown>): Container {
  const out: Container = { ...ours };
  for (const [field, value] of Object.entries(theirs)) {
    if (value === undefined || value === null || field === 'name') continue;
    if (field === 'env') out.env = mergeByKey((ours.env ?? []) as EnvVar[], value as EnvVar[], 'name');
    else if (field === 'volumeMounts') out.volumeMounts = mergeByKey((ours.volumeMounts ?? []) as Record<string, unknown>[], value as Record<string, unknown>[], 'mountPath');
    else if (field === 'ports') out.ports = mergeByKey((ours.ports ?? []) as Record<string, unknown>[], value as Record<string, unknown>[], 'containerPort');
    else if (field === 'args') out.args = [...((ours.args as string[]) ?? []), ...(value as string[])];
    else if (field === 'securityContext' && isPlainObject(value)) out.securityContext = { ...(ours.securityContext as object), ...value };
    else out[field] = value;
  }
  return out;
}

function mergeContainers(ours: Container[], theirs: unknown): Container[] {
  if (!Array.isArray(theirs)) return ours;
  const out = [...ours];
  for (const container of theirs as Container[]) {
    const at = out.findIndex((c) => c.name === container.name);
    if (at >= 0) out[at] = refineContainer(out[at]!, container);
    else out.push(container);
  }
  return out;
}

/** v1alpha2's pod template (offshoot-api v1) carries the database container's fields at spec level. */
const V1ALPHA2_CONTAINER_FIELDS: Record<string, string> = {
  args: 'args',
  env: 'env',
  resources: 'resources',
  lifecycle: 'lifecycle',
  livenessProbe: 'livenessProbe',
  readinessProbe: 'readinessProbe',
  containerSecurityContext: 'securityContext',
  volumeMounts: 'volumeMounts',
};

/** Pod template fields that are KubeDB's own and have no Pod equivalent. */
export const UNRENDERED_POD_FIELDS = ['podPlacementPolicy'];

function podSpec(model: DatabaseModel): Record<string, unknown> {
  const template = (model.source.spec?.podTemplate?.spec ?? {}) as Record<string, unknown>;
  const v1alpha2 = model.apiVersion === 'v1alpha2';
  let containers = [databaseContainer(model), coordinatorContainer(model)];
  if (model.monitored) containers.push(exporterContainer(model));
  if (v1alpha2) {
    const dbFields: Record<string, unknown> = {};
    for (const [from, to] of Object.entries(V1ALPHA2_CONTAINER_FIELDS)) if (template[from] !== undefined) dbFields[to] = template[from];
    containers[0] = refineContainer(containers[0]!, dbFields);
  }
  containers = mergeContainers(containers, template.containers);
  const podSecurityContext = { fsGroup: model.images.runAsUser, runAsUser: model.images.runAsUser, runAsGroup: model.images.runAsUser, runAsNonRoot: true, ...(isPlainObject(template.securityContext) ? template.securityContext : {}) };
  const spec: Record<string, unknown> = {};
  if (model.options.schedulingGate) spec.schedulingGates = [{ name: SCHEDULING_GATE }];
  spec.serviceAccountName = serviceAccountNameOf(model);
  spec.securityContext = podSecurityContext;
  // Any pod-level field the user set (nodeSelector, tolerations, affinity, priorityClassName, …) is taken as is.
  for (const [field, value] of Object.entries(template)) {
    if (value === undefined || value === null) continue;
    if (['containers', 'initContainers', 'volumes', 'securityContext', 'serviceAccountName', ...UNRENDERED_POD_FIELDS].includes(field)) continue;
    if (v1alpha2 && field in V1ALPHA2_CONTAINER_FIELDS) continue;
    spec[field] = value;
  }
  spec.initContainers = mergeContainers([initContainer(model)], template.initContainers).map((c) => withDefaultResources(model, c));
  spec.containers = containers.map((c) => withDefaultResources(model, c));
  spec.volumes = [...volumes(model), ...((Array.isArray(template.volumes) ? template.volumes : []) as Record<string, unknown>[])];
  return spec;
}

export function renderStatefulSet(model: DatabaseModel): KubeObject {
  const podTemplate = model.source.spec?.podTemplate;
  const spec: Record<string, unknown> = {
    replicas: model.halted ? 0 : model.replicas,
    serviceName: governingServiceName(model.name),
    // Galera nodes must start together to form a cluster (MD2021: Parallel); restarts are
    // explicit, one pod at a time (MD2021: OnDelete), so a template change never rolls the cluster.
    podManagementPolicy: 'Parallel',
    updateStrategy: { type: 'OnDelete' },
    selector: { matchLabels: model.selector },
    template: {
      metadata: {
        labels: { ...model.labels, ...podTemplate?.metadata?.labels },
        ...(podTemplate?.metadata?.annotations ? { annotations: podTemplate.metadata.annotations } : {}),
      },
      spec: podSpec(model),
    },
  };
  if (model.durable) {
    spec.volumeClaimTemplates = [{ metadata: { name: VOLUME.data }, spec: model.source.spec?.storage ?? {} }];
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: renderedMeta(model, model.name, {
      labels: { ...model.labels, ...podTemplate?.controller?.labels },
      annotations: { ...podTemplate?.controller?.annotations },
      syncWave: WORKLOAD_SYNC_WAVE,
    }),
    spec,
  };
}

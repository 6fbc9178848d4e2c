/**
 * The pod's containers as KubeDB runs them (MD2021/PX2021 statefulset.go), one builder per
 * container, wired for TLS: mysqld and Galera on the server certificate, the exporter on the
 * metrics-exporter certificate; with a dedicated server issuer, mysqld verifies clients with the
 * client CA and the exporter verifies mysqld with the server CA (trust.ts).
 */
import type { V1Container, V1EnvVar, V1SecurityContext } from '@kubernetes/client-node';
import { isPlainObject } from '../krm/types';
import { CertAlias, CONTAINER, DB_PORT, DB_PORT_NAME, EXPORTER_CONFIG_KEY, EXPORTER_PORT_NAME, GALERA_PORTS, MOUNT, VOLUME } from '../model/kubedb';
import { governingServiceName } from '../model/names';
import { SERVER_CA_VOLUME } from '../model/project';
import { DatabaseModel } from './resolve';
import { exporterNeedsServerCA, mysqldClientTrust } from './trust';
import { mergeByKey } from './user-template';
import { certFilePath, certMountPath, dataAndScriptMounts, tlsMount } from './volumes';

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

function secretEnv(name: string, secret: string, key: string): V1EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

/** Env of the database and coordinator containers (MD2021/PX2021 env; PXINIT entrypoint.sh reads these). */
function databaseEnv(model: DatabaseModel): V1EnvVar[] {
  const env: V1EnvVar[] = [
    secretEnv('MYSQL_ROOT_USERNAME', model.authSecretName, 'username'),
    secretEnv('MYSQL_ROOT_PASSWORD', model.authSecretName, 'password'),
    secretEnv('MONITOR_USERNAME', model.monitorSecretName, 'username'),
    secretEnv('MONITOR_PASSWORD', model.monitorSecretName, 'password'),
    secretEnv('REPLICATION_USERNAME', model.replicationSecretName, 'username'),
    secretEnv('REPLICATION_PASSWORD', model.replicationSecretName, 'password'),
    { name: 'CLUSTER_NAME', value: model.name },
    { name: 'DB_NAME', value: model.name },
    { name: 'GOVERNING_SERVICE_NAME', value: governingServiceName(model.name) },
    { name: 'NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
    { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    // PXINIT entrypoint.sh: a non-empty SSL_ENABLED makes SST use encrypt=4 with the server certificate.
    { name: 'SSL_ENABLED', value: 'TRUE' },
    { name: 'SERVER_SECRET_NAME', value: model.certificates.server.secretName },
  ];
  if (model.requireSSL) env.push({ name: 'REQUIRE_SSL', value: 'TRUE' });
  return env;
}

/** Every container runs as the image's database user, without privileges. */
export function containerSecurityContext(model: DatabaseModel): V1SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    runAsNonRoot: true,
    runAsUser: model.images.runAsUser,
    runAsGroup: model.images.runAsUser,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Ours, refined by the user's securityContext for that container when there is one. */
function securityContextWith(model: DatabaseModel, theirs: unknown): V1SecurityContext {
  return isPlainObject(theirs) ? { ...containerSecurityContext(model), ...(theirs as V1SecurityContext) } : containerSecurityContext(model);
}

export function databaseContainer(model: DatabaseModel): V1Container {
  const mounts = [...dataAndScriptMounts(), tlsMount('server'), tlsMount('client')];
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

export function coordinatorContainer(model: DatabaseModel): V1Container {
  const container: V1Container = {
    name: CONTAINER.coordinator,
    image: model.images.coordinator,
    env: databaseEnv(model),
    volumeMounts: dataAndScriptMounts(),
    securityContext: containerSecurityContext(model),
  };
  const coordinator = model.source.spec?.coordinator; // v1alpha2 only
  if (coordinator?.resources) container.resources = coordinator.resources;
  if (isPlainObject(coordinator?.securityContext)) container.securityContext = securityContextWith(model, coordinator.securityContext);
  return container;
}

/**
 * mysqld_exporter over TLS with the metrics-exporter certificate: connection settings in a
 * rendered my.cnf without credentials; user and password from the auth Secret through the
 * environment (mysqld_exporter reads MYSQLD_EXPORTER_PASSWORD and --mysqld.username).
 */
export function exporterContainer(model: DatabaseModel): V1Container {
  const exporter = model.source.spec?.monitor?.prometheus?.exporter;
  const container: V1Container = {
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
      exporter?.env ?? [],
      'name',
    ),
    ports: [{ name: EXPORTER_PORT_NAME, containerPort: model.exporterPort, protocol: 'TCP' }],
    volumeMounts: [
      tlsMount('metrics-exporter'),
      { name: VOLUME.exporterConfig, mountPath: MOUNT.exporterConfig, readOnly: true },
      // With a dedicated server issuer: the server's CA alone (no key) at the server certificate's path (trust.ts).
      ...(exporterNeedsServerCA(model) ? [{ name: SERVER_CA_VOLUME, mountPath: certMountPath('server'), readOnly: true }] : []),
    ],
    securityContext: securityContextWith(model, exporter?.securityContext),
  };
  if (exporter?.resources) container.resources = exporter.resources;
  return container;
}

export function initContainer(model: DatabaseModel): V1Container {
  return {
    name: CONTAINER.init,
    image: model.images.init,
    volumeMounts: [{ name: VOLUME.initScripts, mountPath: MOUNT.initScripts }],
    securityContext: containerSecurityContext(model),
  };
}

/**
 * The pod's containers on KubeDB's public start-up contract (kubedb-startup.md; MD2021/PX2021 and
 * MDOP-IDX statefulset.go), one builder per container, wired for TLS: mysqld and Galera on the
 * server certificate as the agent verified and copied it (the served leaf and the trust bundle,
 * volumes.ts), the exporter on the metrics-exporter certificate, and pxc-tls's agent in the place
 * of KubeDB's closed px-coordinator; with a dedicated server issuer, mysqld verifies clients with
 * the client CA (trust.ts).
 */
import type { V1Container, V1EnvVar, V1ResourceRequirements, V1SecurityContext } from '@kubernetes/client-node';
import { isPlainObject } from '../krm/types';
import {
  DEFAULT_CLUSTER_DOMAIN, CertAlias, CONTAINER, DB_COMMAND, DB_ENV, DB_PORT, DB_PORT_NAME, DB_RUN_SCRIPT, EXPORTER_CONFIG_KEY, EXPORTER_PORT_NAME, GALERA_PORTS, MOUNT, RESIZE_POLICY, VOLUME,
} from '../model/kubedb';
import { AGENT_CONTAINER, AGENT_PORT, AGENT_PORT_NAME, RESTART_MARKER } from '../model/project';
import { DatabaseModel } from './resolve';
import { mysqldClientTrust } from './trust';
import { mergeByKey } from './user-template';
import { certFilePath, certMountPath, dataAndScriptMounts, servedFilePath, servedTLSMount, tlsMount, trustBundlePath, trustMount } from './volumes';

/**
 * mysqld options for TLS: KubeDB's flags (MD2021 getTLSArgsForMariaDBContainer; effective values
 * confirmed by `SHOW VARIABLES LIKE '%ssl%'` in the PXC TLS guide), Galera's replication socket
 * with them (cluster mode). A departure from KubeDB's paths (docs/kubedb-fidelity.md): mysqld and
 * Galera load the leaf and the CA from the agent's copies, never from the mounted Secret, so
 * nothing unverified is ever loaded (a renewal the agent refused stays out of a restart or a crash
 * too) and trust can change apart from the leaf (a CA change in stages: the bundle holds both CAs).
 */
export function mysqldTLSArgs(requireSSL: boolean, clientTrust: CertAlias = 'server'): string[] {
  const cert = servedFilePath('tls.crt');
  const key = servedFilePath('tls.key');
  const ca = trustBundlePath();
  // ssl-ca verifies client certificates: the trust bundle (the server's CA) with one issuer for
  // all, the client Secret's CA when the server has an issuer of its own (trust.ts); ssl-capath
  // stays KubeDB's (a Secret's directory holds no hashed names: it finds nothing there).
  const clientCA = clientTrust === 'server' ? ca : certFilePath(clientTrust, 'ca.crt');
  const args = [
    `--ssl-capath=${certMountPath(clientTrust)}`,
    `--ssl-ca=${clientCA}`,
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

/**
 * The database container's env: what KubeDB's init image reads (PXINIT entrypoint.sh, startup §6):
 * the root, monitor and replication credentials from their Secrets, the cluster's name, and
 * SSL_ENABLED (non-empty: SST encrypted with the server certificate). MYSQL_ROOT_USERNAME as KubeDB
 * sets it (PX2021), though the scripts hard-code root.
 */
function databaseEnv(model: DatabaseModel): V1EnvVar[] {
  return [
    secretEnv(DB_ENV.rootUsername, model.authSecretName, 'username'),
    secretEnv(DB_ENV.rootPassword, model.authSecretName, 'password'),
    secretEnv(DB_ENV.monitorUsername, model.monitorSecretName, 'username'),
    secretEnv(DB_ENV.monitorPassword, model.monitorSecretName, 'password'),
    secretEnv(DB_ENV.replicationUsername, model.replicationSecretName, 'username'),
    secretEnv(DB_ENV.replicationPassword, model.replicationSecretName, 'password'),
    { name: DB_ENV.clusterName, value: model.name },
    { name: DB_ENV.sslEnabled, value: 'TRUE' },
  ];
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

/**
 * The pod's stop: mysqld leaves the Galera cluster cleanly on SIGTERM. Kubelet's SIGTERM goes to
 * tini, which signals the whole group: run.sh and on-start.sh (bash, no trap) die at once, tini
 * exits with them, and the kernel kills what is left of the container — mysqld mid-shutdown. So
 * the preStop hook signals mysqld alone, in its own container (same user: no privilege, no
 * credential, no shared process namespace), and waits for it to exit; run.sh's loop then waits
 * for a peer-list the agent (stopped by its own SIGTERM) never writes, until kubelet's SIGTERM.
 */
export const STOP_MYSQLD = [
  'pids=""',
  'for d in /proc/[0-9]*; do case "$(cat "$d/comm" 2>/dev/null)" in mysqld|mariadbd) pids="$pids ${d#/proc/}";; esac; done',
  'for p in $pids; do kill -TERM "$p" 2>/dev/null; done',
  'for p in $pids; do while kill -0 "$p" 2>/dev/null; do sleep 1; done; done',
].join('\n');

/**
 * A departure from KubeDB (which sets no probe on this container: mysqld exiting never restarts
 * it, and still does not). The probe looks at one file only, never at mysqld: it fails while the
 * agent's certificate restart marker exists (src/agent/restart.ts: the watcher's leader ordered
 * this member, and only it, to restart), so the kubelet restarts this container, its preStop hook
 * stopping mysqld cleanly first; the new container's run.sh deletes `/run-script/*`, the marker
 * with it. Three failures 10 s apart: a probe that times out once (a busy node) restarts nothing.
 */
export const RESTART_PROBE = {
  exec: { command: ['/bin/sh', '-c', `test ! -e ${MOUNT.runScript}/${RESTART_MARKER}`] },
  initialDelaySeconds: 10,
  periodSeconds: 10,
  timeoutSeconds: 5,
  failureThreshold: 3,
} as const;

export function databaseContainer(model: DatabaseModel): V1Container {
  // The server Secret stays mounted where KubeDB's init image reads it (SST's [sst] ssl-* paths).
  const mounts = [...dataAndScriptMounts(), tlsMount('server'), tlsMount('client'), servedTLSMount('read'), trustMount('read')];
  if (model.source.spec?.configSecret?.name) mounts.push({ name: VOLUME.customConfig, mountPath: MOUNT.customConfig });
  if (model.source.spec?.init?.script) mounts.push({ name: VOLUME.initialScript, mountPath: MOUNT.initialScript });
  return {
    name: CONTAINER.db,
    image: model.images.db,
    command: [...DB_COMMAND],
    // The mysqld options; the user's are appended, and all become run.sh's one argument (finishDatabaseContainer).
    args: mysqldTLSArgs(model.requireSSL, mysqldClientTrust(model)),
    env: databaseEnv(model),
    ports: [{ name: DB_PORT_NAME, containerPort: DB_PORT, protocol: 'TCP' }, ...GALERA_PORTS.map((p) => ({ ...p, protocol: 'TCP' }))],
    volumeMounts: mounts,
    livenessProbe: { ...RESTART_PROBE, exec: { command: [...RESTART_PROBE.exec.command] } },
    lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', STOP_MYSQLD] } } },
    securityContext: containerSecurityContext(model),
  };
}

/**
 * MDOP-IDX getArgsForMariaDBContainer: `/scripts/run.sh` plus ONE argument, every mysqld option
 * (ours and the user's) joined by spaces — run.sh passes it on unquoted, so the shell splits it
 * into options again (an option containing a space would split too). Applied once the user's
 * template has refined the container.
 */
export function finishDatabaseContainer(container: V1Container): V1Container {
  const options = container.args ?? [];
  return {
    ...container,
    args: [DB_RUN_SCRIPT, ...(options.length ? [options.join(' ')] : [])],
    resizePolicy: RESIZE_POLICY.map((r) => ({ ...r })),
  };
}

/**
 * `pxc-tls agent` in the place of KubeDB's px-coordinator (its mounts: the data directory, read-only
 * here, and the two script folders; plus the server certificate Secret, which it verifies, and the
 * served leaf and trust bundle, which it writes once verified and serves its port with). Liveness tracks the agent itself; readiness is the member's: it holds the
 * whole state in a Primary component (Synced, or a donor: src/agent/readiness.ts) — what the
 * StatefulSet's rolling update waits for before the next member.
 */
export function agentContainer(model: DatabaseModel): V1Container {
  const coordinator = model.source.spec?.coordinator; // v1alpha2: the settings of the container ours replaces
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: AGENT_PORT_NAME, scheme: 'HTTPS' }, periodSeconds, timeoutSeconds: 3, failureThreshold,
  });
  return {
    name: AGENT_CONTAINER,
    image: model.options.images.agent ?? '',
    // The agent checks renewed server certificates for the pods' names under the cluster domain.
    args: ['agent', ...(model.options.clusterDomain !== DEFAULT_CLUSTER_DOMAIN ? [`--cluster-domain=${model.options.clusterDomain}`] : [])],
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
      { name: 'DB_NAME', value: model.name },
      // The monitor user reads the wsrep status: no root credential in this container.
      secretEnv(DB_ENV.monitorUsername, model.monitorSecretName, 'username'),
      secretEnv(DB_ENV.monitorPassword, model.monitorSecretName, 'password'),
      // V8 sized for a small resident process.
      { name: 'NODE_OPTIONS', value: '--max-semi-space-size=1 --max-old-space-size=48' },
    ],
    ports: [{ name: AGENT_PORT_NAME, containerPort: AGENT_PORT, protocol: 'TCP' }],
    volumeMounts: [
      { name: VOLUME.data, mountPath: MOUNT.data, readOnly: true },
      { name: VOLUME.initScripts, mountPath: MOUNT.initScripts },
      { name: VOLUME.runScript, mountPath: MOUNT.runScript },
      tlsMount('server'),
      servedTLSMount('write'),
      trustMount('write'),
    ],
    livenessProbe: probe('/healthz', 10, 6),
    readinessProbe: probe('/readyz', 5, 2),
    // The user's px-coordinator resources, else the agent's own (resources.ts).
    ...(coordinator?.resources ? { resources: coordinator.resources as V1ResourceRequirements } : {}),
    resizePolicy: RESIZE_POLICY.map((r) => ({ ...r })),
    securityContext: { ...securityContextWith(model, coordinator?.securityContext), readOnlyRootFilesystem: true },
  };
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
      // The trust bundle it verifies mysqld with (exporter-config.ts): certificates only, never the server's key.
      trustMount('read'),
    ],
    securityContext: securityContextWith(model, exporter?.securityContext),
  };
  if (exporter?.resources) container.resources = exporter.resources;
  return container;
}

/**
 * px-init (the catalog's init image; its ENTRYPOINT needs no command or args): removes the data
 * volume's lost+found and copies the scripts and tini into /scripts (PXINIT init-script/run.sh).
 */
export function initContainer(model: DatabaseModel): V1Container {
  return {
    name: CONTAINER.init,
    image: model.images.init,
    volumeMounts: [{ name: VOLUME.data, mountPath: MOUNT.data }, { name: VOLUME.initScripts, mountPath: MOUNT.initScripts }],
    securityContext: containerSecurityContext(model),
  };
}

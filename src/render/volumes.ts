/**
 * The pod's volumes and the mounts of the certificate Secrets: each alias's Secret under
 * /etc/mysql/certs/<alias>, as KubeDB mounts them; beside them, the two emptyDirs the agent fills
 * with what mysqld, Galera and the exporter load (the served leaf and the trust bundle).
 */
import type { V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { CERT_FILES, CERT_MOUNT_ROOT, CertAlias, MOUNT, TLS_VOLUME, VOLUME } from '../model/kubedb';
import { exporterConfigName } from '../model/names';
import { SERVED_TLS_MOUNT, SERVED_TLS_VOLUME, TRUST_MOUNT, TRUST_VOLUME } from '../model/project';
import { DatabaseModel } from './resolve';

export type CertFile = (typeof CERT_FILES)[number];

/** AM CertMountPath(alias) = /etc/mysql/certs/<alias>. */
export function certMountPath(alias: CertAlias): string {
  return `${CERT_MOUNT_ROOT}/${alias}`;
}

/** AM CertFilePath(alias, file) = CertMountPath(alias)/file. */
export function certFilePath(alias: CertAlias, file: CertFile): string {
  return `${certMountPath(alias)}/${file}`;
}

export function tlsMount(alias: CertAlias): V1VolumeMount {
  return { name: TLS_VOLUME[alias], mountPath: certMountPath(alias), readOnly: true };
}

/**
 * The served leaf (ours, not KubeDB's: src/model/project.ts): the server Secret's tls.crt and
 * tls.key as the agent copied them after verifying them — what mysqld and Galera serve with.
 */
export function servedFilePath(file: Exclude<CertFile, 'ca.crt'>): string {
  return `${SERVED_TLS_MOUNT}/${file}`;
}

/**
 * The trust bundle (ours, not KubeDB's: src/model/project.ts): the CA the members serve with,
 * plus the new one while a CA change is staged, as the agent keeps it — what Galera verifies
 * peers with, mysqld verifies clients with (one issuer), and the exporter verifies mysqld with.
 */
export function trustBundlePath(): string {
  return `${TRUST_MOUNT}/ca.crt`;
}

/** The agent writes both (read-write, as the other writable mounts: no readOnly); everyone else only reads. */
export function servedTLSMount(access: 'read' | 'write'): V1VolumeMount {
  return { name: SERVED_TLS_VOLUME, mountPath: SERVED_TLS_MOUNT, ...(access === 'read' ? { readOnly: true } : {}) };
}

export function trustMount(access: 'read' | 'write'): V1VolumeMount {
  return { name: TRUST_VOLUME, mountPath: TRUST_MOUNT, ...(access === 'read' ? { readOnly: true } : {}) };
}

/**
 * At most the size of one Secret (the API server's limit): the agent writes a leaf or a bundle of
 * a few KiB, and a `..data` swap holds the old and the new side by side for a moment.
 */
export const SERVED_VOLUME_SIZE_LIMIT = '1Mi';

/**
 * The two emptyDirs the agent fills. The leaf holds the private key: `medium: Memory` (tmpfs), as
 * the kubelet keeps Secret volumes, so the key is never written to the node's disk and goes with
 * the pod (its few KiB count against the writing container's memory). The trust bundle holds
 * public certificates only: the node's disk is fine, and it costs no container memory.
 */
export function servedVolumes(): V1Volume[] {
  return [
    { name: SERVED_TLS_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: SERVED_VOLUME_SIZE_LIMIT } },
    { name: TRUST_VOLUME, emptyDir: { sizeLimit: SERVED_VOLUME_SIZE_LIMIT } },
  ];
}

/** The data directory and the two script folders KubeDB's containers share. */
export function dataAndScriptMounts(): V1VolumeMount[] {
  return [
    { name: VOLUME.data, mountPath: MOUNT.data },
    { name: VOLUME.initScripts, mountPath: MOUNT.initScripts },
    { name: VOLUME.runScript, mountPath: MOUNT.runScript },
  ];
}

function tlsVolume(model: DatabaseModel, alias: CertAlias): V1Volume {
  return {
    name: TLS_VOLUME[alias],
    // Listing the items makes kubelet refuse to start a pod whose Secret lacks one of them.
    // 0440: the key is readable by the pod's fsGroup (the database user), not by every process.
    secret: { secretName: model.certificates[alias].secretName, items: CERT_FILES.map((file) => ({ key: file, path: file })), defaultMode: 0o440 },
  };
}

/** Volumes pxc-tls renders (the user's own come after them). */
export function podVolumes(model: DatabaseModel): V1Volume[] {
  const spec = model.source.spec ?? {};
  const list: V1Volume[] = [];
  if (!model.durable) list.push({ name: VOLUME.data, emptyDir: {} });
  list.push({ name: VOLUME.initScripts, emptyDir: {} }, { name: VOLUME.runScript, emptyDir: {} });
  list.push(tlsVolume(model, 'server'), tlsVolume(model, 'client'), ...servedVolumes());
  if (model.monitored) {
    list.push(tlsVolume(model, 'metrics-exporter'), { name: VOLUME.exporterConfig, configMap: { name: exporterConfigName(model.name) } });
  }
  if (spec.configSecret?.name) list.push({ name: VOLUME.customConfig, secret: { secretName: spec.configSecret.name } });
  if (spec.init?.script) {
    // KubeDB's ScriptSourceSpec: a volume source plus scriptPath, which is not a volume field.
    const { scriptPath: _path, ...source } = spec.init.script;
    list.push({ name: VOLUME.initialScript, ...source });
  }
  return list;
}

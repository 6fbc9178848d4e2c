/**
 * The pod's volumes and the mounts of the certificate Secrets: each alias's Secret under
 * /etc/mysql/certs/<alias>, as KubeDB mounts them.
 */
import type { V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { CERT_FILES, CERT_MOUNT_ROOT, CertAlias, MOUNT, TLS_VOLUME, VOLUME } from '../model/kubedb';
import { exporterConfigName } from '../model/names';
import { SERVER_CA_VOLUME } from '../model/project';
import { DatabaseModel } from './resolve';
import { exporterNeedsServerCA } from './trust';

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
  list.push(tlsVolume(model, 'server'), tlsVolume(model, 'client'));
  if (model.monitored) {
    list.push(tlsVolume(model, 'metrics-exporter'), { name: VOLUME.exporterConfig, configMap: { name: exporterConfigName(model.name) } });
    if (exporterNeedsServerCA(model)) list.push({ name: SERVER_CA_VOLUME, secret: { secretName: model.certificates.server.secretName, items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o440 } });
  }
  if (spec.configSecret?.name) list.push({ name: VOLUME.customConfig, secret: { secretName: spec.configSecret.name } });
  if (spec.init?.script) {
    // KubeDB's ScriptSourceSpec: a volume source plus scriptPath, which is not a volume field.
    const { scriptPath: _path, ...source } = spec.init.script;
    list.push({ name: VOLUME.initialScript, ...source });
  }
  return list;
}

/**
 * `<db>-metrics-exporter-config`: mysqld_exporter's my.cnf (key exporter.cnf, mounted at
 * /etc/mysql/config/exporter as in KubeDB). KubeDB keeps it in a Secret with the credentials
 * inside; we render a ConfigMap that holds only where to connect and with which certificate —
 * user and password reach the exporter from the auth Secret through its environment.
 */
import { DB_PORT, EXPORTER_CONFIG_KEY } from '../model/kubedb';
import { ConfigMap } from './kube';
import { renderedMeta } from './meta';
import { DatabaseModel } from './resolve';
import { exporterConfigName } from '../model/names';
import { WORKLOAD_SYNC_WAVE } from '../model/project';
import { certFilePath, trustBundlePath } from './volumes';

/**
 * `host=127.0.0.1`: the exporter runs beside mysqld, and the server certificate covers that
 * address. It verifies mysqld with the trust bundle the agent keeps (the CA mysqld serves with,
 * and the next one during a CA change — whatever issuer the server certificate has), and presents
 * its own metrics-exporter certificate from that Secret.
 */
export function exporterConfigText(): string {
  return [
    '[client]',
    'host=127.0.0.1',
    `port=${DB_PORT}`,
    `ssl-ca=${trustBundlePath()}`,
    `ssl-cert=${certFilePath('metrics-exporter', 'tls.crt')}`,
    `ssl-key=${certFilePath('metrics-exporter', 'tls.key')}`,
    '',
  ].join('\n');
}

/** Rendered in standalone mode only (render.ts): the exporter container reads it. */
export function renderExporterConfig(model: DatabaseModel): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: renderedMeta(model, exporterConfigName(model.name), { syncWave: WORKLOAD_SYNC_WAVE }),
    data: { [EXPORTER_CONFIG_KEY]: exporterConfigText() },
  };
}

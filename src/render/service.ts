/** The database's Services (PX2021 service.go, names confirmed by the KubeDB docs). */
import type { V1ServicePort, V1ServiceSpec } from '@kubernetes/client-node';
import { BUILTIN_PROMETHEUS_AGENT, DB_PORT, DB_PORT_NAME, EXPORTER_PORT_NAME, LABEL, LABEL_VALUE, PRIMARY_PORT_NAME } from '../model/kubedb';
import { Service } from './kube';
import { renderedMeta } from './meta';
import { DatabaseModel } from './resolve';
import { governingServiceName, primaryServiceName, statsServiceName } from '../model/names';
import { WORKLOAD_SYNC_WAVE } from '../model/project';
import { ServiceTemplate } from '../model/perconaxtradb';

/** serviceTemplates spec fields KubeDB copies onto the Service (offshoot-api ServiceSpec). */
const TEMPLATE_SPEC_FIELDS: readonly (keyof V1ServiceSpec)[] = ['type', 'clusterIP', 'externalIPs', 'loadBalancerIP', 'loadBalancerSourceRanges', 'externalTrafficPolicy', 'healthCheckNodePort', 'sessionAffinityConfig'];

function templateFor(model: DatabaseModel, alias: string): ServiceTemplate | undefined {
  return model.source.spec?.serviceTemplates?.find((t) => t.alias === alias);
}

function renderService(model: DatabaseModel, name: string, base: { labels: Record<string, string>; annotations?: Record<string, string>; spec: V1ServiceSpec; ports: V1ServicePort[] }, template?: ServiceTemplate): Service {
  const labels = { ...base.labels, ...template?.metadata?.labels };
  const annotations = { ...base.annotations, ...template?.metadata?.annotations };
  const spec: V1ServiceSpec = { ...base.spec };
  for (const field of TEMPLATE_SPEC_FIELDS) {
    const value = template?.spec?.[field];
    // The user's value as written: the API server checks it against the Service schema.
    if (value !== undefined && value !== null) Object.assign(spec, { [field]: value });
  }
  // Template ports patch the default ports of the same name (port number and nodePort).
  spec.ports = base.ports.map((port) => {
    const patch = template?.spec?.ports?.find((p) => p.name === port.name);
    const patched: V1ServicePort = { ...port };
    if (patch?.port) patched.port = patch.port;
    if (patch?.nodePort) patched.nodePort = patch.nodePort;
    return patched;
  });
  spec.selector = model.selector;
  return { apiVersion: 'v1', kind: 'Service', metadata: renderedMeta(model, name, { labels, annotations, syncWave: WORKLOAD_SYNC_WAVE }), spec };
}

/** `<db>`: clients connect here (port `primary` → container port `db`). */
export function renderPrimaryService(model: DatabaseModel): Service {
  return renderService(
    model,
    primaryServiceName(model.name),
    { labels: model.labels, spec: { type: 'ClusterIP' }, ports: [{ name: PRIMARY_PORT_NAME, port: DB_PORT, targetPort: DB_PORT_NAME }] },
    templateFor(model, 'primary'),
  );
}

/** `<db>-pods`: the StatefulSet's governing Service; not-ready pods are published so Galera peers find each other while joining. */
export function renderGoverningService(model: DatabaseModel): Service {
  return renderService(model, governingServiceName(model.name), {
    labels: model.labels,
    spec: { clusterIP: 'None', publishNotReadyAddresses: true },
    ports: [{ name: DB_PORT_NAME, port: DB_PORT, targetPort: DB_PORT_NAME }],
  });
}

/** `<db>-stats`: the exporter's metrics, only when the database is monitored. */
export function renderStatsService(model: DatabaseModel): Service {
  const builtin = model.source.spec?.monitor?.agent === BUILTIN_PROMETHEUS_AGENT;
  return renderService(
    model,
    statsServiceName(model.name),
    {
      labels: { ...model.labels, [LABEL.role]: LABEL_VALUE.statsRole },
      ...(builtin ? { annotations: { 'prometheus.io/path': '/metrics', 'prometheus.io/port': String(model.exporterPort), 'prometheus.io/scrape': 'true' } } : {}),
      spec: { type: 'ClusterIP' },
      ports: [{ name: EXPORTER_PORT_NAME, port: model.exporterPort, targetPort: EXPORTER_PORT_NAME }],
    },
    templateFor(model, 'stats'),
  );
}

/**
 * The database workload: an apps/v1 StatefulSet shaped like KubeDB's PetSet (KubeDB ≥ 2024 creates
 * a PetSet; the 2021 operators an apps/v1 StatefulSet with the same pod template), wired for TLS:
 * the three certificate Secrets mounted under /etc/mysql/certs/<alias> (volumes.ts), mysqld and
 * Galera on the server certificate, the exporter on the metrics-exporter certificate
 * (containers.ts), and a scheduling gate so no pod starts before the watcher has verified the
 * issued material. The user's pod template refines it (user-template.ts).
 */
import type { V1Container, V1PodSecurityContext, V1PodSpec, V1StatefulSetSpec } from '@kubernetes/client-node';
import { isPlainObject } from '../krm/types';
import { VOLUME } from '../model/kubedb';
import { governingServiceName } from '../model/names';
import { SCHEDULING_GATE, WORKLOAD_SYNC_WAVE } from '../model/project';
import { coordinatorContainer, databaseContainer, exporterContainer, initContainer } from './containers';
import { StatefulSet } from './kube';
import { renderedMeta } from './meta';
import { serviceAccountNameOf } from './rbac';
import { DatabaseModel } from './resolve';
import { mergeContainers, refineContainer, userPodFields, userVolumes, v1alpha2ContainerFields } from './user-template';
import { withDefaultResources } from './resources';
import { podVolumes } from './volumes';

/** Ours, then the user's: a v1alpha2 template's container fields refine the database container. */
function containers(model: DatabaseModel, template: Readonly<Record<string, unknown>>): V1Container[] {
  const ours = [databaseContainer(model), coordinatorContainer(model)];
  if (model.monitored) ours.push(exporterContainer(model));
  if (model.apiVersion === 'v1alpha2') ours[0] = refineContainer(ours[0]!, v1alpha2ContainerFields(template));
  return mergeContainers(ours, template.containers);
}

/** The pod runs as the image's database user; the user's pod securityContext refines it. */
function podSecurityContext(model: DatabaseModel, theirs: unknown): V1PodSecurityContext {
  const user = model.images.runAsUser;
  return { fsGroup: user, runAsUser: user, runAsGroup: user, runAsNonRoot: true, ...(isPlainObject(theirs) ? (theirs as V1PodSecurityContext) : {}) };
}

function podSpec(model: DatabaseModel): V1PodSpec {
  const template = model.source.spec?.podTemplate?.spec ?? {};
  return {
    ...(model.options.schedulingGate ? { schedulingGates: [{ name: SCHEDULING_GATE }] } : {}),
    serviceAccountName: serviceAccountNameOf(model),
    securityContext: podSecurityContext(model, template.securityContext),
    ...userPodFields(template, model.apiVersion === 'v1alpha2'),
    initContainers: mergeContainers([initContainer(model)], template.initContainers).map((c) => withDefaultResources(model, c)),
    containers: containers(model, template).map((c) => withDefaultResources(model, c)),
    volumes: [...podVolumes(model), ...userVolumes(template)],
  };
}

function statefulSetSpec(model: DatabaseModel): V1StatefulSetSpec {
  const podTemplate = model.source.spec?.podTemplate;
  return {
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
    ...(model.durable ? { volumeClaimTemplates: [{ metadata: { name: VOLUME.data }, spec: model.source.spec?.storage ?? {} }] } : {}),
  };
}

export function renderStatefulSet(model: DatabaseModel): StatefulSet {
  const podTemplate = model.source.spec?.podTemplate;
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: renderedMeta(model, model.name, {
      labels: { ...model.labels, ...podTemplate?.controller?.labels },
      annotations: { ...podTemplate?.controller?.annotations },
      syncWave: WORKLOAD_SYNC_WAVE,
    }),
    spec: statefulSetSpec(model),
  };
}

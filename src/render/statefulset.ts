/**
 * The database workload: an apps/v1 StatefulSet shaped like KubeDB's PetSet (KubeDB ≥ 2024 creates
 * a PetSet; the 2021 operators an apps/v1 StatefulSet with the same pod template), wired for TLS:
 * the three certificate Secrets mounted under /etc/mysql/certs/<alias> (volumes.ts), mysqld and
 * Galera on the server certificate, the exporter on the metrics-exporter certificate
 * (containers.ts), and a scheduling gate so no pod starts before the watcher has verified the
 * issued material. The user's pod template refines it (user-template.ts).
 */
import type { V1Container, V1PodSecurityContext, V1PodSpec, V1StatefulSetSpec, V1TopologySpreadConstraint } from '@kubernetes/client-node';
import { isPlainObject } from '../krm/types';
import { CONTAINER, SPREAD_MAX_SKEW, SPREAD_TOPOLOGY_KEYS, SPREAD_WHEN_UNSATISFIABLE, VOLUME } from '../model/kubedb';
import { governingServiceName } from '../model/names';
import { AGENT_CONTAINER, AGENT_POD_LABEL, SCHEDULING_GATE, WORKLOAD_SYNC_WAVE } from '../model/project';
import { agentContainer, databaseContainer, exporterContainer, finishDatabaseContainer, initContainer } from './containers';
import { StatefulSet } from './kube';
import { renderedMeta } from './meta';
import { serviceAccountNameOf } from './rbac';
import { DatabaseModel } from './resolve';
import { mergeContainers, refineContainer, userPodFields, userVolumes, v1alpha2ContainerFields } from './user-template';
import { withDefaultResources } from './resources';
import { podVolumes } from './volumes';

/**
 * Ours, then the user's: a v1alpha2 template's container fields refine the database container; a
 * user's `px-coordinator` entry refines the agent, which takes its place. Then the database
 * container's options become run.sh's one argument; every container's resources get KubeDB's
 * defaults (resources.ts).
 */
function containers(model: DatabaseModel, template: Readonly<Record<string, unknown>>): V1Container[] {
  const ours = [databaseContainer(model), agentContainer(model)];
  if (model.monitored) ours.push(exporterContainer(model));
  if (model.apiVersion === 'v1alpha2') ours[0] = refineContainer(ours[0]!, v1alpha2ContainerFields(template));
  const theirs = Array.isArray(template.containers)
    ? (template.containers as Array<Record<string, unknown>>).map((c) => (isPlainObject(c) && c.name === CONTAINER.coordinator ? { ...c, name: AGENT_CONTAINER } : c))
    : template.containers;
  return mergeContainers(ours, theirs).map((c) => (c.name === CONTAINER.db ? finishDatabaseContainer(c) : c));
}

/**
 * KubeDB's default PodPlacementPolicy (PETSET placement.go with the chart's PlacementPolicy
 * `default`): spread over zones and over nodes, maxSkew 1, ScheduleAnyway, selecting all the pod
 * template's labels. The PetSet controller adds it to each pod; here it is in the template.
 */
function spread(labels: Record<string, string>): V1TopologySpreadConstraint[] {
  return SPREAD_TOPOLOGY_KEYS.map((topologyKey) => ({ maxSkew: SPREAD_MAX_SKEW, topologyKey, whenUnsatisfiable: SPREAD_WHEN_UNSATISFIABLE, labelSelector: { matchLabels: { ...labels } } }));
}

/**
 * Long enough for mysqld to leave the cluster cleanly (its preStop hook, containers.ts): a shutdown
 * flushes the buffer pool's dirty pages; past this, kubelet kills it and the member rejoins by IST
 * or SST after a recovery of its position.
 */
export const TERMINATION_GRACE_SECONDS = 120;

/** The pod template's labels: the database's, the user's, and the mark the agents' admission policy selects. */
function podLabels(model: DatabaseModel): Record<string, string> {
  return { ...model.labels, ...model.source.spec?.podTemplate?.metadata?.labels, [AGENT_POD_LABEL]: 'true' };
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
    terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
    topologySpreadConstraints: spread(podLabels(model)),
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
    // Galera members must all be running to recover from a whole-cluster stop: the decider waits for
    // every member's facts, and OrderedReady would never start member 1 while member 0 waits for them
    // (MD2021 and mariadb-operator: Parallel).
    podManagementPolicy: 'Parallel',
    // Changes in Git reach the pods, one member at a time: the controller replaces the highest
    // ordinal first and the next only once the replaced one is Ready — which the agent's readiness
    // makes "Synced (or a donor) in a Primary component". KubeDB uses OnDelete (its operator restarts pods).
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    selector: { matchLabels: model.selector },
    template: {
      metadata: {
        labels: podLabels(model),
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

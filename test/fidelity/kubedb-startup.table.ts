/**
 * KubeDB's public start-up contract (../shared/reference/kubedb-startup.md: the init image's file
 * contract, the env its scripts read, the database and init containers, default resources,
 * PodDisruptionBudget, placement, security context) as rows checked against what pxc-tls renders
 * in standalone mode — the same row format and checks as kubedb-facts.table.ts
 * (test/e2e/kubedb-facts.test.ts runs both): each row's JSONPath must find the value the facts file
 * gives on the cited line (or the declared departure), and the line must still say it.
 */
import type { FactRow } from './kubedb-facts.table';

const statefulSet = "$[?(@.kind==='StatefulSet' && @.metadata.name==='<name>')]";
const pod = `${statefulSet}.spec.template.spec`;
const container = (name: string) => `${pod}.containers[?(@.name==='${name}')]`;
const init = `${pod}.initContainers[?(@.name==='px-init')]`;
const budget = "$[?(@.kind==='PodDisruptionBudget' && @.metadata.name==='<name>')]";

export const KUBEDB_STARTUP: readonly FactRow[] = [
  // The database container on the init image's contract (§3).
  { fact: 'perconaxtradb runs tini, which signals the whole process group', example: 'docs-tls-cluster', path: `${container('perconaxtradb')}.command[*]`, match: 'all', expected: ['/scripts/tini', '-g', '--'], line: 77, quote: 'command: `/scripts/tini -g --`', evidence: 'code' },
  { fact: 'its first argument is run.sh', example: 'docs-tls-cluster', path: `${container('perconaxtradb')}.args[0]`, expected: '/scripts/run.sh', line: 78, quote: 'args: `/scripts/run.sh`, followed by **one** extra element', evidence: 'code' },
  { fact: 'no workingDir: the scripts call ./scripts and ./run-script from /', example: 'docs-tls-cluster', path: `${container('perconaxtradb')}.workingDir`, match: 'all', expected: [], line: 87, quote: 'Do not set `workingDir` on this container.', evidence: 'inferred' },
  { fact: 'the database container mounts data at /var/lib/mysql', example: 'docs-tls-cluster', path: `${container('perconaxtradb')}.volumeMounts[?(@.name==='data')].mountPath`, expected: '/var/lib/mysql', line: 89, quote: '`data` → `/var/lib/mysql`', evidence: 'code' },
  { fact: 'the database container mounts init-scripts at /scripts', example: 'docs-tls-cluster', path: `${container('perconaxtradb')}.volumeMounts[?(@.name==='init-scripts')].mountPath`, expected: '/scripts', line: 90, quote: '`init-scripts` → `/scripts`', evidence: 'code' },
  { fact: 'the database container mounts run-script at /run-script', example: 'docs-tls-cluster', path: `${container('perconaxtradb')}.volumeMounts[?(@.name==='run-script')].mountPath`, expected: '/run-script', line: 91, quote: '`run-script` → `/run-script`', evidence: 'code' },
  { fact: 'MONITOR_USERNAME and MONITOR_PASSWORD come from <name>-monitor', example: 'docs-tls-cluster', path: `${container('perconaxtradb')}.env[?(@.name==='MONITOR_USERNAME' || @.name==='MONITOR_PASSWORD')].valueFrom.secretKeyRef.name`, match: 'all', expected: ['<name>-monitor', '<name>-monitor'], line: 101, quote: '`MONITOR_USERNAME` and `MONITOR_PASSWORD`, from `<name>-monitor`', evidence: 'inferred' },
  { fact: 'REPLICATION_USERNAME and REPLICATION_PASSWORD come from <name>-replication', example: 'docs-tls-cluster', path: `${container('perconaxtradb')}.env[?(@.name==='REPLICATION_USERNAME' || @.name==='REPLICATION_PASSWORD')].valueFrom.secretKeyRef.name`, match: 'all', expected: ['<name>-replication', '<name>-replication'], line: 102, quote: '`REPLICATION_USERNAME` and `REPLICATION_PASSWORD`, from `<name>-replication`', evidence: 'inferred' },
  {
    fact: 'mysqld exiting never restarts the container: no liveness probe on it', example: 'docs-tls-cluster', path: `${container('perconaxtradb')}.livenessProbe`, match: 'all', expected: [], line: 126, quote: '**mysqld exiting does not restart the container**', evidence: 'code',
    departure: {
      rendered: [{ exec: { command: ['/bin/sh', '-c', 'test ! -e /run-script/pxc-tls-restart'] }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 }],
      why: 'mysqld exiting still never restarts the container: the probe fails only while the agent\'s certificate restart marker exists (the watcher\'s leader ordered this one member to restart for a renewed certificate a channel cannot reload)',
    },
  },

  // Default resources (§2, §3, §10, §12).
  { fact: 'the database container requests 500m CPU', example: 'docs-tls-cluster', path: `${container('perconaxtradb')}.resources.requests.cpu`, expected: '500m', line: 106, quote: 'requests cpu 500m, memory 1Gi; limit memory 1Gi.', evidence: 'code' },
  { fact: 'the database container requests 1Gi of memory', example: 'docs-tls-cluster', path: `${container('perconaxtradb')}.resources.requests.memory`, expected: '1Gi', line: 106, quote: 'requests cpu 500m, memory 1Gi', evidence: 'code' },
  { fact: 'the database container\'s memory limit is 1Gi', example: 'docs-tls-cluster', path: `${container('perconaxtradb')}.resources.limits.memory`, expected: '1Gi', line: 106, quote: 'limit memory 1Gi', evidence: 'code' },
  { fact: 'the database container has no CPU limit', example: 'docs-tls-cluster', path: `${container('perconaxtradb')}.resources.limits.cpu`, match: 'all', expected: [], line: 106, quote: 'limit memory 1Gi', evidence: 'code' },
  { fact: 'containers resize cpu and memory in place', example: 'docs-tls-cluster', path: `${container('perconaxtradb')}.resizePolicy[*].restartPolicy`, match: 'all', expected: ['NotRequired', 'NotRequired'], line: 111, quote: '`resizePolicy` for cpu and memory with `restartPolicy: NotRequired`', evidence: 'code' },
  { fact: 'px-init requests 200m CPU', example: 'docs-tls-cluster', path: `${init}.resources.requests.cpu`, expected: '200m', line: 71, quote: 'requests cpu 200m, memory 256Mi; limit memory 512Mi', evidence: 'code' },
  { fact: 'px-init requests 256Mi of memory', example: 'docs-tls-cluster', path: `${init}.resources.requests.memory`, expected: '256Mi', line: 71, quote: 'requests cpu 200m, memory 256Mi; limit memory 512Mi', evidence: 'code' },
  { fact: 'px-init\'s memory limit is 512Mi', example: 'docs-tls-cluster', path: `${init}.resources.limits.memory`, expected: '512Mi', line: 71, quote: 'requests cpu 200m, memory 256Mi; limit memory 512Mi', evidence: 'code' },
  {
    fact: 'the coordinator requests 256Mi of memory', example: 'docs-tls-cluster', path: `${container('pxc-tls-agent')}.resources.requests.memory`, expected: '256Mi', line: 325, quote: 'requests cpu 200m, memory 256Mi; limit memory 256Mi', evidence: 'code',
    departure: { rendered: ['64Mi'], why: 'the agent in its place is sized from its measured resident memory (about 53 MiB at rest), not a raft coordinator\'s' },
  },

  // px-init (§2).
  { fact: 'px-init needs no command or args (its image\'s ENTRYPOINT)', example: 'docs-tls-cluster', path: `${init}.command`, match: 'all', expected: [], line: 54, quote: 'so the operator needs to set no command or args', evidence: 'code' },
  { fact: 'px-init mounts data (it removes lost+found) and init-scripts', example: 'docs-tls-cluster', path: `${init}.volumeMounts[*].mountPath`, match: 'all', expected: ['/var/lib/mysql', '/scripts'], line: [67, 68], quote: '`data` at `/var/lib/mysql`', evidence: 'code' },

  // The coordinator's place (§10).
  {
    fact: 'the coordinator mounts data, init-scripts and run-script', example: 'docs-tls-cluster', path: `${container('pxc-tls-agent')}.volumeMounts[*].mountPath`, match: 'all', expected: ['/var/lib/mysql', '/scripts', '/run-script'], line: [333, 335], quote: '`init-scripts` → `/scripts`', evidence: 'code',
    departure: { rendered: ['/var/lib/mysql', '/scripts', '/run-script', '/etc/mysql/certs/server', '/etc/mysql/certs/pxc-tls-server', '/etc/mysql/certs/pxc-tls-trust'], why: 'the agent reads the pod\'s server certificate Secret, verifies it, and writes what mysqld and Galera load (the served leaf, the trust bundle; it serves its own port with them and presents them to its peers)' },
  },
  { fact: 'the workload starts its pods in parallel (as MariaDB\'s)', example: 'docs-tls-cluster', path: `${statefulSet}.spec.podManagementPolicy`, expected: 'Parallel', line: 499, quote: '(MariaDB used Parallel)', evidence: 'inferred' },

  // Security context (§12).
  { fact: 'no container may escalate privileges', example: 'docs-tls-cluster', path: `${pod}[initContainers,containers][*].securityContext.allowPrivilegeEscalation`, match: 'all', expected: [false, false, false], line: 444, quote: '`allowPrivilegeEscalation: false`', evidence: 'code' },
  { fact: 'every container drops all capabilities', example: 'docs-tls-cluster', path: `${pod}[initContainers,containers][*].securityContext.capabilities.drop[*]`, match: 'all', expected: ['ALL', 'ALL', 'ALL'], line: 445, quote: '`capabilities.drop: [ALL]`', evidence: 'code' },
  { fact: 'every container runs with the RuntimeDefault seccomp profile', example: 'docs-tls-cluster', path: `${pod}[initContainers,containers][*].securityContext.seccompProfile.type`, match: 'all', expected: ['RuntimeDefault', 'RuntimeDefault', 'RuntimeDefault'], line: 448, quote: '`seccompProfile: RuntimeDefault`', evidence: 'code' },
  { fact: 'the pod\'s fsGroup is the catalog\'s user 1001', example: 'docs-tls-cluster', path: `${pod}.securityContext.fsGroup`, expected: 1001, line: 442, quote: '`fsGroup` = catalog `securityContext.runAsUser` (1001)', evidence: 'code' },

  // PodDisruptionBudget (§12).
  { fact: 'the PodDisruptionBudget allows max(1, ⌊(replicas−1)/2⌋) unavailable: 1 of 3', example: 'docs-tls-cluster', path: `${budget}.spec.maxUnavailable`, expected: 1, line: 459, quote: '`maxUnavailable` = max(1, floor((replicas−1)/2)), as an integer: 1 for 3 replicas', evidence: 'code' },
  { fact: 'the PodDisruptionBudget sets no minAvailable', example: 'docs-tls-cluster', path: `${budget}.spec.minAvailable`, match: 'all', expected: [], line: 460, quote: '`minAvailable` unset, `policy/v1`', evidence: 'code' },
  { fact: 'the PodDisruptionBudget is policy/v1', example: 'docs-tls-cluster', path: `${budget}.apiVersion`, expected: 'policy/v1', line: 460, quote: '`policy/v1`', evidence: 'code' },

  // Placement: the default PodPlacementPolicy (§12).
  { fact: 'the pods spread over zones and nodes', example: 'docs-tls-cluster', path: `${pod}.topologySpreadConstraints[*].topologyKey`, match: 'all', expected: ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'], line: 480, quote: 'on `topology.kubernetes.io/zone` and `kubernetes.io/hostname`', evidence: 'code' },
  { fact: 'the spread is soft (ScheduleAnyway), maxSkew 1', example: 'docs-tls-cluster', path: `${pod}.topologySpreadConstraints[*][maxSkew,whenUnsatisfiable]`, match: 'all', expected: [1, 'ScheduleAnyway', 1, 'ScheduleAnyway'], line: 480, quote: 'Each has maxSkew 1, `ScheduleAnyway`', evidence: 'code' },
];

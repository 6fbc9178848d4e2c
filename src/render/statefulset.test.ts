import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RENDER_OPTIONS } from '../model/options';
import { AGENT_IMAGE, perconaXtraDB, v1alpha2, withSpec } from '../test-support/fixtures';
import { resolveDatabase } from './resolve';
import { renderStatefulSet } from './statefulset';
import { RenderOptions } from '../model/options';

function render(db = perconaXtraDB(), options: Partial<RenderOptions> = {}) {
  const sts = renderStatefulSet(resolveDatabase(db, { ...DEFAULT_RENDER_OPTIONS, images: { versions: {}, mirror: {}, agent: AGENT_IMAGE }, ...options }));
  const spec = sts.spec!;
  const pod = spec.template.spec!;
  const container = (name: string) => pod.containers.find((c) => c.name === name);
  return { sts, spec, pod, container };
}

describe('renderStatefulSet', () => {
  it('runs run.sh under tini with ONE argument: every mysqld option, mysqld and Galera on the agent\'s verified copies (leaf and trust bundle), require_secure_transport for requireSSL', () => {
    const db = render().container('perconaxtradb')!;
    expect(db.command).toEqual(['/scripts/tini', '-g', '--']);
    expect(db.args).toEqual(['/scripts/run.sh', [
      '--ssl-capath=/etc/mysql/certs/server',
      '--ssl-ca=/etc/mysql/certs/pxc-tls-trust/ca.crt',
      '--ssl-cert=/etc/mysql/certs/pxc-tls-server/tls.crt',
      '--ssl-key=/etc/mysql/certs/pxc-tls-server/tls.key',
      '--wsrep-provider-options=socket.ssl_key=/etc/mysql/certs/pxc-tls-server/tls.key;socket.ssl_cert=/etc/mysql/certs/pxc-tls-server/tls.crt;socket.ssl_ca=/etc/mysql/certs/pxc-tls-trust/ca.crt',
      '--require-secure-transport=ON',
    ].join(' ')]);
    expect(db.workingDir).toBeUndefined(); // run.sh and on-start.sh call ./scripts/… relative to /
    expect(render(perconaXtraDB('sample-pxc', withSpec({ requireSSL: false }))).container('perconaxtradb')!.args![1]).not.toContain('--require-secure-transport=ON');
  });

  it('gives the database container exactly the env KubeDB\'s init scripts read', () => {
    const ref = (secret: string, key: string) => ({ secretKeyRef: { name: secret, key } });
    expect(render().container('perconaxtradb')!.env).toEqual([
      { name: 'MYSQL_ROOT_USERNAME', valueFrom: ref('sample-pxc-auth', 'username') },
      { name: 'MYSQL_ROOT_PASSWORD', valueFrom: ref('sample-pxc-auth', 'password') },
      { name: 'MONITOR_USERNAME', valueFrom: ref('sample-pxc-monitor', 'username') },
      { name: 'MONITOR_PASSWORD', valueFrom: ref('sample-pxc-monitor', 'password') },
      { name: 'REPLICATION_USERNAME', valueFrom: ref('sample-pxc-replication', 'username') },
      { name: 'REPLICATION_PASSWORD', valueFrom: ref('sample-pxc-replication', 'password') },
      { name: 'CLUSTER_NAME', value: 'sample-pxc' },
      { name: 'SSL_ENABLED', value: 'TRUE' },
    ]);
  });

  it('stops mysqld cleanly before the container (preStop signals mysqld alone), with time for a clean Galera leave', () => {
    const { pod, container } = render();
    expect(container('perconaxtradb')!.lifecycle!.preStop!.exec!.command!.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(container('perconaxtradb')!.lifecycle!.preStop!.exec!.command![2]).toMatch(/kill -TERM/);
    expect(pod.terminationGracePeriodSeconds).toBe(120);
  });

  it('restarts the database container only while the agent\'s restart marker exists (a liveness probe on one file, never on mysqld)', () => {
    const { container } = render();
    const probe = container('perconaxtradb')!.livenessProbe!;
    expect(probe).toMatchObject({ periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 5 });
    const command = probe.exec!.command!;
    expect(command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    // The file the agent writes (src/agent/restart.ts), in the emptyDir both containers mount.
    expect(command[2]).toBe('test ! -e /run-script/pxc-tls-restart');
    expect(container('pxc-tls-agent')!.volumeMounts!.map((m) => m.mountPath)).toContain('/run-script');
    // The shell's answer, with the directory moved to a temporary one: fails exactly while the file exists.
    const dir = mkdtempSync(join(tmpdir(), 'run-script-'));
    const run = () => spawnSync('/bin/sh', ['-c', command[2]!.replace('/run-script', dir)]).status;
    expect(run()).toBe(0);
    writeFileSync(join(dir, 'pxc-tls-restart'), '{}');
    expect(run()).toBe(1);
  });

  it('runs the agent in the place of px-coordinator: its image from the function config, port 9608, probes over HTTPS, the contract\'s mounts', () => {
    const { pod, container } = render();
    expect(pod.containers.map((c) => c.name)).toEqual(['perconaxtradb', 'pxc-tls-agent']);
    const agent = container('pxc-tls-agent')!;
    expect(agent.image).toBe(AGENT_IMAGE);
    expect(agent.args).toEqual(['agent']);
    expect(agent.ports).toEqual([{ name: 'agent', containerPort: 9608, protocol: 'TCP' }]);
    expect(agent.readinessProbe!.httpGet).toEqual({ path: '/readyz', port: 'agent', scheme: 'HTTPS' });
    expect(agent.livenessProbe!.httpGet).toEqual({ path: '/healthz', port: 'agent', scheme: 'HTTPS' });
    expect(agent.volumeMounts).toEqual([
      { name: 'data', mountPath: '/var/lib/mysql', readOnly: true },
      { name: 'init-scripts', mountPath: '/scripts' },
      { name: 'run-script', mountPath: '/run-script' },
      { name: 'tls-server-config', mountPath: '/etc/mysql/certs/server', readOnly: true },
      { name: 'pxc-tls-server-served', mountPath: '/etc/mysql/certs/pxc-tls-server' },
      { name: 'pxc-tls-server-trust', mountPath: '/etc/mysql/certs/pxc-tls-trust' },
    ]);
    expect(agent.env!.map((e) => e.name)).toEqual(['POD_NAME', 'POD_NAMESPACE', 'DB_NAME', 'MONITOR_USERNAME', 'MONITOR_PASSWORD', 'NODE_OPTIONS']);
    expect(JSON.stringify(agent.env)).not.toContain('sample-pxc-auth'); // no root credential
    expect(agent.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false });
  });

  it('gives KubeDB\'s default resources: database merged with the user\'s, init and agent when unset', () => {
    const { pod, container } = render();
    expect(container('perconaxtradb')!.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '1Gi' }, limits: { memory: '1Gi', 'ephemeral-storage': '8Gi' } });
    expect(pod.initContainers![0]!.resources).toEqual({ requests: { cpu: '200m', memory: '256Mi', 'ephemeral-storage': '64Mi' }, limits: { memory: '512Mi', 'ephemeral-storage': '256Mi' } });
    expect(container('pxc-tls-agent')!.resources).toEqual({ requests: { cpu: '10m', memory: '64Mi', 'ephemeral-storage': '64Mi' }, limits: { memory: '128Mi', 'ephemeral-storage': '256Mi' } });
    expect(container('perconaxtradb')!.resizePolicy).toEqual([{ resourceName: 'cpu', restartPolicy: 'NotRequired' }, { resourceName: 'memory', restartPolicy: 'NotRequired' }]);
  });

  it('px-init mounts the data volume (it removes lost+found) and /scripts', () => {
    expect(render().pod.initContainers![0]!.volumeMounts).toEqual([{ name: 'data', mountPath: '/var/lib/mysql' }, { name: 'init-scripts', mountPath: '/scripts' }]);
  });

  it('rolls a template change one member at a time (RollingUpdate on readiness = Synced), starts members in parallel', () => {
    const { spec } = render();
    expect(spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    expect(spec.podManagementPolicy).toBe('Parallel');
  });

  it('spreads over zones and nodes as KubeDB\'s default placement policy, unless the user sets a spread', () => {
    const { pod } = render();
    const labels = { 'app.kubernetes.io/name': 'perconaxtradbs.kubedb.com', 'app.kubernetes.io/instance': 'sample-pxc', 'app.kubernetes.io/managed-by': 'kubedb.com', 'app.kubernetes.io/component': 'database', 'pxc-tls.dev/agent': 'true' };
    expect(pod.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } },
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } },
    ]);
    const own = [{ maxSkew: 2, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' }];
    expect(render(perconaXtraDB('sample-pxc', withSpec({ podTemplate: { spec: { topologySpreadConstraints: own } } }))).pod.topologySpreadConstraints).toEqual(own);
  });

  it('mounts the server and client certificate Secrets at /etc/mysql/certs/<alias>', () => {
    const { pod, container } = render();
    expect(container('perconaxtradb')!.volumeMounts).toEqual(expect.arrayContaining([
      { name: 'tls-server-config', mountPath: '/etc/mysql/certs/server', readOnly: true },
      { name: 'tls-client-config', mountPath: '/etc/mysql/certs/client', readOnly: true },
    ]));
    expect(pod.volumes!.find((v) => v.name === 'tls-server-config')).toEqual({
      name: 'tls-server-config',
      secret: { secretName: 'sample-pxc-server-cert', items: [{ key: 'ca.crt', path: 'ca.crt' }, { key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }], defaultMode: 0o440 },
    });
  });

  it('mysqld and Galera never load the mounted server Secret: they read the agent\'s copies, mounted read-only; only the agent writes them', () => {
    const { container } = render();
    const options = container('perconaxtradb')!.args![1]!.split(' ');
    // --ssl-capath names a directory (KubeDB's, unchanged); every file mysqld or Galera loads is elsewhere.
    const loaded = options.filter((o) => !o.startsWith('--ssl-capath=')).flatMap((o) => o.split(/[=;]/)).filter((w) => w.startsWith('/'));
    expect(loaded).toHaveLength(6); // ssl-ca, ssl-cert, ssl-key; Galera's key, cert, ca
    expect(loaded.filter((path) => path.startsWith('/etc/mysql/certs/server/'))).toEqual([]);
    const mounts = (name: string) => container(name)!.volumeMounts!.filter((m) => m.name.startsWith('pxc-tls-server-')).map((m) => [m.mountPath, m.readOnly === true]);
    expect(mounts('perconaxtradb')).toEqual([['/etc/mysql/certs/pxc-tls-server', true], ['/etc/mysql/certs/pxc-tls-trust', true]]);
    expect(mounts('pxc-tls-agent')).toEqual([['/etc/mysql/certs/pxc-tls-server', false], ['/etc/mysql/certs/pxc-tls-trust', false]]);
  });

  it('keeps the served leaf (with its key) in memory and the trust bundle on disk, both small emptyDirs', () => {
    const { pod } = render();
    expect(pod.volumes!.filter((v) => v.name.startsWith('pxc-tls-server-'))).toEqual([
      { name: 'pxc-tls-server-served', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
      { name: 'pxc-tls-server-trust', emptyDir: { sizeLimit: '1Mi' } },
    ]);
  });

  it('asks for SST encryption on the server certificate (PXINIT SSL_ENABLED)', () => {
    expect(render().container('perconaxtradb')!.env).toContainEqual({ name: 'SSL_ENABLED', value: 'TRUE' });
  });

  it('has the scheduling gate unless switched off', () => {
    expect(render().pod.schedulingGates).toEqual([{ name: 'pxc-tls.dev/certificates-ready' }]);
    expect(render(undefined, { schedulingGate: false }).pod.schedulingGates).toBeUndefined();
  });

  it('is governed by <db>-pods, three replicas by default, one data claim from spec.storage', () => {
    const { spec } = render(perconaXtraDB('sample-pxc', withSpec({ replicas: undefined })));
    expect(spec.serviceName).toBe('sample-pxc-pods');
    expect(spec.replicas).toBe(3);
    expect(spec.volumeClaimTemplates).toEqual([{ metadata: { name: 'data' }, spec: { storageClassName: 'standard', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }]);
  });

  it('uses an emptyDir for Ephemeral storage', () => {
    const { spec, pod } = render(perconaXtraDB('sample-pxc', withSpec({ storageType: 'Ephemeral', storage: undefined })));
    expect(spec.volumeClaimTemplates).toBeUndefined();
    expect(pod.volumes).toContainEqual({ name: 'data', emptyDir: {} });
  });

  it('adds the exporter over TLS when monitored, without any password in a file, the trust bundle its only server file (never the server\'s key)', () => {
    const { container, pod } = render(perconaXtraDB('sample-pxc', withSpec({ monitor: { agent: 'prometheus.io/operator', prometheus: { exporter: { args: ['--collect.info_schema.tables'] } } } })));
    const exporter = container('exporter')!;
    expect(exporter.args).toEqual(['--web.listen-address=:56790', '--web.telemetry-path=/metrics', '--config.my-cnf=/etc/mysql/config/exporter/exporter.cnf', '--mysqld.username=$(MYSQL_ROOT_USERNAME)', '--collect.info_schema.tables']);
    expect(exporter.env).toEqual([
      { name: 'MYSQL_ROOT_USERNAME', valueFrom: { secretKeyRef: { name: 'sample-pxc-auth', key: 'username' } } },
      { name: 'MYSQLD_EXPORTER_PASSWORD', valueFrom: { secretKeyRef: { name: 'sample-pxc-auth', key: 'password' } } },
    ]);
    expect(exporter.volumeMounts).toEqual([
      { name: 'tls-metrics-exporter-config', mountPath: '/etc/mysql/certs/metrics-exporter', readOnly: true },
      { name: 'metrics-exporter-config', mountPath: '/etc/mysql/config/exporter', readOnly: true },
      { name: 'pxc-tls-server-trust', mountPath: '/etc/mysql/certs/pxc-tls-trust', readOnly: true },
    ]);
    expect(pod.volumes).toContainEqual({ name: 'metrics-exporter-config', configMap: { name: 'sample-pxc-metrics-exporter-config' } });
  });

  it('refines its containers with a v1 podTemplate and appends other containers', () => {
    const db = perconaXtraDB('sample-pxc', withSpec({
      podTemplate: {
        controller: { labels: { tier: 'db' } },
        metadata: { annotations: { 'example.com/a': 'b' } },
        spec: {
          nodeSelector: { disk: 'ssd' },
          containers: [
            { name: 'perconaxtradb', resources: { requests: { cpu: '500m' } }, args: ['--max-connections=500'], env: [{ name: 'CLUSTER_NAME', value: 'override' }, { name: 'EXTRA', value: '1' }] },
            { name: 'sidecar', image: 'busybox' },
          ],
        },
      },
    }));
    const { sts, pod, container } = render(db);
    const mysqld = container('perconaxtradb')!;
    // KubeDB's defaults merge into what the user set (resources.test.ts has the rules).
    expect(mysqld.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '1Gi' }, limits: { memory: '1Gi', 'ephemeral-storage': '8Gi' } });
    expect(mysqld.args![1]).toMatch(/--require-secure-transport=ON --max-connections=500$/);
    expect(mysqld.env!.filter((e) => e.name === 'CLUSTER_NAME')).toEqual([{ name: 'CLUSTER_NAME', value: 'override' }]);
    expect(mysqld.env).toContainEqual({ name: 'EXTRA', value: '1' });
    expect(pod.containers.map((c) => c.name)).toEqual(['perconaxtradb', 'pxc-tls-agent', 'sidecar']);
    expect(pod.nodeSelector).toEqual({ disk: 'ssd' });
    expect(sts.metadata.labels?.tier).toBe('db');
  });

  it('maps a v1alpha2 podTemplate\'s container fields onto the database container', () => {
    const db = perconaXtraDB('sample-pxc', v1alpha2, withSpec({ podTemplate: { spec: { resources: { limits: { memory: '2Gi' } }, args: ['--x=1'], affinity: { podAntiAffinity: {} } } }, coordinator: { resources: { requests: { cpu: '50m' } } } }));
    const { pod, container } = render(db);
    expect(container('perconaxtradb')!.resources).toEqual({ requests: { cpu: '500m', memory: '2Gi', 'ephemeral-storage': '1Gi' }, limits: { memory: '2Gi', 'ephemeral-storage': '8Gi' } });
    expect(container('perconaxtradb')!.args![1]).toMatch(/ --x=1$/);
    // v1alpha2 coordinator settings go to the agent: the user set some, so no defaults but ephemeral storage.
    expect(container('pxc-tls-agent')!.resources).toEqual({ requests: { cpu: '50m', 'ephemeral-storage': '64Mi' }, limits: { 'ephemeral-storage': '256Mi' } });
    expect(pod.affinity).toEqual({ podAntiAffinity: {} });
    expect(pod).not.toHaveProperty('resources');
    expect(pod).not.toHaveProperty('args');
  });

  it('scales to zero when halted', () => {
    expect(render(perconaXtraDB('sample-pxc', withSpec({ halted: true }))).spec.replicas).toBe(0);
  });
});

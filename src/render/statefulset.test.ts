import { DEFAULT_RENDER_OPTIONS } from '../model/options';
import { perconaXtraDB, v1alpha2, withSpec } from '../test-support/fixtures';
import { resolveDatabase } from './resolve';
import { renderStatefulSet } from './statefulset';
import { RenderOptions } from '../model/options';

function render(db = perconaXtraDB(), options: Partial<RenderOptions> = {}) {
  const sts = renderStatefulSet(resolveDatabase(db, { ...DEFAULT_RENDER_OPTIONS, images: { versions: {}, mirror: {} }, ...options }));
  const spec = sts.spec!;
  const pod = spec.template.spec!;
  const container = (name: string) => pod.containers.find((c) => c.name === name);
  return { sts, spec, pod, container };
}

describe('renderStatefulSet', () => {
  it('wires mysqld and Galera to the server certificate, with require_secure_transport for requireSSL', () => {
    expect(render().container('perconaxtradb')!.args).toEqual([
      '--ssl-capath=/etc/mysql/certs/server',
      '--ssl-ca=/etc/mysql/certs/server/ca.crt',
      '--ssl-cert=/etc/mysql/certs/server/tls.crt',
      '--ssl-key=/etc/mysql/certs/server/tls.key',
      '--wsrep-provider-options=socket.ssl_key=/etc/mysql/certs/server/tls.key;socket.ssl_cert=/etc/mysql/certs/server/tls.crt;socket.ssl_ca=/etc/mysql/certs/server/ca.crt',
      '--require-secure-transport=ON',
    ]);
    expect(render(perconaXtraDB('sample-pxc', withSpec({ requireSSL: false }))).container('perconaxtradb')!.args).not.toContain('--require-secure-transport=ON');
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

  it('adds the exporter over TLS when monitored, without any password in a file', () => {
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
    expect(mysqld.args!.slice(-2)).toEqual(['--require-secure-transport=ON', '--max-connections=500']);
    expect(mysqld.env!.filter((e) => e.name === 'CLUSTER_NAME')).toEqual([{ name: 'CLUSTER_NAME', value: 'override' }]);
    expect(mysqld.env).toContainEqual({ name: 'EXTRA', value: '1' });
    expect(pod.containers.map((c) => c.name)).toEqual(['perconaxtradb', 'px-coordinator', 'sidecar']);
    expect(pod.nodeSelector).toEqual({ disk: 'ssd' });
    expect(sts.metadata.labels?.tier).toBe('db');
  });

  it('maps a v1alpha2 podTemplate\'s container fields onto the database container', () => {
    const db = perconaXtraDB('sample-pxc', v1alpha2, withSpec({ podTemplate: { spec: { resources: { limits: { memory: '2Gi' } }, args: ['--x=1'], affinity: { podAntiAffinity: {} } } }, coordinator: { resources: { requests: { cpu: '50m' } } } }));
    const { pod, container } = render(db);
    expect(container('perconaxtradb')!.resources).toEqual({ requests: { cpu: '500m', memory: '2Gi', 'ephemeral-storage': '1Gi' }, limits: { memory: '2Gi', 'ephemeral-storage': '8Gi' } });
    expect(container('perconaxtradb')!.args).toContain('--x=1');
    expect(container('px-coordinator')!.resources).toEqual({ requests: { cpu: '50m', 'ephemeral-storage': '64Mi' }, limits: { 'ephemeral-storage': '256Mi' } });
    expect(pod.affinity).toEqual({ podAntiAffinity: {} });
    expect(pod).not.toHaveProperty('resources');
    expect(pod).not.toHaveProperty('args');
  });

  it('scales to zero when halted', () => {
    expect(render(perconaXtraDB('sample-pxc', withSpec({ halted: true }))).spec.replicas).toBe(0);
  });
});

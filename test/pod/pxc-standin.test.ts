// The PXC image stand-in (images.ts, standin/mysqld): what it reports and translates, and that it
// translates nothing else — an option MariaDB lacks and no rule covers makes mysqld fail, as a wrong
// option would on PXC. One idle pod per catalog version on the sandbox node; no server is started.
import type { KubeObject } from './api';
import { startSandboxKubelet, type SandboxKubelet } from './kubelet';
import type { PodHandle } from './pod-handle';
import { bindPod, createNamespace, createPod } from './workloads';

jest.setTimeout(180_000);

let kubelet: SandboxKubelet;
let ns: string;
const pods: Record<string, PodHandle> = {};

function idle(name: string, version: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns },
    spec: {
      automountServiceAccountToken: false,
      securityContext: { runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001 },
      containers: [{ name: 'db', image: `ghcr.io/appscode-images/percona-xtradb-cluster:${version}`, command: ['sleep', 'infinity'] }],
    },
  };
}

beforeAll(async () => {
  kubelet = await startSandboxKubelet();
  ns = await createNamespace(kubelet.api, 'standin');
  for (const [name, version] of [['pxc84', '8.4.3'], ['pxc80', '8.0.40']]) {
    await createPod(kubelet.api, idle(name!, version!));
    await bindPod(kubelet.api, ns, name!, kubelet.nodeName);
    pods[name!] = await kubelet.waitForPod(ns, name!);
    await pods[name!]!.waitRunning('db');
  }
}, 180_000);

afterAll(async () => {
  await kubelet?.stop();
});

const sh = (pod: string, script: string) => pods[pod]!.exec('db', ['bash', '-c', script]);

test("mysqld -V reports the image tag's PXC release, field 3 as KubeDB's entrypoint parses it", async () => {
  for (const [pod, want] of [['pxc84', '8.4.3-3.1'], ['pxc80', '8.0.40-31.1']]) {
    const v = await sh(pod!, "mysqld -V | awk '{print $3}'");
    expect(v.stdout.trim()).toBe(want);
  }
});

test('the image carries the PXC files the scripts expect, MariaDB at its Debian paths, as user mysql (1001)', async () => {
  const r = await sh('pxc84', 'cat /etc/my.cnf; readlink /etc/my.cnf.d; stat -c "%U %a" /etc/mysql; id -un; ls /usr/lib/galera/libgalera_smm.so /usr/bin/mariabackup /usr/bin/socat /usr/bin/pv; grep ^wsrep_provider= /etc/mysql/node.cnf');
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(
    '!include /etc/mysql/node.cnf\n!includedir /etc/my.cnf.d/\n!includedir /etc/percona-xtradb-cluster.conf.d/\n/etc/mysql/conf.d\nmysql 775\nmysql\n' +
      '/usr/bin/mariabackup\n/usr/bin/pv\n/usr/bin/socat\n/usr/lib/galera/libgalera_smm.so\nwsrep_provider=/usr/lib/galera/libgalera_smm.so\n', // ls sorts
  );
});

test("the options KubeDB's entrypoint writes are translated; the check KubeDB runs (--verbose --help) passes", async () => {
  // What entrypoint.sh adds to node.cnf on 8.0.40 (>= 8.0.26) and on every 8.x.
  const edit = "sed -i '/^\\[mysqld\\]/a skip_replica_start=ON\\nadmin-address=10.1.2.3\\nlog_error_suppression_list=\"MY-010055\"\\npxc_encrypt_cluster_traffic=OFF' /etc/mysql/node.cnf && sed -i 's/^#coredumper$/coredumper/' /etc/mysql/node.cnf";
  for (const pod of ['pxc80', 'pxc84']) {
    expect((await sh(pod, edit)).code).toBe(0);
    const check = await sh(pod, 'mysqld --verbose --help --wsrep-provider=none >/dev/null');
    expect(check).toMatchObject({ code: 0 });
    const cnf = (await sh(pod, 'cat /tmp/pxc-standin/my.cnf')).stdout.split('\n');
    expect(cnf).toEqual(expect.arrayContaining(['wsrep_on=ON', 'performance_schema=ON', 'skip_slave_start', 'wsrep_sst_method=mariabackup']));
    for (const gone of ['admin-address', 'log_error_suppression_list', 'pxc_encrypt_cluster_traffic', 'coredumper', 'default_authentication_plugin', 'skip_replica_start']) {
      expect(cnf.filter((l) => l.startsWith(gone))).toEqual([]);
    }
  }
});

test('an option no rule covers reaches MariaDB and fails loudly (pxc_encrypt_cluster_traffic=ON, pxc_maint_mode)', async () => {
  for (const opt of ['pxc_encrypt_cluster_traffic=ON', 'pxc_maint_mode=MAINTENANCE']) {
    const r = await sh('pxc84', `mysqld --${opt} --verbose --help --wsrep-provider=none >/dev/null`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown (variable|option)/);
  }
});

test('--initialize-insecure becomes mariadb-install-db: system tables and a password-less root@localhost', async () => {
  const r = await sh('pxc84', 'mysqld --initialize-insecure --datadir=/tmp/init >/tmp/init.log 2>&1; echo rc=$?; ls /tmp/init/mysql/global_priv.frm');
  expect(r.stdout).toContain('rc=0');
  expect(r.stdout).toContain('/tmp/init/mysql/global_priv.frm');
});

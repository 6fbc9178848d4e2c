// RIG PROOF, NOT A PRODUCT TEST. It proves that the pod sandbox runs KubeDB's init image and the
// database container's command UNCHANGED (../shared's init-0.2.3: init-script/run.sh, scripts/run.sh,
// on-start.sh, entrypoint.sh, bootstrap-new-cluster.sh, join-cluster.sh, recover-seq-no.sh,
// after-crash-bootstrap.sh) with MariaDB 10.11 + Galera 26.4 standing in for the PXC binary, on pods
// made from the rendered StatefulSet (reshaped to issue 11's contract in ONE place: kubedb-pod.ts)
// with certificates from the rig's real cert-manager. The decisions come from a HAND-WRITTEN
// COORDINATOR STAND-IN (hand-coordinator.ts): the agent engineer replaces it with the pxc-tls agent
// and the watcher's decider and keeps the rest.
import { ensureMariaDB, openSession, sql, type MariaDBInstall, type Session } from '../db/mariadb';
import type { KubeObject } from './api';
import { HandCoordinator } from './hand-coordinator';
import { deployKubedb, startMember, type KubedbDatabase } from './kubedb-fixture';
import { AGENT_CONTAINER } from './kubedb-pod';
import { startSandboxKubelet, type SandboxKubelet } from './kubelet';
import { createNamespace, waitPod } from './workloads';

jest.setTimeout(900_000);

const DB = 'perconaxtradb';
// Placeholder readiness (issue 11 item 3 renders the real one): Synced and Primary, and mysqld on
// TCP (so the entrypoint's temporary --skip-networking server of a first start does not count).
const SYNCED_PRIMARY = {
  exec: {
    command: ['bash', '-c',
      'exec 3<>/dev/tcp/127.0.0.1/3306 && [ "$(MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mysql -uroot --socket=/tmp/mysql.sock -Nse ' +
      '"SELECT GROUP_CONCAT(VARIABLE_VALUE ORDER BY VARIABLE_NAME) FROM performance_schema.global_status ' +
      "WHERE VARIABLE_NAME IN ('wsrep_cluster_status','wsrep_local_state_comment')\")\" = \"Primary,Synced\" ]"],
  },
  periodSeconds: 2,
  timeoutSeconds: 10,
  failureThreshold: 1,
};

let kubelet: SandboxKubelet;
let db: KubedbDatabase;
let coordinator: HandCoordinator;
let mariadb: MariaDBInstall;
const figures: Record<string, number> = {};
const log = (l: string) => process.stderr.write(`[kubedb-proof] ${l}\n`);

function client(pod: string) {
  return { args: ['--protocol=TCP', '-h', kubelet.pod(db.namespace, pod).ip(), '-P', '3306', '--ssl', `--ssl-ca=${db.caFile}`], user: 'root', password: db.rootPassword, timeoutMs: 30_000 };
}
async function q(pod: string, query: string): Promise<string> {
  const r = await sql(mariadb, query, client(pod));
  if (r.code !== 0) throw new Error(`${pod}: ${query}: ${r.stderr}`);
  return r.stdout.trim();
}
const status = async (pod: string, name: string) => (await q(pod, `SHOW GLOBAL STATUS LIKE '${name}'`)).split('\t')[1];

beforeAll(async () => {
  mariadb = await ensureMariaDB();
  kubelet = await startSandboxKubelet({ log: (l) => log(`kubelet: ${l}`) });
  const namespace = await createNamespace(kubelet.api, 'kubedb');
  db = await deployKubedb(kubelet.api, {
    namespace,
    agentImage: 'registry.example.com/platform/pxc-tls:0.1.0',
    // STAND-IN until `pxc-tls agent` exists: the agent container idles; the hand coordinator acts through it.
    agentCommand: ['sh', '-c', 'exec sleep infinity'],
    dbReadinessProbe: SYNCED_PRIMARY,
  });
  coordinator = new HandCoordinator(kubelet, namespace, db.podNames, db.governingService, log);
  const t0 = Date.now();
  for (let i = 0; i < db.podNames.length; i++) await startMember(kubelet.api, db, i, kubelet.nodeName);
  await coordinator.firstStart();
  figures.firstStartMs = Date.now() - t0;
  log(`3 members Synced ${figures.firstStartMs} ms after their pods were created`);
}, 900_000);

afterAll(async () => {
  log(`figures: ${JSON.stringify(figures)}`);
  await kubelet?.stop();
  db?.cleanup();
});

test('KubeDB scripts form a 3-member Galera cluster over TLS: bootstrap-new-cluster.sh, then join-cluster.sh with a TLS SST', async () => {
  for (const p of db.podNames) {
    expect(await status(p, 'wsrep_cluster_size')).toBe('3');
    expect(await status(p, 'wsrep_cluster_status')).toBe('Primary');
    const h = kubelet.pod(db.namespace, p);
    // The database container's PID 1 is KubeDB's command line, unchanged.
    const args: string[] = db.statefulSet.spec.template.spec.containers[0].args;
    expect((await h.execOk(DB, ['cat', '/proc/1/cmdline'])).split('\0').slice(0, 3 + args.length)).toEqual(['/scripts/tini', '-g', '--', ...args]);
    // KubeDB's entrypoint wired node.cnf from the pod: its IP, the peer list, the FQDN, SST over TLS.
    const cnf = await h.execOk(DB, ['cat', '/etc/mysql/node.cnf']);
    expect(cnf).toContain(`wsrep_node_address=${h.ip()}`);
    expect(cnf).toContain(`wsrep_cluster_address=gcomm://${coordinator.peerList()}`);
    expect(cnf).toContain(`wsrep_node_incoming_address=${p}.${db.governingService}.${db.namespace}.svc.cluster.local:3306`);
    const sst = cnf.slice(cnf.indexOf('[sst]')).split('\n');
    expect(sst).toEqual(expect.arrayContaining(['encrypt=4', 'ssl-ca=/etc/mysql/certs/server/ca.crt', 'ssl-cert=/etc/mysql/certs/server/tls.crt', 'ssl-key=/etc/mysql/certs/server/tls.key']));
    const providerOptions = await q(p, "SHOW GLOBAL VARIABLES LIKE 'wsrep_provider_options'");
    expect(providerOptions).toContain('socket.ssl = YES');
    expect(h.logs(DB)).toContain('pxc-standin mysqld: MariaDB stands in for PXC 8.4.3');
  }
  // The first member initialised its datadir through the entrypoint (mariadb-install-db for --initialize-insecure).
  expect(kubelet.pod(db.namespace, db.podNames[0]!).logs(DB)).toContain('MySQL init process done. Ready for start up.');
  // Joiners got their data by mariabackup SST through socat with the server certificate (encrypt=4).
  for (const p of db.podNames.slice(1)) {
    const joiner = kubelet.pod(db.namespace, p).logs(DB);
    expect(joiner).toMatch(/wsrep_sst_mariabackup|mariabackup/);
    expect(joiner).toContain('Using openssl based encryption with socat: with key and crt');
  }
  // No container ever printed the root password.
  for (const p of db.podNames) for (const c of [DB, AGENT_CONTAINER, 'px-init']) expect(kubelet.pod(db.namespace, p).logs(c)).not.toContain(db.rootPassword);
});

test('a whole-cluster SIGKILL loses no committed row: recover-seq-no.sh everywhere, after-crash-bootstrap.sh on the most advanced member', async () => {
  const writerPod = db.podNames[2]!;
  await q(writerPod, 'CREATE DATABASE proof; CREATE TABLE proof.rows (id INT PRIMARY KEY) ENGINE=InnoDB');
  const session: Session = openSession(mariadb, { ...client(writerPod), timeoutMs: 20_000 });
  let acked = 0;
  let writing = true;
  const writer = (async () => {
    try {
      for (let id = 1; writing; id++) {
        await session.query(`INSERT INTO proof.rows (id) VALUES (${id})`);
        acked = id;
      }
    } catch {
      /* the crash ends the session */
    }
  })();
  const waitAcked = async (n: number) => {
    const end = Date.now() + 120_000;
    while (acked < n) {
      if (Date.now() > end) throw new Error(`only ${acked} rows acknowledged`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await waitAcked(50);
  // Member 0 crashes first and stays out (its run.sh waits: nobody hands it a script), so it falls behind.
  const first = db.podNames[0]!;
  const before0 = kubelet.pod(db.namespace, first).restartCount(DB);
  await kubelet.pod(db.namespace, first).crash();
  await coordinator.waitForRunLoop(first, before0);
  const ackedAtFirstCrash = acked;
  await waitAcked(ackedAtFirstCrash + 100);
  const restarts = Object.fromEntries(db.podNames.map((p) => [p, kubelet.pod(db.namespace, p).restartCount(DB)]));
  const tCrash = Date.now();
  expect(await kubelet.crashAll()).toBeGreaterThanOrEqual(6);
  writing = false;
  await writer;
  session.close();
  const committed = acked;
  log(`acknowledged commits: ${committed} (${ackedAtFirstCrash} before member 0 crashed)`);

  const { chosen, facts } = await coordinator.recoverWholeCluster(restarts);
  figures.recoveryMs = Date.now() - tCrash;
  figures.committedRows = committed;
  log(`recovered from ${chosen} in ${figures.recoveryMs} ms; facts ${JSON.stringify(facts)}`);

  const byPod = Object.fromEntries(facts.map((f) => [f.pod, f]));
  const best = Math.max(...facts.map((f) => f.seqno));
  expect(byPod[chosen]!.seqno).toBe(best);
  expect(chosen).not.toBe(first);
  expect(byPod[first]!.seqno).toBeLessThan(best);
  for (const f of facts) expect(f.safeToBootstrap).toBe(false);
  // on-start.sh prints each script it runs: recover-seq-no.sh on every member, after-crash-bootstrap.sh on the chosen one.
  const chosenLog = kubelet.pod(db.namespace, chosen).logs(DB);
  expect(chosenLog).toContain('/scripts/entrypoint.sh mysqld --wsrep-recover');
  expect(chosenLog).toContain("sed -i -e 's/safe_to_bootstrap: 0/safe_to_bootstrap: 1/g' /var/lib/mysql/grastate.dat");
  expect(chosenLog).toMatch(/Found saved state: \S+:-1, safe_to_bootstrap: 1/);
  for (const p of db.podNames.filter((x) => x !== chosen)) expect(kubelet.pod(db.namespace, p).logs(DB)).toContain('export CLUSTER_JOIN=true');
  for (const p of db.podNames) {
    await waitPod(kubelet.api, db.namespace, p, (x: KubeObject | undefined) => (x?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ? true : undefined), 60_000, 'Ready');
    expect(await status(p, 'wsrep_cluster_size')).toBe('3');
    // Every acknowledged row is on every member (at most the one in flight at the crash is extra).
    const [count, inRange] = (await q(p, `SET SESSION wsrep_sync_wait=1; SELECT COUNT(*), SUM(id <= ${committed}) FROM proof.rows`)).split('\t').map(Number);
    expect(inRange).toBe(committed);
    expect(count).toBeLessThanOrEqual(committed + 1);
  }
});

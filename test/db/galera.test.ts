// Issue 6, Galera: three nodes on loopback form a cluster over the rendered socket.ssl_* provider
// options with the issued server certificate; writes replicate; a node presenting a certificate from
// another CA cannot join. MariaDB 10.11 + Galera 26.4 stand in for PXC (see README.md).
import { readFileSync } from 'node:fs';
import { sleep, startNode, waitUntil, type Node } from './mariadb';
import { fingerprint, logTranslations, servedCertificate, setupSuite, type Pod, type Suite } from './fixture';

jest.setTimeout(180_000);

const DB = 'pxc-galera';
const NODES = 3;

let suite: Suite;
const nodes: Node[] = [];
const pods: Pod[] = [];

function galeraNode(i: number, pod: Pod, peers: number[], extra: { noWait?: boolean } = {}) {
  return startNode(suite.install, {
    name: `${DB}-${i}`,
    scratch: suite.scratch,
    options: pod.mysqld.options,
    galera: { clusterName: DB, bootstrap: peers.length === 0, peers, providerOptions: pod.mysqld.providerOptions },
    readyTimeoutMs: 180_000,
    ...extra,
  });
}

beforeAll(async () => {
  suite = await setupSuite('galera', [{ name: DB, requireSSL: true }]);
  const t0 = Date.now();
  for (let i = 0; i < NODES; i++) {
    // One pod each: its own mounts, filled from the same Secrets (as pods of one StatefulSet are).
    const pod = suite.db(DB).pod(`${DB}-${i}`);
    if (i === 0) logTranslations(suite, `${DB}: rendered args -> mariadbd`, pod.mysqld.translations);
    pods.push(pod);
    nodes.push(await galeraNode(i, pod, nodes.map((n) => n.gcommPort!)));
    suite.log(`${DB}-${i} ${i === 0 ? 'bootstrapped' : 'joined (rsync SST)'} after ${Date.now() - t0} ms`);
  }
}, 20 * 60_000);

afterAll(async () => {
  for (const n of [...nodes].reverse()) await n.stop();
  suite?.cleanup();
});

test('the cluster forms over TLS: every node sees all members, the group channel is ssl://', async () => {
  for (const n of nodes) {
    await waitUntil(`${n.name} cluster size ${NODES}`, async () => ((await n.status('wsrep_cluster_size')) === String(NODES) ? true : undefined), 30_000);
    expect(await n.status('wsrep_cluster_status')).toBe('Primary');
    expect(await n.status('wsrep_connected')).toBe('ON');
    const opts = (await n.admin("SHOW GLOBAL VARIABLES LIKE 'wsrep_provider_options'")).split(';').map((s) => s.trim());
    expect(opts).toContain('socket.ssl = YES');
    expect(opts.find((o) => o.startsWith('gmcast.listen_addr'))).toMatch(/= ssl:\/\//);
    // Every rendered socket.ssl_* option is in force, with the mapped path.
    for (const [k, v] of pods[0]!.mysqld.providerOptions.filter(([k]) => k.startsWith('socket.'))) {
      const mine = pods[nodes.indexOf(n)]!.mysqld.providerOptions.find(([kk]) => kk === k)![1];
      expect(v).toBeTruthy();
      expect(opts).toContain(`${k} = ${mine}`);
    }
  }
  // The group channel presents the issued server certificate.
  const served = await servedCertificate(nodes[1]!.gcommPort!, 'galera', { cert: pods[1]!.certFiles('server').cert, key: pods[1]!.certFiles('server').key });
  expect(served).toBe(await fingerprint(readFileSync(pods[1]!.certFiles('server').cert)));
});

test('a write on one node is read on the others', async () => {
  await nodes[0]!.admin('CREATE DATABASE t; CREATE TABLE t.kv (k INT PRIMARY KEY, v VARCHAR(64)) ENGINE=InnoDB');
  await nodes[0]!.admin("INSERT INTO t.kv VALUES (1, 'written on node 0')");
  await nodes[NODES - 1]!.admin("INSERT INTO t.kv VALUES (2, 'written on the last node')");
  for (const n of nodes) {
    // wsrep_sync_wait=1: the read waits until the node has applied everything committed before it.
    const out = await n.admin('SET SESSION wsrep_sync_wait=1; SELECT k, v FROM t.kv ORDER BY k');
    expect(out.trim().split('\n')).toEqual(['1\twritten on node 0', '2\twritten on the last node']);
  }
});

test('a node presenting a certificate from another CA cannot join', async () => {
  const pod = suite.db(DB).pod(`${DB}-rogue`, { otherCA: true });
  const rogue = await galeraNode(NODES, pod, nodes.map((n) => n.gcommPort!), { noWait: true });
  try {
    const line = await waitUntil('the TLS refusal in the rogue node\'s log', async () => /certificate verify failed[^\n]*/i.exec(rogue.log())?.[0], 60_000, 500);
    suite.log(`rogue node: ${line.replace(/^.*?\[/, '[')}`);
    // Give it time to get in anyway: the cluster stays as it was, the rogue never syncs.
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      for (const n of nodes) expect(await n.status('wsrep_cluster_size')).toBe(String(NODES));
      await sleep(1_000);
    }
    expect(rogue.log()).not.toMatch(/Synchronized with group|synced with group/);
    expect(rogue.log()).not.toMatch(/State transfer .* complete/i);
  } finally {
    await rogue.stop(5_000);
  }
  for (const n of nodes) expect(await n.status('wsrep_cluster_size')).toBe(String(NODES));
});

test("the rendered server certificate's 'client auth' usage is load-bearing: Galera nodes present it as TLS clients", async () => {
  const server = suite.db(DB).certificate('server');
  expect(server.spec.usages).toEqual(expect.arrayContaining(['server auth', 'client auth']));
  // The same Certificate without 'client auth', issued by the same issuer, mounted in a new pod.
  const cut = {
    ...server,
    metadata: { ...server.metadata, name: `${server.metadata.name}-no-client-auth` },
    spec: { ...server.spec, secretName: `${server.spec.secretName}-no-client-auth`, usages: server.spec.usages.filter((u: string) => u !== 'client auth') },
  };
  const issued = (await suite.issuer.issue([cut])).get(cut.spec.secretName)!;
  const secrets = new Map(suite.db(DB).secrets);
  secrets.set(server.spec.secretName, issued);
  const pod = suite.db(DB).pod(`${DB}-no-client-auth`, { secrets });
  const logLengths = nodes.map((n) => n.log().length);
  const joiner = await galeraNode(NODES + 1, pod, nodes.map((n) => n.gcommPort!), { noWait: true });
  try {
    // The members verify the joiner's certificate as a TLS client certificate and refuse it.
    const line = await waitUntil('the purpose refusal in a member\'s log', async () => {
      for (const [i, n] of nodes.entries()) {
        const m = /certificate verify failed: unsuitable certificate purpose/.exec(n.log().slice(logLengths[i]));
        if (m) return m[0];
      }
      return undefined;
    }, 60_000, 500);
    suite.log(`member refusing a server certificate without 'client auth': ${line}`);
    for (const n of nodes) expect(await n.status('wsrep_cluster_size')).toBe(String(NODES));
    expect(joiner.log()).not.toMatch(/Synchronized with group|synced with group/);
  } finally {
    await joiner.stop(5_000);
  }
});

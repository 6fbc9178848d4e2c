// Issue 6, rotation groundwork: after the certificate files are replaced in place (as the kubelet
// does when cert-manager renews a Secret), a reload without restart serves the new certificate to
// new connections. On MariaDB that is `FLUSH SSL` for the SQL port, and Galera's own
// `socket.ssl_reload` (Galera 4.8+, the same provider option PXC 8.0 ships) for the group channel;
// PXC's SQL-port equivalent, `ALTER INSTANCE RELOAD TLS`, does not exist on MariaDB (README.md).
import { readFileSync } from 'node:fs';
import { openSession, sqlOk, startNode, waitUntil, type Node, type Session } from './mariadb';
import { fingerprint, logTranslations, servedCertificate, setupSuite, type Pod, type Suite } from './fixture';
import type { SecretData } from './issuer';

jest.setTimeout(180_000);

const DB = 'pxc-rotate';
const PASSWORD = 'test-only-password';

let suite: Suite;
const nodes: Node[] = [];
const pods: Pod[] = [];
let session: Session | undefined;
let oldFp: string;
let renewed: SecretData;
let newFp: string;
let pidsBefore: number[];

beforeAll(async () => {
  suite = await setupSuite('reload', [{ name: DB, requireSSL: true }]);
  for (let i = 0; i < 2; i++) {
    const pod = suite.db(DB).pod(`${DB}-${i}`);
    if (i === 0) logTranslations(suite, `${DB}: rendered args -> mariadbd`, pod.mysqld.translations);
    pods.push(pod);
    nodes.push(
      await startNode(suite.install, {
        name: `${DB}-${i}`,
        scratch: suite.scratch,
        options: pod.mysqld.options,
        galera: { clusterName: DB, bootstrap: i === 0, peers: nodes.map((n) => n.gcommPort!), providerOptions: pod.mysqld.providerOptions },
        readyTimeoutMs: 180_000,
      }),
    );
  }
  await nodes[0]!.admin(`CREATE USER 'app'@'%' IDENTIFIED BY '${PASSWORD}' REQUIRE X509; CREATE DATABASE t; GRANT ALL ON t.* TO 'app'@'%'; CREATE TABLE t.kv (k INT PRIMARY KEY, v TEXT)`);
  oldFp = await fingerprint(readFileSync(pods[0]!.certFiles('server').cert));
  // A client connection opened before the rotation, kept open through it.
  session = openSession(suite.install, { args: clientArgs(nodes[0]!, pods[0]!), user: 'app', password: PASSWORD });
  expect((await session.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'")).trim()).toMatch(/^Ssl_cipher\t\S+$/);

  // Renewal: the same Certificate issued again (new key, new certificate), written over the files of
  // every pod's server-certificate mount.
  renewed = await suite.issuer.renew(suite.db(DB).certificate('server'));
  newFp = await fingerprint(renewed['tls.crt']!);
  expect(newFp).not.toBe(oldFp);
  pidsBefore = nodes.map((n) => n.serverPid());
  for (const pod of pods) pod.replaceCert('server', renewed);
}, 20 * 60_000);

afterAll(async () => {
  session?.close();
  for (const n of [...nodes].reverse()) await n.stop();
  suite?.cleanup();
});

function clientArgs(node: Node, pod: Pod, host = 'localhost'): string[] {
  const f = pod.certFiles('client');
  return ['--protocol=TCP', `--host=${host}`, `--port=${node.port}`, `--ssl-ca=${f.ca}`, `--ssl-cert=${f.cert}`, `--ssl-key=${f.key}`, '--ssl-verify-server-cert'];
}

const galeraCert = (i: number) => servedCertificate(nodes[i]!.gcommPort!, 'galera', { cert: pods[i]!.certFiles('server').cert, key: pods[i]!.certFiles('server').key });

test('files replaced in place are not used before a reload', async () => {
  expect(await servedCertificate(nodes[0]!.port, 'mysql')).toBe(oldFp);
  expect(await galeraCert(0)).toBe(oldFp);
});

test("Galera: socket.ssl_reload=1 serves the new certificate on the group channel (the SQL port keeps the old one)", async () => {
  for (const n of nodes) await n.admin("SET GLOBAL wsrep_provider_options='socket.ssl_reload=1'");
  for (let i = 0; i < nodes.length; i++) expect(await galeraCert(i)).toBe(newFp);
  // The two channels reload separately: what PXC's ALTER INSTANCE RELOAD TLS leaves to socket.ssl_reload.
  expect(await servedCertificate(nodes[0]!.port, 'mysql')).toBe(oldFp);
});

test('SQL: FLUSH SSL serves the new certificate to new connections, without a restart', async () => {
  for (const n of nodes) await n.admin('FLUSH SSL');
  for (const n of nodes) expect(await servedCertificate(n.port, 'mysql')).toBe(newFp);
  // A new client connection verifies the renewed certificate (same CA, same names).
  for (const host of ['localhost', '127.0.0.1']) {
    expect((await sqlOk(suite.install, 'SELECT CURRENT_USER()', { args: clientArgs(nodes[1]!, pods[1]!, host), user: 'app', password: PASSWORD })).trim()).toBe('app@%');
  }
  expect(nodes.map((n) => n.serverPid())).toEqual(pidsBefore);
  expect(nodes.some((n) => n.exited())).toBe(false);
});

test('the connection opened before the rotation still works', async () => {
  await session!.query("INSERT INTO t.kv VALUES (1, 'through a pre-rotation connection')");
  expect((await session!.query('SELECT v FROM t.kv WHERE k = 1')).trim()).toBe('through a pre-rotation connection');
});

test('the cluster is intact after the rotation, and a node with the renewed certificate joins', async () => {
  for (const n of nodes) expect(await n.status('wsrep_cluster_size')).toBe('2');
  await nodes[1]!.admin("INSERT INTO t.kv VALUES (2, 'after rotation')");
  expect((await nodes[0]!.admin('SET SESSION wsrep_sync_wait=1; SELECT v FROM t.kv WHERE k = 2')).trim()).toBe('after rotation');
  // A new pod mounts the renewed Secret: new group connections to the reloaded nodes succeed.
  const pod = suite.db(DB).pod(`${DB}-2`);
  pod.replaceCert('server', renewed);
  pods.push(pod);
  nodes.push(
    await startNode(suite.install, {
      name: `${DB}-2`,
      scratch: suite.scratch,
      options: pod.mysqld.options,
      galera: { clusterName: DB, bootstrap: false, peers: nodes.map((n) => n.gcommPort!), providerOptions: pod.mysqld.providerOptions },
      readyTimeoutMs: 180_000,
    }),
  );
  for (const n of nodes) await waitUntil(`${n.name} sees 3 members`, async () => ((await n.status('wsrep_cluster_size')) === '3' ? true : undefined), 30_000);
  expect((await nodes[2]!.admin('SET SESSION wsrep_sync_wait=1; SELECT COUNT(*) FROM t.kv')).trim()).toBe('2');
});

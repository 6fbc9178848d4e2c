// The agent's SQL side on a real server (issue 11): src/agent/mysql.ts — our own minimal MySQL
// protocol client — asks a real MariaDB + Galera node (standing in for PXC, see README.md) for its
// wsrep status over TLS, as a monitor user created with the grants KubeDB's entrypoint gives it,
// verifying the server's certificate (the rendered server certificate, issued for the rendered spec)
// against the CA and the name 127.0.0.1. Wrong CA, wrong password and plaintext are refused.
import { readFileSync } from 'node:fs';
import { MysqlConnection } from '../../src/agent/mysql';
import { startNode, type Node } from './mariadb';
import { setupSuite, type Pod, type Suite } from './fixture';

jest.setTimeout(180_000);

const DB = 'pxc-agent';
let suite: Suite;
let node: Node;
let pod: Pod;
const MONITOR = { user: 'monitor', password: 'm0n1tor-pw' };

beforeAll(async () => {
  suite = await setupSuite('agent-status', [{ name: DB, requireSSL: true }]);
  pod = suite.db(DB).pod(`${DB}-0`);
  node = await startNode(suite.install, {
    name: `${DB}-0`, scratch: suite.scratch, options: pod.mysqld.options,
    galera: { clusterName: DB, bootstrap: true, peers: [], providerOptions: pod.mysqld.providerOptions }, readyTimeoutMs: 120_000,
  });
  // The monitor user as PXINIT entrypoint.sh creates it (MariaDB lacks SERVICE_CONNECTION_ADMIN, the one grant left out).
  await node.admin(`CREATE USER '${MONITOR.user}'@'localhost' IDENTIFIED BY '${MONITOR.password}' WITH MAX_USER_CONNECTIONS 100;
    GRANT SELECT, PROCESS, SUPER, REPLICATION CLIENT, RELOAD ON *.* TO '${MONITOR.user}'@'localhost';`);
}, 10 * 60_000);

afterAll(async () => {
  await node?.stop();
  suite?.cleanup();
});

const ca = () => readFileSync(pod.certFiles('server').ca);

test('the monitor user reads the wsrep status over TLS, the server verified against the CA as 127.0.0.1', async () => {
  const c = await MysqlConnection.connect({ host: '127.0.0.1', port: node.port, ...MONITOR, ca: ca(), timeoutMs: 5000 });
  try {
    const rows = new Map((await c.query("SHOW GLOBAL STATUS LIKE 'wsrep%'")).map((r) => [r[0], r[1]]));
    expect(rows.get('wsrep_cluster_status')).toBe('Primary');
    expect(rows.get('wsrep_local_state_comment')).toBe('Synced');
    expect(rows.get('wsrep_cluster_size')).toBe('1');
    expect(rows.get('wsrep_cluster_state_uuid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await c.query("SELECT CURRENT_USER(), @@have_ssl, NULL")).toEqual([[`${MONITOR.user}@localhost`, 'YES', null]]);
    // The session is encrypted: the server says so.
    const cipher = (await c.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'"))[0]![1];
    expect(cipher).toBeTruthy();
  } finally {
    c.close();
  }
});

test('a wrong password is refused with the server\'s error', async () => {
  await expect(MysqlConnection.connect({ host: '127.0.0.1', port: node.port, user: MONITOR.user, password: 'wrong', ca: ca(), timeoutMs: 5000 }))
    .rejects.toMatchObject({ code: 1045 });
});

test('a server whose certificate does not chain to the CA we trust is refused', async () => {
  const other = readFileSync(suite.db(DB).pod(`${DB}-other`, { otherCA: true }).certFiles('server').ca);
  await expect(MysqlConnection.connect({ host: '127.0.0.1', port: node.port, ...MONITOR, ca: other, timeoutMs: 5000 })).rejects.toThrow(/certificate/);
});

test('without TLS the server (require_secure_transport) refuses the monitor user', async () => {
  await expect(MysqlConnection.connect({ host: '127.0.0.1', port: node.port, ...MONITOR, timeoutMs: 5000 })).rejects.toThrow(/\((1045|3159)\)$/);
});

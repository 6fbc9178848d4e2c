// Issue 15, on the MariaDB + Galera harness (MariaDB 10.11 and Galera 26.4 stand in for PXC, see
// README.md): Galera admits any certificate its CA signed.
//  1. The risk: with one issuer for every certificate (KubeDB's usual layout, the function's
//     default), a node presenting the rendered *client* certificate is admitted by the members into
//     the primary component (it is counted and receives the replication stream); its state transfer
//     then fails only because that certificate is for client auth alone (the donor checks the
//     joiner's purpose). Any other certificate of the same issuer with cert-manager's default
//     usages (no extended key usage: any purpose) — an application's — is accepted as a member and
//     receives a full state transfer.
//  2. The fix: with an issuer of the server certificate's own, the members trust only that CA.
//     Nodes presenting the client certificate or an application's are refused by the members even
//     when they trust the members' CA themselves; a node with a server certificate of the members'
//     CA joins. Applications keep working: mysqld verifies client certificates with the client
//     issuer's CA, and the exporter verifies mysqld with the server's CA — the wiring the function
//     renders for a dedicated server issuer.
import { sleep, sqlOk, startNode, waitUntil, type Node } from './mariadb';
import { logTranslations, setupSuite, subjectOneline, type Pod, type Suite } from './fixture';
import type { SecretData } from './issuer';
import { readFileSync } from 'node:fs';

jest.setTimeout(240_000);

const SHARED = 'pxc-shared'; // one issuer for all three certificates
const DEDICATED = 'pxc-dedicated'; // the server certificate from an issuer of its own
const MEMBERS_ISSUER = 'px-members';
const PASSWORD = 'test-only-password';

let suite: Suite;
const started: Node[] = [];

function galeraNode(db: string, name: string, pod: Pod, peers: Node[], extra: { noWait?: boolean } = {}): Promise<Node> {
  return startNode(suite.install, {
    name,
    scratch: suite.scratch,
    options: pod.mysqld.options,
    galera: { clusterName: db, bootstrap: peers.length === 0, peers: peers.map((n) => n.gcommPort!), providerOptions: pod.mysqld.providerOptions },
    readyTimeoutMs: 180_000,
    ...extra,
  }).then((node) => {
    started.push(node);
    return node;
  });
}

/** Two members of `db`, each with its own mounts filled from the database's issued Secrets. */
async function members(db: string): Promise<{ pods: Pod[]; nodes: Node[] }> {
  const pods: Pod[] = [];
  const nodes: Node[] = [];
  for (const i of [0, 1]) {
    const pod = suite.db(db).pod(`${db}-${i}`);
    pods.push(pod);
    nodes.push(await galeraNode(db, `${db}-${i}`, pod, nodes));
  }
  await nodes[0]!.admin("CREATE DATABASE secrets; CREATE TABLE secrets.cards (id INT PRIMARY KEY, number VARCHAR(32)) ENGINE=InnoDB; INSERT INTO secrets.cards VALUES (1, '4111-1111-1111-1111')");
  return { pods, nodes };
}

/** The Secrets of `db` with the server Secret's content replaced by `server` (what a rogue pod would mount). */
function withServerSecret(db: string, server: SecretData): Map<string, SecretData> {
  const secrets = new Map(suite.db(db).secrets);
  secrets.set(suite.db(db).certificate('server').spec.secretName, server);
  return secrets;
}

const secretOf = (db: string, alias: string) => suite.db(db).secrets.get(suite.db(db).certificate(alias).spec.secretName)!;

/** An application's certificate from the shared issuer, as teams write them: a name, cert-manager's default usages (no extended key usage). */
let appCertificate: SecretData;

/** Waits until `node` is Synced; fails at once, with its Galera log, when it exits. */
function synced(node: Node): Promise<true> {
  return waitUntil(`${node.name} Synced`, async () => {
    if (node.exited()) throw new Error(`${node.name} exited:\n${node.log().split('\n').filter((l) => /WSREP|SSL|certif|verif|handshake|terminate|exception/i.test(l)).slice(-40).join('\n')}`);
    const state = await node.status('wsrep_local_state_comment').catch(() => undefined); // no socket yet while it starts
    return state === 'Synced' ? true : undefined;
  }, 180_000, 500);
}

/** Waits for the first line matching `pattern` that the members log from now on. */
function memberLog(nodes: Node[], pattern: RegExp): () => Promise<string> {
  const from = nodes.map((n) => n.log().length);
  return () => waitUntil(`a member logging ${pattern}`, async () => {
    for (const [i, n] of nodes.entries()) {
      const m = pattern.exec(n.log().slice(from[i]));
      if (m) return m[0];
    }
    return undefined;
  }, 60_000, 500);
}

beforeAll(async () => {
  suite = await setupSuite('member-trust', [
    { name: SHARED, requireSSL: true },
    { name: DEDICATED, requireSSL: true, monitor: true, certificates: [{ alias: 'server', issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: MEMBERS_ISSUER } }] },
  ]);
  const client = suite.db(SHARED).certificate('client');
  const { usages: _usages, ...spec } = client.spec;
  const app = { ...client, metadata: { ...client.metadata, name: 'shop-app' }, spec: { ...spec, commonName: 'shop-app', secretName: 'shop-app-tls' } };
  appCertificate = (await suite.issuer.issue([app])).get('shop-app-tls')!;
  suite.log(`an application's certificate from the shared issuer: CN shop-app, cert-manager's default usages (${suite.issuer.kind})`);
}, 20 * 60_000);

afterAll(async () => {
  for (const n of [...started].reverse()) await n.stop(5_000);
  suite?.cleanup();
});

describe('one issuer for all certificates: the risk', () => {
  let shared: { pods: Pod[]; nodes: Node[] };
  beforeAll(async () => {
    shared = await members(SHARED);
  }, 10 * 60_000);

  test('the function warns about it, at the field that names the shared issuer', () => {
    const warnings = (suite.rendered.results as Array<{ severity: string; message: string; resourceRef?: { name: string }; field?: { path: string } }>)
      .filter((r) => r.severity === 'warning' && r.resourceRef?.name === SHARED);
    expect(warnings).toEqual([expect.objectContaining({ field: { path: 'spec.tls.issuerRef' }, message: expect.stringMatching(/same issuer \(Issuer px-issuer\) as the client and metrics-exporter certificates/) })]);
  });

  test('a node presenting the rendered client certificate is admitted into the primary component by the members; only its purpose (client auth alone) stops its state transfer', async () => {
    const client = secretOf(SHARED, 'client');
    const pod = suite.db(SHARED).pod(`${SHARED}-holder-of-the-client-certificate`, { secrets: withServerSecret(SHARED, client) });
    // Its Galera socket presents the client certificate (CN root, client auth only), signed by the same CA.
    expect(readFileSync(pod.certFiles('server').cert)).toEqual(client['tls.crt']);
    logTranslations(suite, `${SHARED}: the rogue node's rendered args -> mariadbd`, pod.mysqld.translations);
    const admitted = memberLog(shared.nodes, /New COMPONENT: primary = yes, bootstrap = no, my_idx = \d+, memb_num = 3/);
    const donor = memberLog(shared.nodes, /Member \d+\.\d+ \(pxc-shared-rogue-client\) requested state transfer from '\*any\*'\. Selected [^\n]* as donor/);
    const rogue = await galeraNode(SHARED, `${SHARED}-rogue-client`, pod, shared.nodes, { noWait: true });
    try {
      suite.log(`${SHARED}: members admitting the client certificate: ${await admitted()}`);
      suite.log(`${SHARED}: ${await donor()}`);
      const refusal = await waitUntil('the state transfer refused on the certificate\'s purpose', async () => /Handshake failed: [^\n]*unsupported certificate/.exec(rogue.log())?.[0], 60_000, 500);
      suite.log(`${SHARED}: the rogue's state transfer: ${refusal}`);
    } finally {
      await rogue.stop(5_000);
    }
  });

  test('a node presenting an application\'s certificate of the same issuer (default usages) is accepted as a member and receives a full state transfer', async () => {
    const pod = suite.db(SHARED).pod(`${SHARED}-holder-of-an-app-certificate`, { secrets: withServerSecret(SHARED, appCertificate) });
    expect(readFileSync(pod.certFiles('server').cert)).toEqual(appCertificate['tls.crt']);
    const rogue = await galeraNode(SHARED, `${SHARED}-rogue-app`, pod, shared.nodes, { noWait: true });
    try {
      await synced(rogue);
      for (const n of [...shared.nodes, rogue]) expect(await n.status('wsrep_cluster_size')).toBe('3');
      // Every database came across: the rogue reads what was written before it joined, and what is written after.
      await shared.nodes[1]!.admin("INSERT INTO secrets.cards VALUES (2, '5500-0000-0000-0004')");
      expect((await rogue.admin('SET SESSION wsrep_sync_wait=1; SELECT number FROM secrets.cards ORDER BY id')).trim().split('\n')).toEqual(['4111-1111-1111-1111', '5500-0000-0000-0004']);
      suite.log(`${SHARED}: a node with an application's certificate joined (cluster size 3, Synced) and read every row`);
    } finally {
      await rogue.stop(10_000);
    }
  });
});

describe('a dedicated issuer for the server (Galera) certificate: only members join', () => {
  let dedicated: { pods: Pod[]; nodes: Node[] };
  beforeAll(async () => {
    dedicated = await members(DEDICATED);
  }, 10 * 60_000);

  test('the certificates come from two CAs, and the members\' Galera socket trusts only the server issuer\'s', () => {
    const server = secretOf(DEDICATED, 'server');
    const client = secretOf(DEDICATED, 'client');
    expect(server['ca.crt']).toEqual(suite.issuerFor(MEMBERS_ISSUER).caCert());
    expect(client['ca.crt']).toEqual(suite.issuer.caCert());
    expect(server['ca.crt']).not.toEqual(client['ca.crt']);
    const ca = dedicated.pods[0]!.mysqld.providerOptions.find(([k]) => k === 'socket.ssl_ca')![1];
    expect(readFileSync(ca)).toEqual(server['ca.crt']);
    const warnings = (suite.rendered.results as Array<{ severity: string; resourceRef?: { name: string } }>).filter((r) => r.severity === 'warning' && r.resourceRef?.name === DEDICATED);
    expect(warnings).toEqual([]);
  });

  // The holder also has the members' CA certificate (it is public): the refusal can only come
  // from the members' verification of the certificate it presents.
  test.each([
    ['an application\'s certificate (any purpose)', () => appCertificate],
    ['the rendered client certificate', () => secretOf(DEDICATED, 'client')],
  ])('a node presenting %s of the other issuer is refused by the members, even when it trusts the members\' CA', async (what, certificate) => {
    const presented = certificate();
    const mounted = { 'tls.crt': presented['tls.crt'], 'tls.key': presented['tls.key'], 'ca.crt': secretOf(DEDICATED, 'server')['ca.crt'] };
    const label = what.startsWith('an') ? 'app' : 'client';
    const pod = suite.db(DEDICATED).pod(`${DEDICATED}-holder-of-${label}`, { secrets: withServerSecret(DEDICATED, mounted) });
    const refused = memberLog(dedicated.nodes, /certificate verify failed[^\n]*/i);
    const rogue = await galeraNode(DEDICATED, `${DEDICATED}-rogue-${label}`, pod, dedicated.nodes, { noWait: true });
    try {
      suite.log(`${DEDICATED}: member refusing ${what}: ${await refused()}`);
      const end = Date.now() + 10_000;
      while (Date.now() < end) {
        for (const n of dedicated.nodes) expect(await n.status('wsrep_cluster_size')).toBe('2');
        await sleep(1_000);
      }
      expect(rogue.log()).not.toMatch(/New COMPONENT: primary = yes/);
      expect(rogue.log()).not.toMatch(/Synchronized with group|synced with group/);
    } finally {
      await rogue.stop(5_000);
    }
  });

  test('a node with a server certificate of the members\' CA joins', async () => {
    const pod = suite.db(DEDICATED).pod(`${DEDICATED}-2`);
    const member = await galeraNode(DEDICATED, `${DEDICATED}-2`, pod, dedicated.nodes);
    for (const n of [...dedicated.nodes, member]) expect(await n.status('wsrep_cluster_size')).toBe('3');
    expect((await member.admin('SET SESSION wsrep_sync_wait=1; SELECT number FROM secrets.cards')).trim()).toBe('4111-1111-1111-1111');
    dedicated.pods.push(pod);
    dedicated.nodes.push(member);
  });

  test('applications keep working: the client certificate is verified by mysqld (client issuer\'s CA) and verifies mysqld (server issuer\'s CA)', async () => {
    const [pod, node] = [dedicated.pods[0]!, dedicated.nodes[0]!];
    const subject = await subjectOneline(readFileSync(pod.certFiles('client').cert));
    await node.admin(`CREATE USER 'app'@'%' IDENTIFIED BY '${PASSWORD}' REQUIRE SUBJECT '${subject.replace(/'/g, "''")}'`);
    const client = pod.certFiles('client');
    const out = await sqlOk(suite.install, 'SELECT CURRENT_USER()', {
      // The application trusts the members' CA (the server Secret's ca.crt, distributed to it) and presents its client certificate.
      args: ['--protocol=TCP', '--host=127.0.0.1', `--port=${node.port}`, `--ssl-ca=${pod.certFiles('server').ca}`, `--ssl-cert=${client.cert}`, `--ssl-key=${client.key}`, '--ssl-verify-server-cert'],
      user: 'app',
      password: PASSWORD,
    });
    expect(out.trim()).toBe('app@%');
  });

  test('the exporter: the rendered exporter.cnf verifies mysqld with the server\'s CA and is verified with the client issuer\'s', async () => {
    const [pod, node] = [dedicated.pods[0]!, dedicated.nodes[0]!];
    const subject = await subjectOneline(readFileSync(pod.certFiles('metrics-exporter').cert));
    await node.admin(`CREATE USER 'exporter'@'%' IDENTIFIED BY '${PASSWORD}' REQUIRE SUBJECT '${subject.replace(/'/g, "''")}'`);
    const cnf = pod.exporterCnf(node.port);
    logTranslations(suite, `${DEDICATED}: rendered exporter.cnf -> test`, cnf.translations);
    const out = await sqlOk(suite.install, 'SELECT CURRENT_USER()', { defaultsFile: cnf.path, args: ['--protocol=TCP', '--ssl-verify-server-cert'], user: 'exporter', password: PASSWORD });
    expect(out.trim()).toBe('exporter@%');
  });
});

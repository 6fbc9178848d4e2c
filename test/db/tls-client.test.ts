// Issue 6, single node: the mysqld TLS wiring the function renders, on a real server (MariaDB 10.11
// standing in for PXC, see README.md), with certificates issued from the rendered Certificates.
// Also the exporter: the rendered exporter.cnf with the metrics-exporter certificate.
import { readFileSync } from 'node:fs';
import { sql, sqlOk, startNode, type Node } from './mariadb';
import { fingerprint, logTranslations, servedCertificate, setupSuite, subjectOneline, type Pod, type Suite } from './fixture';

jest.setTimeout(120_000);

const REQ = 'pxc-req'; // requireSSL: true, monitored
const OPT = 'pxc-opt'; // requireSSL: false
const PASSWORD = 'test-only-password';

let suite: Suite;
let req: { pod: Pod; node: Node };
let opt: { pod: Pod; node: Node };

beforeAll(async () => {
  suite = await setupSuite('tls-client', [
    { name: REQ, requireSSL: true, monitor: true },
    { name: OPT, requireSSL: false },
  ]);
  const start = async (db: string) => {
    const pod = suite.db(db).pod(`${db}-0`);
    logTranslations(suite, `${db}: rendered args -> mariadbd`, pod.mysqld.translations);
    // 127.0.0.2 too: a loopback address that is not in the server certificate (negative control).
    const node = await startNode(suite.install, { name: db, scratch: suite.scratch, options: pod.mysqld.options, extraBindAddresses: ['127.0.0.2'] });
    for (const alias of db === REQ ? ['client', 'metrics-exporter'] : ['client']) {
      const subject = await subjectOneline(readFileSync(pod.certFiles(alias).cert));
      const user = alias === 'client' ? 'app' : 'exporter';
      // REQUIRE SUBJECT: the server must have verified a certificate with exactly this subject.
      await node.admin(`CREATE USER '${user}'@'%' IDENTIFIED BY '${PASSWORD}' REQUIRE SUBJECT '${subject.replace(/'/g, "''")}'`);
    }
    await node.admin(`CREATE USER 'plain'@'%' IDENTIFIED BY '${PASSWORD}'; GRANT USAGE ON *.* TO 'plain'@'%'`);
    return { pod, node };
  };
  req = await start(REQ);
  opt = await start(OPT);
}, 20 * 60_000);

afterAll(async () => {
  await Promise.all([req?.node.stop(), opt?.node.stop()]);
  suite?.cleanup();
});

const tcp = (node: Node, host = '127.0.0.1') => ['--protocol=TCP', `--host=${host}`, `--port=${node.port}`];
const verified = (pod: Pod, alias = 'client') => {
  const f = pod.certFiles(alias);
  return [`--ssl-ca=${f.ca}`, `--ssl-cert=${f.cert}`, `--ssl-key=${f.key}`, '--ssl-verify-server-cert'];
};

test('the server runs the rendered ssl-* settings, mapped to the issued files', async () => {
  const vars = await req.node.admin("SHOW GLOBAL VARIABLES WHERE Variable_name IN ('have_ssl','ssl_ca','ssl_capath','ssl_cert','ssl_key','require_secure_transport')");
  const v = Object.fromEntries(vars.trim().split('\n').map((l) => l.split('\t')));
  expect(v.have_ssl).toBe('YES');
  // Each value is the mapped form of a rendered arg, whichever args the function rendered.
  for (const t of req.pod.mysqld.translations) {
    const m = /^--(ssl-[a-z]+)=(.*)$/.exec(t.mariadbd);
    if (m) expect(v[m[1]!.replace(/-/g, '_')]).toBe(m[2]);
  }
  expect(v.ssl_cert).toBeTruthy();
  expect(v.require_secure_transport).toBe('ON');
  expect((await opt.node.admin("SELECT @@require_secure_transport")).trim()).toBe('0');
  // And the certificate on the wire is the issued server certificate.
  expect(await servedCertificate(req.node.port, 'mysql')).toBe(await fingerprint(readFileSync(req.pod.certFiles('server').cert)));
});

test.each(['localhost', '127.0.0.1'])('a client with the client certificate connects with full verification to %s', async (host) => {
  const out = await sqlOk(suite.install, "SELECT CURRENT_USER(); SHOW SESSION STATUS LIKE 'Ssl_version'", {
    args: [...tcp(req.node, host), ...verified(req.pod)],
    user: 'app',
    password: PASSWORD,
  });
  expect(out).toMatch(/^app@%$/m);
  expect(out).toMatch(/^Ssl_version\tTLSv1\.[23]$/m);
});

test('verification is real: a host name the server certificate does not cover is refused', async () => {
  const r = await sql(suite.install, 'SELECT 1', { args: [...tcp(req.node, '127.0.0.2'), ...verified(req.pod)], user: 'app', password: PASSWORD });
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/SSL|certificate/i);
  // Same connection without the name check: accepted, so the refusal above was the name check.
  const args = [...tcp(req.node, '127.0.0.2'), ...verified(req.pod).filter((a) => a !== '--ssl-verify-server-cert')];
  expect((await sqlOk(suite.install, 'SELECT CURRENT_USER()', { args, user: 'app', password: PASSWORD })).trim()).toBe('app@%');
});

test('requireSSL: a plaintext connection is refused, the same account over TLS is accepted', async () => {
  const plain = await sql(suite.install, 'SELECT 1', { args: [...tcp(req.node), '--skip-ssl'], user: 'plain', password: PASSWORD });
  expect(plain.code).not.toBe(0);
  expect(plain.stderr).toMatch(/ERROR (1045|3159|4151)/); // MariaDB 10.11 answers "Access denied" (1045)
  const tls = await sqlOk(suite.install, "SHOW SESSION STATUS LIKE 'Ssl_cipher'", {
    args: [...tcp(req.node), `--ssl-ca=${req.pod.certFiles('client').ca}`, '--ssl-verify-server-cert'],
    user: 'plain',
    password: PASSWORD,
  });
  expect(tls).toMatch(/^Ssl_cipher\t\S+$/m);
});

test('without requireSSL: a plaintext connection is allowed (and TLS still verifies)', async () => {
  const out = await sqlOk(suite.install, "SHOW SESSION STATUS LIKE 'Ssl_cipher'", { args: [...tcp(opt.node), '--skip-ssl'], user: 'plain', password: PASSWORD });
  expect(out).toMatch(/^Ssl_cipher\t?$/m);
  const tls = await sqlOk(suite.install, 'SELECT CURRENT_USER()', { args: [...tcp(opt.node, 'localhost'), ...verified(opt.pod)], user: 'app', password: PASSWORD });
  expect(tls.trim()).toBe('app@%');
});

test('a client that trusts another CA fails', async () => {
  const r = await sql(suite.install, 'SELECT 1', {
    args: [...tcp(req.node), `--ssl-ca=${otherCaFile()}`, '--ssl-verify-server-cert'],
    user: 'plain',
    password: PASSWORD,
  });
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/ERROR 2026 .*(certificate|SSL)/i);
});

test('a client presenting a certificate from another CA is refused', async () => {
  const rogue = suite.db(REQ).pod(`${REQ}-rogue-client`, { otherCA: true }).certFiles('client');
  const r = await sql(suite.install, 'SELECT 1', {
    args: [...tcp(req.node), `--ssl-ca=${req.pod.certFiles('client').ca}`, `--ssl-cert=${rogue.cert}`, `--ssl-key=${rogue.key}`, '--ssl-verify-server-cert'],
    user: 'app',
    password: PASSWORD,
  });
  expect(r.code).not.toBe(0);
  // The server verifies client certificates against its ssl-ca: the handshake fails. With TLS 1.3 the
  // client learns of it either from the alert or from the reset that follows it.
  expect(r.stderr).toMatch(/unknown ca|ERROR 2013 .*system error: 104/i);
});

test('the exporter: the rendered exporter.cnf with the metrics-exporter certificate connects over TLS', async () => {
  const cnf = req.pod.exporterCnf(req.node.port);
  logTranslations(suite, `${REQ}: rendered exporter.cnf -> test`, cnf.translations);
  // mysqld_exporter verifies the server (go-sql-driver, the CA as RootCAs, the DSN host as the name):
  // --ssl-verify-server-cert does the same for the mariadb client, which reads the [client] section.
  const out = await sqlOk(suite.install, "SELECT CURRENT_USER(); SHOW SESSION STATUS LIKE 'Ssl_cipher'", {
    defaultsFile: cnf.path,
    args: ['--protocol=TCP', '--ssl-verify-server-cert'],
    user: 'exporter',
    password: PASSWORD,
  });
  expect(out).toMatch(/^exporter@%$/m);
  expect(out).toMatch(/^Ssl_cipher\t\S+$/m);
});

function otherCaFile(): string {
  return suite.db(REQ).pod(`${REQ}-other-ca`, { otherCA: true }).certFiles('client').ca;
}

import { providerHasSslReload, reloadPlan, type ServerFacts } from './reload-plan';

// Provider option lists as `SHOW GLOBAL VARIABLES LIKE 'wsrep_provider_options'` prints them (abridged).
const GALERA_4_TLS = 'base_port = 4567; gmcast.listen_addr = ssl://0.0.0.0:4567; socket.ssl = YES; socket.ssl_ca = /etc/mysql/certs/server/ca.crt; socket.ssl_cert = /etc/mysql/certs/server/tls.crt; socket.ssl_cipher = ; socket.ssl_key = /etc/mysql/certs/server/tls.key; socket.ssl_reload = 1; socket.ssl_verify = YES';
const GALERA_OLD_TLS = 'base_port = 4567; socket.ssl = YES; socket.ssl_ca = /c/ca.crt; socket.ssl_cert = /c/tls.crt; socket.ssl_cipher = ; socket.ssl_compression = YES; socket.ssl_key = /c/tls.key';
const GALERA_PLAIN = 'base_port = 4567; gmcast.listen_addr = tcp://0.0.0.0:4567; socket.ssl = NO; socket.ssl_cert = ; socket.ssl_reload = 1';

const facts = (version: string, versionComment: string, providerOptions?: string, adminTls = false): ServerFacts => ({
  version, versionComment, adminTls, ...(providerOptions !== undefined ? { providerOptions } : {}),
});

const FLUSH = 'FLUSH SSL';
const RELOAD_TLS = 'ALTER INSTANCE RELOAD TLS';
const RELOAD_ADMIN = 'ALTER INSTANCE RELOAD TLS FOR CHANNEL mysql_admin';
const SSL_RELOAD = "SET GLOBAL wsrep_provider_options='socket.ssl_reload=1'";

describe('which statements reload the certificate on which running server', () => {
  test.each<[string, ServerFacts, string[], string[]]>([
    ['MariaDB 10.11 with Galera 26.4: FLUSH SSL reloads the SQL port and Galera (MDEV-22668)', facts('10.11.19-MariaDB-0+deb12u1', 'Debian 12', GALERA_4_TLS), [FLUSH], []],
    ['MariaDB 10.4.19 is the first 10.4 whose FLUSH SSL covers Galera', facts('10.4.19-MariaDB', 'MariaDB Server', GALERA_4_TLS), [FLUSH], []],
    ['MariaDB 10.4.18: FLUSH SSL, then socket.ssl_reload for Galera', facts('10.4.18-MariaDB', 'MariaDB Server', GALERA_4_TLS), [FLUSH, SSL_RELOAD], []],
    ['MariaDB 10.5.9: FLUSH SSL, then socket.ssl_reload for Galera', facts('10.5.9-MariaDB-log', 'MariaDB Server', GALERA_4_TLS), [FLUSH, SSL_RELOAD], []],
    ['MariaDB with a provider older than 26.4.8: the Galera channel needs a restart', facts('10.6.12-MariaDB', 'MariaDB Server', GALERA_OLD_TLS), [FLUSH], ['galera']],
    ['MariaDB 10.3: nothing reloads the SQL port', facts('10.3.39-MariaDB', 'MariaDB Server', GALERA_OLD_TLS), [], ['sql', 'galera']],
    ['MariaDB without Galera: FLUSH SSL alone', facts('10.11.6-MariaDB', 'MariaDB Server', ''), [FLUSH], []],
    ['a Galera channel without TLS needs nothing', facts('10.11.6-MariaDB', 'MariaDB Server', GALERA_PLAIN), [FLUSH], []],
    ['PXC 8.0 whose provider lists socket.ssl_reload: both statements', facts('8.0.36-28.1', 'Percona XtraDB Cluster (GPL), Release rel28, Revision bfb687f, WSREP version 26.1.4.3', GALERA_4_TLS), [RELOAD_TLS, SSL_RELOAD], []],
    ['PXC 8.0 whose provider does not list it: the Galera channel needs a restart', facts('8.0.36-28.1', 'Percona XtraDB Cluster (GPL), Release rel28', GALERA_OLD_TLS), [RELOAD_TLS], ['galera']],
    ['PXC 8.0.21+ with admin_ssl_* of its own: the admin channel too', facts('8.0.39-30.1', 'Percona XtraDB Cluster (GPL)', GALERA_4_TLS, true), [RELOAD_TLS, RELOAD_ADMIN, SSL_RELOAD], []],
    ['PXC 8.0.20 has no separate admin interface', facts('8.0.20-11.1', 'Percona XtraDB Cluster (GPL)', GALERA_4_TLS, true), [RELOAD_TLS, SSL_RELOAD], []],
    ['MySQL 8.0.16 is the first with ALTER INSTANCE RELOAD TLS', facts('8.0.16', 'MySQL Community Server - GPL'), [RELOAD_TLS], []],
    ['MySQL 8.0.15 has none', facts('8.0.15', 'MySQL Community Server - GPL'), [], ['sql']],
    ['PXC 5.7 (Galera 3): neither channel reloads', facts('5.7.44-31.65-log', 'Percona XtraDB Cluster (GPL), Release rel31, WSREP version 31.65', GALERA_OLD_TLS), [], ['sql', 'galera']],
    ['an unreadable version reloads nothing it cannot name', facts('unknown', ''), [], ['sql']],
  ])('%s', (_name, f, statements, cannot) => {
    const plan = reloadPlan(f);
    expect(plan.statements.map((s) => s.sql)).toEqual(statements);
    expect(plan.cannotReload.map((c) => c.channel)).toEqual(cannot);
  });

  test('each statement names the privilege it needs: the monitor user of KubeDB has RELOAD and SUPER, not CONNECTION_ADMIN', () => {
    const pxc = reloadPlan(facts('8.0.36-28.1', 'Percona XtraDB Cluster (GPL)', GALERA_4_TLS));
    expect(pxc.statements.map((s) => s.privilege)).toEqual(['CONNECTION_ADMIN', 'SUPER']);
    expect(reloadPlan(facts('10.11.19-MariaDB', '', GALERA_4_TLS)).statements.map((s) => s.privilege)).toEqual(['RELOAD']);
  });

  test('a bundle that drops a CA (a CA change\'s retire): reloaded where it can be, and the Galera channel needs a restart to drop it', () => {
    const plan = reloadPlan(facts('10.11.19-MariaDB-0+deb12u1', 'Debian 12', GALERA_4_TLS), { dropsTrust: true });
    expect(plan.statements.map((st) => st.sql)).toEqual([FLUSH]);
    expect(plan.cannotReload).toEqual([{ channel: 'galera', reason: expect.stringMatching(/drops none: a restart drops the old CA/) }]);
    expect(reloadPlan(facts('10.11.6-MariaDB', 'MariaDB Server', ''), { dropsTrust: true }).cannotReload).toEqual([]); // no Galera, nothing kept
  });

  test('socket.ssl_reload is found as an option name, not inside another value', () => {
    expect(providerHasSslReload(GALERA_4_TLS)).toBe(true);
    expect(providerHasSslReload(GALERA_OLD_TLS)).toBe(false);
    expect(providerHasSslReload('socket.ssl_cert = /x/socket.ssl_reload = 1')).toBe(false);
    expect(providerHasSslReload(undefined)).toBe(false);
  });
});

// The reloader's decisions with the server's answers scripted (the real server: test/db/agent-reload.test.ts).
import { createHash } from 'node:crypto';
import { createLogger } from '../observe/log';
import { CertFactory, type Pem } from '../tls/testing/certs';
import { MysqlError } from './mysql';
import type { MaterialFiles } from './material';
import { fingerprintOf, TlsReloader, type SqlSession } from './tls-reload';

const DB = { name: 'db', namespace: 'demo', clusterDomain: 'cluster.local' };
const SANS = { dnsNames: ['*.db-pods.demo.svc', '*.db-pods.demo.svc.cluster.local', 'localhost'], ipAddresses: ['127.0.0.1'] };
const MARIADB_GALERA = { version: '10.11.19-MariaDB', provider: 'socket.ssl_cert = /c/tls.crt; socket.ssl_reload = 1' };
const PXC_GALERA_3 = { version: '5.7.44-31.65-log', provider: 'socket.ssl_cert = /c/tls.crt; socket.ssl_key = /c/tls.key' };

let certs: CertFactory;
let ca: Pem;
let otherCa: Pem;
beforeAll(() => {
  certs = new CertFactory();
  ca = certs.ca('px-ca');
  otherCa = certs.ca('px-ca');
}, 60_000);
afterAll(() => certs.cleanup());

function filesOf(leaf: Pem, caPem = ca): MaterialFiles {
  const [cert, key, c] = [Buffer.from(leaf.cert), Buffer.from(leaf.key), Buffer.from(caPem.cert)];
  return { cert, key, ca: c, version: createHash('sha256').update(cert).update(key).update(c).digest('hex').slice(0, 16) };
}

function rig(server: { version: string; provider: string; refuse?: string }, mode?: 'reload' | 'restart') {
  let files: MaterialFiles = filesOf(certs.leaf(ca, SANS));
  const statements: string[] = [];
  const lines: string[] = [];
  const counts = { reloads: new Map<string, number>(), refused: new Map<string, number>() };
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const session: SqlSession = {
    async query(sql) {
      if (sql.startsWith('SELECT VERSION()')) return [[server.version, 'test']];
      if (sql.includes("'wsrep_provider_options'")) return [['wsrep_provider_options', server.provider]];
      if (sql.startsWith('SHOW GLOBAL VARIABLES')) return [];
      if (server.refuse && sql.startsWith(server.refuse)) throw new MysqlError('Access denied; you need (at least one of) the CONNECTION_ADMIN privilege(s)', 1227);
      statements.push(sql);
      return [];
    },
    close() {},
  };
  const reloader = new TlsReloader({
    files: () => files,
    connect: async () => session,
    database: DB,
    ordinal: 0,
    log: createLogger({ write: (l) => lines.push(l) }),
    metrics: { reloads: { inc: ({ result }) => bump(counts.reloads, result) }, refused: { inc: ({ reason }) => bump(counts.refused, reason) } },
    retryMs: 0,
    ...(mode ? { mode } : {}),
  });
  return { reloader, statements, lines, counts, swap: (f: MaterialFiles) => (files = f), get files() { return files; } };
}

describe('the agent reloads a verified renewal with what the running server can reload, and refuses a bad one', () => {
  test('the first look takes what mysqld serves as the baseline and runs nothing', async () => {
    const r = rig(MARIADB_GALERA);
    await r.reloader.check();
    expect(r.statements).toEqual([]);
    expect(r.reloader.facts()).toEqual({ served: fingerprintOf(r.files.cert) });
  });

  test('a verified renewal on MariaDB + Galera 26.4: FLUSH SSL once, then served', async () => {
    const r = rig(MARIADB_GALERA);
    await r.reloader.check();
    const renewed = filesOf(certs.leaf(ca, SANS));
    r.swap(renewed);
    expect(r.reloader.accepts(renewed)).toBe(true); // judged before the tick reaches it
    expect(r.reloader.accepts(filesOf(certs.leaf(ca, SANS), otherCa))).toBe(false);
    await r.reloader.check();
    await r.reloader.check();
    expect(r.statements).toEqual(['FLUSH SSL']);
    expect(r.reloader.facts()).toEqual({ served: fingerprintOf(renewed.cert) });
    expect(r.counts.reloads.get('reloaded')).toBe(1);
  });

  test('a renewal under another CA is refused: nothing runs, the old one is reported served, the log has no material', async () => {
    const r = rig(MARIADB_GALERA);
    await r.reloader.check();
    const old = r.reloader.facts()!.served;
    const bad = filesOf(certs.leaf(otherCa, SANS), otherCa);
    r.swap(bad);
    await r.reloader.check();
    await r.reloader.check();
    expect(r.statements).toEqual([]);
    expect(r.reloader.facts()).toMatchObject({ served: old, refused: { fingerprint: fingerprintOf(bad.cert), reason: 'UntrustedIssuer' } });
    expect(r.counts.refused.get('UntrustedIssuer')).toBe(1); // once per swap, not per tick
    expect(r.reloader.accepts(bad)).toBe(false); // not served on the agent's own port either
    expect(r.lines.join('')).not.toMatch(/BEGIN|PRIVATE/);
    // Then a good renewal arrives: it is loaded.
    r.swap(filesOf(certs.leaf(ca, SANS)));
    await r.reloader.check();
    expect(r.statements).toEqual(['FLUSH SSL']);
    expect(r.reloader.facts()?.refused).toBeUndefined();
  });

  test('PXC 5.7 (no reload statement, Galera 3): reported as needing a restart, nothing run, no restart', async () => {
    const r = rig(PXC_GALERA_3);
    await r.reloader.check();
    const old = r.reloader.facts()!.served;
    const renewed = filesOf(certs.leaf(ca, SANS));
    r.swap(renewed);
    await r.reloader.check();
    expect(r.statements).toEqual([]);
    expect(r.reloader.facts()).toMatchObject({ served: old, pending: fingerprintOf(renewed.cert), needsRestart: true, reason: expect.stringMatching(/^sql: .*; galera: .*socket\.ssl_reload/) });
    // mysqld restarted (run.sh's loop): it read the files, the baseline is theirs.
    r.reloader.restarted();
    await r.reloader.check();
    expect(r.reloader.facts()).toEqual({ served: fingerprintOf(renewed.cert) });
  });

  test('--tls-reload=restart on a server that reloads everything: verified, nothing run, reported as needing a restart', async () => {
    const r = rig(MARIADB_GALERA, 'restart');
    await r.reloader.check();
    const old = r.reloader.facts()!.served;
    const renewed = filesOf(certs.leaf(ca, SANS));
    r.swap(renewed);
    await r.reloader.check();
    await r.reloader.check();
    expect(r.statements).toEqual([]);
    expect(r.reloader.facts()).toEqual({ served: old, pending: fingerprintOf(renewed.cert), needsRestart: true, reason: expect.stringMatching(/--tls-reload=restart/) });
    expect(r.counts.reloads.get('needs-restart')).toBe(1);
    // A bad renewal is still refused, never queued for a restart.
    const bad = filesOf(certs.leaf(otherCa, SANS), otherCa);
    r.swap(bad);
    await r.reloader.check();
    expect(r.reloader.facts()).toMatchObject({ refused: { reason: 'UntrustedIssuer' } });
    expect(r.reloader.facts()?.needsRestart).toBeUndefined();
  });

  test('an account without the privilege: pending with the privilege named, tried again later', async () => {
    const r = rig({ version: '8.0.36-28.1', provider: MARIADB_GALERA.provider, refuse: 'ALTER INSTANCE' });
    await r.reloader.check();
    const renewed = filesOf(certs.leaf(ca, SANS));
    r.swap(renewed);
    await r.reloader.check();
    expect(r.reloader.facts()).toMatchObject({ pending: fingerprintOf(renewed.cert), reason: expect.stringMatching(/lacks CONNECTION_ADMIN/) });
    expect(r.reloader.facts()?.needsRestart).toBeUndefined();
    expect(r.counts.reloads.get('failed')).toBe(1);
  });
});

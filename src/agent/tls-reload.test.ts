// The reloader's decisions with the server's answers scripted (the real server: test/db/agent-reload.test.ts).
import { X509Certificate } from 'node:crypto';
import { createLogger } from '../observe/log';
import { CertFactory, type Pem } from '../tls/testing/certs';
import { MysqlError } from './mysql';
import type { CaChangeOrder } from '../model/galera';
import { parseCertificates } from '../tls/pem';
import { materialFiles, type MaterialFiles } from './material';
import type { CopiesChange } from './served-copies';
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

function filesOf(leaf: Pem, caPem: Pem | Buffer = ca): MaterialFiles {
  return materialFiles(Buffer.from(leaf.cert), Buffer.from(leaf.key), Buffer.isBuffer(caPem) ? caPem : Buffer.from(caPem.cert));
}

/** The served copies in memory (served-copies.ts is the disk's; served-copies.test.ts). */
function memoryCopies() {
  let held: MaterialFiles | undefined;
  return {
    read: () => held,
    write(change: CopiesChange) {
      const leaf = change.leaf ?? { cert: held!.cert, key: held!.key };
      held = filesOf({ cert: leaf.cert.toString(), key: leaf.key.toString() }, change.trust ?? held!.ca);
    },
    get held() { return held; },
  };
}

const trustOf = (files: MaterialFiles | undefined) => parseCertificates(files!.ca).map((c) => c.fingerprint256);
const fpCa = (p: Pem) => new X509Certificate(p.cert).fingerprint256;

function rig(server: { version: string; provider: string; refuse?: string; down?: boolean }, mode?: 'reload' | 'restart') {
  let files: MaterialFiles = filesOf(certs.leaf(ca, SANS));
  let order: CaChangeOrder | undefined;
  const copies = memoryCopies();
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
    mounted: () => files,
    copies,
    caChange: () => order,
    connect: async () => {
      if (server.down) throw new Error('connect ECONNREFUSED 127.0.0.1:3306');
      return session;
    },
    database: DB,
    ordinal: 0,
    log: createLogger({ write: (l) => lines.push(l) }),
    metrics: { reloads: { inc: ({ result }) => bump(counts.reloads, result) }, refused: { inc: ({ reason }) => bump(counts.refused, reason) } },
    retryMs: 0,
    ...(mode ? { mode } : {}),
  });
  return {
    reloader, statements, lines, counts, copies, server,
    swap: (f: MaterialFiles) => (files = f),
    order: (o: CaChangeOrder | undefined) => (order = o),
    get files() { return files; },
  };
}

describe('the agent copies a verified renewal and reloads it with what the running server can reload; a bad one is never copied', () => {
  test('before mysqld: the first copy of the verified Secret; the first look takes it as loaded and runs nothing', async () => {
    const r = rig(MARIADB_GALERA);
    expect(r.reloader.prepare()).toBe(true);
    expect(r.copies.held?.cert.equals(r.files.cert)).toBe(true);
    await r.reloader.check();
    expect(r.statements).toEqual([]);
    expect(r.reloader.facts()).toEqual({ served: fingerprintOf(r.files.cert), servedCa: fpCa(ca), trusted: [fpCa(ca)] });
  });

  test('a Secret that fails the checks is not copied even the first time: nothing for mysqld to load', () => {
    const r = rig(MARIADB_GALERA);
    r.swap(filesOf(certs.leaf(otherCa, SANS))); // does not chain to its ca.crt
    expect(r.reloader.prepare()).toBe(false);
    expect(r.copies.held).toBeUndefined();
    expect(r.counts.refused.get('UntrustedIssuer')).toBe(1);
  });

  test('a verified renewal on MariaDB + Galera 26.4: copied, FLUSH SSL once, then served', async () => {
    const r = rig(MARIADB_GALERA);
    await r.reloader.check();
    const renewed = filesOf(certs.leaf(ca, SANS));
    r.swap(renewed);
    await r.reloader.check();
    await r.reloader.check();
    expect(r.copies.held?.cert.equals(renewed.cert)).toBe(true);
    expect(r.statements).toEqual(['FLUSH SSL']);
    expect(r.reloader.facts()).toEqual({ served: fingerprintOf(renewed.cert), servedCa: fpCa(ca), trusted: [fpCa(ca)] });
    expect(r.counts.reloads.get('reloaded')).toBe(1);
  });

  test('a leaf that does not chain to its ca.crt is refused: not copied, nothing runs, reported once, no material in the log', async () => {
    const r = rig(MARIADB_GALERA);
    await r.reloader.check();
    const before = r.copies.held;
    const old = r.reloader.facts()!.served;
    const bad = filesOf(certs.leaf(otherCa, SANS), ca);
    r.swap(bad);
    await r.reloader.check();
    await r.reloader.check();
    expect(r.copies.held).toBe(before);
    expect(r.statements).toEqual([]);
    expect(r.reloader.facts()).toMatchObject({ served: old, refused: { fingerprint: fingerprintOf(bad.cert), reason: 'UntrustedIssuer' } });
    expect(r.counts.refused.get('UntrustedIssuer')).toBe(1); // once per swap, not per tick
    expect(r.lines.join('')).not.toMatch(/BEGIN|PRIVATE/);
    // Then a good renewal arrives: it is loaded.
    r.swap(filesOf(certs.leaf(ca, SANS)));
    await r.reloader.check();
    expect(r.statements).toEqual(['FLUSH SSL']);
    expect(r.reloader.facts()?.refused).toBeUndefined();
  });

  test('a CA change in stages: the new CA trusted beside the old (old leaf kept), the new leaf only on the leader\'s present order, the old CA dropped on retire', async () => {
    const r = rig(MARIADB_GALERA);
    await r.reloader.check();
    const oldLeaf = r.reloader.facts()!.served;
    const changed = filesOf(certs.leaf(otherCa, SANS), otherCa);
    r.swap(changed);
    // 1. trust: the bundle holds both, the old leaf stays; loaded.
    await r.reloader.check();
    expect(trustOf(r.copies.held)).toEqual([fpCa(ca), fpCa(otherCa)]);
    expect(r.statements).toEqual(['FLUSH SSL']);
    await r.reloader.check();
    expect(r.reloader.facts()).toEqual({ served: oldLeaf, servedCa: fpCa(ca), trusted: [fpCa(ca), fpCa(otherCa)], waitingCa: fpCa(otherCa) });
    // An order for another CA changes nothing.
    r.order({ ca: fpCa(ca), stage: 'present' });
    await r.reloader.check();
    expect(r.statements).toEqual(['FLUSH SSL']);
    // 2. present: the new leaf, still trusting both.
    r.order({ ca: fpCa(otherCa), stage: 'present' });
    await r.reloader.check();
    expect(r.statements).toEqual(['FLUSH SSL', 'FLUSH SSL']);
    expect(r.reloader.facts()).toEqual({ served: fingerprintOf(changed.cert), servedCa: fpCa(otherCa), trusted: [fpCa(ca), fpCa(otherCa)] });
    // 3. retire: only the new CA.
    r.order({ ca: fpCa(otherCa), stage: 'retire' });
    await r.reloader.check();
    expect(trustOf(r.copies.held)).toEqual([fpCa(otherCa)]);
    expect(r.statements).toHaveLength(3); // FLUSH SSL: the SQL port drops the old CA
    // Galera keeps every CA it has loaded until a restart: the leader's restart order is asked for.
    expect(r.reloader.facts()).toEqual({
      served: fingerprintOf(changed.cert), servedCa: fpCa(otherCa), trusted: [fpCa(ca), fpCa(otherCa)],
      pending: `trust:${fpCa(otherCa)}`, needsRestart: true, reason: expect.stringMatching(/^galera: .*drops none/),
    });
    r.reloader.restarted();
    await r.reloader.check();
    expect(r.reloader.facts()).toEqual({ served: fingerprintOf(changed.cert), servedCa: fpCa(otherCa), trusted: [fpCa(otherCa)] });
    r.order(undefined);
    await r.reloader.check();
    expect(r.statements).toHaveLength(3);
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
    // mysqld restarted (run.sh's loop): it read the copies, the baseline is theirs.
    r.reloader.restarted();
    await r.reloader.check();
    expect(r.reloader.facts()).toEqual({ served: fingerprintOf(renewed.cert), servedCa: fpCa(ca), trusted: [fpCa(ca)] });
  });

  test('a trust stage that needs a restart is pending as trust:<fingerprints>', async () => {
    const r = rig(PXC_GALERA_3);
    await r.reloader.check();
    r.swap(filesOf(certs.leaf(otherCa, SANS), otherCa));
    await r.reloader.check();
    expect(r.reloader.facts()).toMatchObject({ pending: `trust:${fpCa(ca)},${fpCa(otherCa)}`, needsRestart: true, trusted: [fpCa(ca)] });
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
    expect(r.reloader.facts()).toEqual({ served: old, servedCa: fpCa(ca), trusted: [fpCa(ca)], pending: fingerprintOf(renewed.cert), needsRestart: true, reason: expect.stringMatching(/--tls-reload=restart/) });
    expect(r.counts.reloads.get('needs-restart')).toBe(1);
    // A bad renewal is still refused, never copied; the restart pending stays what it was.
    const bad = filesOf(certs.leaf(ca, SANS), otherCa);
    r.swap(bad);
    await r.reloader.check();
    expect(r.reloader.facts()).toMatchObject({ refused: { reason: 'UntrustedIssuer' }, pending: fingerprintOf(renewed.cert) });
    expect(r.copies.held?.cert.equals(renewed.cert)).toBe(true);
  });

  test('an account without the privilege (PXC 8.0, KubeDB\'s monitor user): the privilege named, and a restart asked for — trying again would change nothing', async () => {
    const r = rig({ version: '8.0.36-28.1', provider: MARIADB_GALERA.provider, refuse: 'ALTER INSTANCE' });
    await r.reloader.check();
    const renewed = filesOf(certs.leaf(ca, SANS));
    r.swap(renewed);
    await r.reloader.check();
    await r.reloader.check();
    expect(r.reloader.facts()).toMatchObject({ pending: fingerprintOf(renewed.cert), needsRestart: true, reason: expect.stringMatching(/lacks CONNECTION_ADMIN.*a restart loads them instead/) });
    expect(r.counts.reloads.get('needs-restart')).toBe(1);
    expect(r.counts.reloads.get('failed')).toBeUndefined();
  });

  test('a statement that fails otherwise: pending with the reason, tried again later, no restart asked for', async () => {
    const r = rig({ version: '10.11.19-MariaDB', provider: MARIADB_GALERA.provider });
    await r.reloader.check();
    const renewed = filesOf(certs.leaf(ca, SANS));
    r.swap(renewed);
    r.server.down = true;
    await r.reloader.check();
    expect(r.reloader.facts()).toMatchObject({ pending: fingerprintOf(renewed.cert), reason: expect.stringMatching(/ECONNREFUSED/) });
    expect(r.reloader.facts()?.needsRestart).toBeUndefined();
    expect(r.counts.reloads.get('failed')).toBe(1);
    r.server.down = false;
    await r.reloader.check(); // retryMs 0: tried again
    expect(r.statements).toEqual(['FLUSH SSL']);
    expect(r.reloader.facts()).toMatchObject({ served: fingerprintOf(renewed.cert) });
  });
});

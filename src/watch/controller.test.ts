import { certificateName } from '../model/names';
import { SCHEDULING_GATE } from '../model/project';
import { Controller } from './controller';
import { createLogger } from './log';
import { watcherMetrics } from './metrics';
import { CONDITION_TYPE, EVENT_NOT_READY, EVENT_VERIFIED, VERDICT_ANNOTATION, type Warning } from './record';
import { CertFactory, certificate, Pem, secret } from '../tls/testing/certs';
import { FakeApi, pod, statefulSet } from './testing/objects';
import type { PodObject } from './types';

const NS = 'demo';
const DAY = 86400_000;
let certs: CertFactory;
let ca: Pem;
let otherCa: Pem;
const material: Record<string, Pem> = {};

beforeAll(() => {
  certs = new CertFactory();
  ca = certs.ca('px-ca');
  otherCa = certs.ca('px-ca');
  const sans = (db: string) => ({ dnsNames: [`*.${db}-pods.${NS}.svc`, `*.${db}-pods.${NS}.svc.cluster.local`, 'localhost'], ipAddresses: ['127.0.0.1'] });
  for (const db of ['valid', 'wrongca', 'expired', 'notyet', 'nosan', 'keymismatch', 'emptykey', 'garbage', 'twodbs', 'clientonly']) {
    material[db] = db === 'wrongca' ? certs.leaf(otherCa, sans(db))
      : db === 'twodbs' ? certs.leaf(ca, { ...sans(db), dnsNames: [...sans(db).dnsNames, `*.ledger-pods.${NS}.svc`] })
      : db === 'clientonly' ? certs.leaf(ca, { ...sans(db), extendedKeyUsage: 'clientAuth' })
      : db === 'expired' ? certs.leaf(ca, { ...sans(db), notBefore: new Date(Date.now() - 9 * DAY), notAfter: new Date(Date.now() - DAY) })
        : db === 'notyet' ? certs.leaf(ca, { ...sans(db), notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 9 * DAY) })
          : db === 'nosan' ? certs.leaf(ca, { dnsNames: [`*.${db}-pods.${NS}.svc`], ipAddresses: ['127.0.0.1'] })
            : certs.leaf(ca, sans(db));
  }
  material.client = certs.leaf(ca, { commonName: 'root' });
}, 60_000);
afterAll(() => certs.cleanup());

/** A database whose server certificate is `kind`, client certificate valid, three gated pods. */
function database(api: FakeApi, db: string, kind = db): void {
  const server = material[kind]!;
  const data = kind === 'keymismatch' ? { 'tls.crt': server.cert, 'tls.key': material.valid!.key, 'ca.crt': ca.cert }
    : kind === 'emptykey' ? { 'tls.crt': server.cert, 'tls.key': '', 'ca.crt': ca.cert }
      : kind === 'garbage' ? { 'tls.crt': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'tls.key': server.key, 'ca.crt': ca.cert }
        : { 'tls.crt': server.cert, 'tls.key': server.key, 'ca.crt': ca.cert };
  const serverName = certificateName(db, 'server');
  const clientName = certificateName(db, 'client');
  api.put(
    secret(NS, serverName, data), certificate(NS, serverName, serverName, server.cert),
    secret(NS, clientName, { 'tls.crt': material.client!.cert, 'tls.key': material.client!.key, 'ca.crt': ca.cert }), certificate(NS, clientName, clientName, material.client!.cert),
    pod(NS, db, 0), pod(NS, db, 1), pod(NS, db, 2),
    statefulSet(NS, db, { annotations: { 'example.com/keep': 'me' } }),
  );
}

function controller(api: FakeApi, leader = { value: true }, synced = { value: true }, warnings?: (key: string) => Warning[] | undefined) {
  const lines: string[] = [];
  let t = 0;
  const metrics = watcherMetrics({ gatedPods: () => 0, verdicts: () => new Map(), leader: () => leader.value });
  const c: Controller = new Controller({
    caches: api.caches(),
    writer: api.writer(),
    isLeader: () => leader.value,
    synced: () => synced.value,
    clusterDomain: 'cluster.local',
    identity: 'test-replica',
    metrics,
    log: createLogger({ write: (l) => lines.push(l) }),
    now: () => new Date(),
    monotonic: () => (t += 100),
    eventSuffix: () => String(t),
    ...(warnings ? { warnings } : {}),
  }, () => undefined);
  return { c, lines, metrics };
}

const gates = (api: FakeApi, db: string, i: number) => (api.pods.get(`${NS}/${db}-${i}`)!.spec!.schedulingGates ?? []).map((g) => g.name);
const condition = (p: PodObject) => p.status?.conditions?.find((c) => c.type === CONDITION_TYPE);

describe('reconcile: only a database whose certificates all verify is ungated', () => {
  const cases: Array<[string, string, string | null]> = [
    ['valid certificates', 'valid', null],
    ['a server certificate from another CA', 'wrongca', 'UntrustedIssuer'],
    ['an expired server certificate', 'expired', 'Expired'],
    ['a server certificate not yet valid', 'notyet', 'NotYetValid'],
    ['a server certificate missing the cluster-domain and localhost names', 'nosan', 'SANMissing'],
    ['a server key of another certificate', 'keymismatch', 'KeyMismatch'],
    ['an empty server key', 'emptykey', 'SecretMissingData'],
    ['garbage PEM as the server certificate', 'garbage', 'InvalidPEM'],
    ['a server certificate that also names another database\'s pods (no member\'s)', 'twodbs', 'ForeignName'],
    ['a server certificate for client auth only (no member\'s)', 'clientonly', 'NotForMembers'],
  ];

  test.each(cases)('%s', async (...[, db, reason]) => {
    const api = new FakeApi();
    database(api, db!);
    const { c } = controller(api);
    const result = await c.reconcile(`${NS}/${db}`);
    const patched = api.calls.filter((x) => x.op === 'patchPod').map((x) => x.name);
    const pods = [0, 1, 2].map((i) => api.pods.get(`${NS}/${db}-${i}`)!);
    if (reason === null) {
      expect(patched).toEqual([`${db}-0`, `${db}-1`, `${db}-2`]);
      expect([0, 1, 2].map((i) => gates(api, db!, i))).toEqual([[], [], []]);
      expect(pods.map((p) => condition(p)?.status)).toEqual(['True', 'True', 'True']);
      expect(result).toBeUndefined();
    } else {
      expect(patched).toEqual([]);
      expect([0, 1, 2].map((i) => gates(api, db!, i))).toEqual([[SCHEDULING_GATE], [SCHEDULING_GATE], [SCHEDULING_GATE]]);
      expect(pods.map((p) => condition(p)?.reason)).toEqual([reason, reason, reason]);
      expect(result).toEqual({ recheckAfterMs: expect.any(Number) });
    }
    // One event per pod plus one on the StatefulSet, with the reason users see.
    expect(api.events.map((e) => `${e.involvedObject.kind}/${e.involvedObject.name}`)).toEqual([`Pod/${db}-0`, `Pod/${db}-1`, `Pod/${db}-2`, `StatefulSet/${db}`]);
    expect(new Set(api.events.map((e) => e.reason))).toEqual(new Set([reason === null ? EVENT_VERIFIED : EVENT_NOT_READY]));
    if (reason) expect(api.events[0]!.message).toMatch(new RegExp(`^kept gated: ${reason}: `));
    expect(api.events[3]!.involvedObject.uid).toBe(`uid-sts-${db}`);
    // The StatefulSet keeps the verdict: the reason, and the message the pods show.
    const annotation = api.statefulSets.get(`${NS}/${db}`)!.metadata.annotations![VERDICT_ANNOTATION];
    if (reason === null) expect(annotation).toMatch(/^CertificatesVerified: verified 2 certificate Secret\(s\): /);
    else expect(annotation).toBe(`${reason}: ${pods[0]!.status!.conditions!.find((x) => x.type === CONDITION_TYPE)!.message}`);
  });
});

describe('reconcile acts only when something must change', () => {
  test('a second reconcile of the same state writes nothing', async () => {
    const api = new FakeApi();
    database(api, 'wrongca');
    const { c } = controller(api);
    await c.reconcile(`${NS}/wrongca`);
    const before = api.calls.length;
    await c.reconcile(`${NS}/wrongca`);
    expect(api.calls.length).toBe(before);
  });

  test('when the certificate is fixed, the condition turns True and the gates come off', async () => {
    const api = new FakeApi();
    database(api, 'fixme', 'wrongca');
    const { c } = controller(api);
    await c.reconcile(`${NS}/fixme`);
    expect(condition(api.pods.get(`${NS}/fixme-0`)!)?.reason).toBe('UntrustedIssuer');
    const ok = certs.leaf(ca, { dnsNames: [`*.fixme-pods.${NS}.svc`, `*.fixme-pods.${NS}.svc.cluster.local`, 'localhost'], ipAddresses: ['127.0.0.1'] });
    const name = certificateName('fixme', 'server');
    api.put(secret(NS, name, { 'tls.crt': ok.cert, 'tls.key': ok.key, 'ca.crt': ca.cert }), certificate(NS, name, name, ok.cert));
    await c.reconcile(`${NS}/fixme`);
    expect(gates(api, 'fixme', 0)).toEqual([]);
    expect(condition(api.pods.get(`${NS}/fixme-0`)!)).toMatchObject({ status: 'True', reason: 'CertificatesVerified' });
  });

  test('other gates stay: only ours is removed, by a test-guarded patch at its index', async () => {
    const api = new FakeApi();
    database(api, 'valid');
    api.put(pod(NS, 'valid', 0, { gates: ['example.com/first', SCHEDULING_GATE, 'example.com/last'] }));
    const { c } = controller(api);
    await c.reconcile(`${NS}/valid`);
    expect(gates(api, 'valid', 0)).toEqual(['example.com/first', 'example.com/last']);
    expect(api.calls.find((x) => x.op === 'patchPod' && x.name === 'valid-0')!.body).toEqual([
      { op: 'test', path: '/spec/schedulingGates/1/name', value: SCHEDULING_GATE },
      { op: 'remove', path: '/spec/schedulingGates/1' },
    ]);
  });

  test('a follower evaluates nothing and writes nothing', async () => {
    const api = new FakeApi();
    database(api, 'valid');
    const { c } = controller(api, { value: false });
    await c.reconcile(`${NS}/valid`);
    expect(api.calls).toEqual([]);
  });

  test('nothing is evaluated before every informer has listed (a Secret not listed yet is not a missing Secret)', async () => {
    const api = new FakeApi();
    database(api, 'valid');
    const synced = { value: false };
    const { c } = controller(api, { value: true }, synced);
    await c.reconcile(`${NS}/valid`);
    expect(api.calls).toEqual([]);
    synced.value = true;
    await c.reconcile(`${NS}/valid`);
    expect(api.calls.filter((x) => x.op === 'patchPod')).toHaveLength(3);
  });

  test('losing leadership mid-reconcile stops the writes', async () => {
    const api = new FakeApi();
    database(api, 'valid');
    const leader = { value: true };
    const { c } = controller(api, leader);
    const writer = api.writer();
    const patchPod = writer.patchPod;
    // The gate removals go out together, while leading; leadership is lost before they return.
    (c as unknown as { deps: { writer: typeof writer } }).deps.writer = { ...writer, patchPod: async (...a) => { leader.value = false; await patchPod(...a); } };
    await c.reconcile(`${NS}/valid`);
    expect(api.calls.filter((x) => x.op === 'patchPod').map((x) => x.name).sort()).toEqual(['valid-0']);
    expect(api.calls.filter((x) => x.op !== 'patchPod')).toEqual([]); // no condition, event or annotation after
  });

  test('a superseded reconcile leaves its verdict writes to the next run, unless it removed gates', async () => {
    const api = new FakeApi();
    database(api, 'wrongca');
    database(api, 'valid');
    const { c } = controller(api, { value: true });
    await c.reconcile(`${NS}/wrongca`, () => true);
    expect(api.calls).toEqual([]);
    await c.reconcile(`${NS}/wrongca`);
    expect(new Set(api.calls.map((x) => x.op))).toEqual(new Set(['patchPodStatus', 'createEvent', 'getStatefulSet', 'patchStatefulSet']));
    // Superseded only after its conditions went out: it still writes the annotation those changes
    // make due — the next run finds the conditions current, and nothing else due.
    const pods2 = new FakeApi();
    database(pods2, 'wrongca');
    const { c: c2 } = controller(pods2, { value: true });
    let asked = 0;
    await c2.reconcile(`${NS}/wrongca`, () => asked++ > 0);
    expect(pods2.calls.filter((x) => x.op === 'patchStatefulSet')).toHaveLength(1);
    api.calls.length = 0;
    // Ungated pods are settled: no later run looks at them, so this one records their verdict.
    await c.reconcile(`${NS}/valid`, () => true);
    expect(new Set(api.calls.map((x) => x.op))).toEqual(new Set(['patchPod', 'patchPodStatus', 'createEvent', 'getStatefulSet', 'patchStatefulSet']));
    expect(api.calls.filter((x) => x.op === 'patchPodStatus')).toHaveLength(3);
  });

  test('a refused gate patch (422: the gates moved) is not retried blindly; a 500 is thrown for the queue to retry', async () => {
    const api = new FakeApi();
    database(api, 'valid');
    const { c } = controller(api);
    api.failNext.set('patchPod', 422);
    await expect(c.reconcile(`${NS}/valid`)).resolves.toBeUndefined();
    expect(gates(api, 'valid', 0)).toEqual([SCHEDULING_GATE]);
    expect(gates(api, 'valid', 1)).toEqual([]);
    api.failNext.set('patchPod', 500);
    await expect(c.reconcile(`${NS}/valid`)).rejects.toThrow('HTTP 500');
  });

  test('the ungate latency is measured even when our own watch event arrives before the patch response', async () => {
    const api = new FakeApi();
    database(api, 'valid');
    const { c, metrics } = controller(api);
    for (const p of api.pods.values()) c.onPod('add', p);
    const writer = api.writer();
    (c as unknown as { deps: { writer: typeof writer } }).deps.writer = {
      ...writer,
      patchPod: async (ns, name, patch) => {
        await writer.patchPod(ns, name, patch);
        c.onPod('update', api.pods.get(`${ns}/${name}`)!); // the watch is faster than the response
      },
    };
    await c.reconcile(`${NS}/valid`);
    expect(metrics.ungateLatency.snapshot().count).toBe(3);
    expect(metrics.ungated.get()).toBe(3);
  });

  test('a lost event never blocks the gate', async () => {
    const api = new FakeApi();
    database(api, 'valid');
    const { c, lines } = controller(api);
    api.failNext.set('createEvent', 403);
    await c.reconcile(`${NS}/valid`);
    expect([0, 1, 2].map((i) => gates(api, 'valid', i))).toEqual([[], [], []]);
    expect(lines.join('')).toMatch(/could not record an event/);
  });

  test('pods of other databases and ungated pods already verified are left alone', async () => {
    const api = new FakeApi();
    database(api, 'valid');
    database(api, 'wrongca');
    const { c } = controller(api);
    await c.reconcile(`${NS}/valid`);
    expect(new Set(api.calls.map((x) => x.name.replace(/\..*$/, '').replace(/-\d$/, '')))).toEqual(new Set(['valid']));
    const count = api.calls.length;
    await c.reconcile(`${NS}/valid`);
    expect(api.calls.length).toBe(count);
  });

  test('a gated pod that mounts no certificate Secret stays gated with NoCertificateVolumes', async () => {
    const api = new FakeApi();
    api.put(pod(NS, 'bare', 0, { aliases: [] }));
    const { c } = controller(api);
    await c.reconcile(`${NS}/bare`);
    expect(gates(api, 'bare', 0)).toEqual([SCHEDULING_GATE]);
    expect(condition(api.pods.get(`${NS}/bare-0`)!)?.reason).toBe('NoCertificateVolumes');
  });
});

describe('the verdict annotation on the StatefulSet: written only when it is missing or differs', () => {
  const sts = (api: FakeApi, db: string) => api.statefulSets.get(`${NS}/${db}`)!;
  const verdictOn = (api: FakeApi, db: string) => sts(api, db).metadata.annotations?.[VERDICT_ANNOTATION];
  const ops = (api: FakeApi, from = 0) => api.calls.slice(from).filter((x) => x.op === 'getStatefulSet' || x.op === 'patchStatefulSet').map((x) => `${x.op} ${x.name}`);
  const fixServer = (api: FakeApi, db: string) => {
    const ok = certs.leaf(ca, { dnsNames: [`*.${db}-pods.${NS}.svc`, `*.${db}-pods.${NS}.svc.cluster.local`, 'localhost'], ipAddresses: ['127.0.0.1'] });
    const name = certificateName(db, 'server');
    api.put(secret(NS, name, { 'tls.crt': ok.cert, 'tls.key': ok.key, 'ca.crt': ca.cert }), certificate(NS, name, name, ok.cert));
  };

  test('one GET, one JSON merge patch of that one annotation (and the UID as a precondition): never the spec, other annotations stay', async () => {
    const api = new FakeApi();
    database(api, 'valid');
    const { c } = controller(api);
    await c.reconcile(`${NS}/valid`);
    expect(ops(api)).toEqual(['getStatefulSet valid', 'patchStatefulSet valid']);
    const value = verdictOn(api, 'valid')!;
    expect(api.calls.find((x) => x.op === 'patchStatefulSet')!.body).toEqual({ metadata: { uid: 'uid-sts-valid', annotations: { [VERDICT_ANNOTATION]: value } } });
    expect(sts(api, 'valid').metadata.annotations).toEqual({ 'example.com/keep': 'me', [VERDICT_ANNOTATION]: value });
    // All of it is after the gates came off: the annotation never delays ungating.
    expect(api.calls.findIndex((x) => x.op === 'getStatefulSet')).toBeGreaterThan(api.calls.map((x) => x.op).lastIndexOf('patchPod'));
  });

  test('a failing verdict looked at again with nothing changed costs no API call; a new verdict is written over the old one', async () => {
    const api = new FakeApi();
    database(api, 'fixme', 'wrongca');
    const { c } = controller(api);
    await c.reconcile(`${NS}/fixme`);
    expect(verdictOn(api, 'fixme')).toMatch(/^UntrustedIssuer: Secret demo\/fixme-server-cert: /);
    const before = api.calls.length;
    await c.reconcile(`${NS}/fixme`);
    await c.reconcile(`${NS}/fixme`);
    expect(api.calls.length).toBe(before);
    fixServer(api, 'fixme');
    await c.reconcile(`${NS}/fixme`);
    expect(ops(api, before)).toEqual(['getStatefulSet fixme', 'patchStatefulSet fixme']);
    expect(verdictOn(api, 'fixme')).toMatch(/^CertificatesVerified: /);
  });

  test('a StatefulSet that already shows the verdict (written by the previous leader) is read, not written', async () => {
    const api = new FakeApi();
    database(api, 'wrongca');
    await controller(api).c.reconcile(`${NS}/wrongca`);
    const shown = verdictOn(api, 'wrongca');
    // A new leader: fresh memory, pods still gated and already showing the verdict.
    const from = api.calls.length;
    await controller(api).c.reconcile(`${NS}/wrongca`);
    expect(ops(api, from)).toEqual(['getStatefulSet wrongca']);
    expect(verdictOn(api, 'wrongca')).toBe(shown);
  });

  test('removed (a Replace=true sync): written again as soon as the pods change, even at the same verdict', async () => {
    const api = new FakeApi();
    database(api, 'wrongca');
    const { c } = controller(api);
    await c.reconcile(`${NS}/wrongca`);
    const shown = verdictOn(api, 'wrongca')!;
    // The sync replaces the StatefulSet with Git's: our annotation is gone, the UID stays.
    api.put({ metadata: { ...sts(api, 'wrongca').metadata, annotations: { 'example.com/keep': 'me' } } });
    // A pod restarts: the StatefulSet controller creates it again, gated, without our condition.
    api.put(pod(NS, 'wrongca', 1));
    const from = api.calls.length;
    await c.reconcile(`${NS}/wrongca`);
    expect(ops(api, from)).toEqual(['getStatefulSet wrongca', 'patchStatefulSet wrongca']);
    expect(verdictOn(api, 'wrongca')).toBe(shown);
  });

  test('removed, then the verdict changes: written again', async () => {
    const api = new FakeApi();
    database(api, 'fixme', 'wrongca');
    const { c } = controller(api);
    await c.reconcile(`${NS}/fixme`);
    api.put({ metadata: { ...sts(api, 'fixme').metadata, annotations: {} } });
    fixServer(api, 'fixme');
    await c.reconcile(`${NS}/fixme`);
    expect(verdictOn(api, 'fixme')).toMatch(/^CertificatesVerified: /);
  });

  test('a failed patch does not hold the gates; the queue\'s retry writes it once the pods have settled', async () => {
    const api = new FakeApi();
    database(api, 'valid');
    const { c, metrics } = controller(api);
    api.failNext.set('patchStatefulSet', 500);
    await expect(c.reconcile(`${NS}/valid`)).rejects.toThrow('HTTP 500');
    expect([0, 1, 2].map((i) => gates(api, 'valid', i))).toEqual([[], [], []]);
    expect(verdictOn(api, 'valid')).toBeUndefined();
    expect(metrics.apiErrors.get({ operation: 'patch-statefulset' })).toBe(1);
    // Nothing left to settle on the pods; the retry still owes the StatefulSet its annotation.
    const from = api.calls.length;
    await expect(c.reconcile(`${NS}/valid`)).resolves.toBeUndefined();
    expect(api.calls.slice(from).map((x) => x.op)).toEqual(['getStatefulSet', 'patchStatefulSet']);
    expect(verdictOn(api, 'valid')).toMatch(/^CertificatesVerified: /);
    await c.reconcile(`${NS}/valid`);
    expect(api.calls.length).toBe(from + 2); // done: nothing owed any more
  });

  test('no RBAC for StatefulSets (403 on the GET): the pods are ungated all the same, and the reconcile fails for the queue to retry', async () => {
    const api = new FakeApi();
    database(api, 'valid');
    const { c, metrics } = controller(api);
    api.failNext.set('getStatefulSet', 403);
    await expect(c.reconcile(`${NS}/valid`)).rejects.toThrow('HTTP 403');
    expect([0, 1, 2].map((i) => gates(api, 'valid', i))).toEqual([[], [], []]);
    expect(metrics.apiErrors.get({ operation: 'get-statefulset' })).toBe(1);
  });

  test('a StatefulSet replaced under the same name (another UID) is left alone; so is one replaced between GET and patch (422)', async () => {
    const api = new FakeApi();
    database(api, 'wrongca');
    api.put(statefulSet(NS, 'wrongca', { uid: 'uid-someone-else' }));
    const { c } = controller(api);
    await expect(c.reconcile(`${NS}/wrongca`)).resolves.toEqual({ recheckAfterMs: expect.any(Number) });
    expect(ops(api)).toEqual(['getStatefulSet wrongca']);
    expect(verdictOn(api, 'wrongca')).toBeUndefined();

    const api2 = new FakeApi();
    database(api2, 'wrongca');
    api2.failNext.set('patchStatefulSet', 422);
    await expect(controller(api2).c.reconcile(`${NS}/wrongca`)).resolves.toEqual({ recheckAfterMs: expect.any(Number) });
    expect(ops(api2)).toEqual(['getStatefulSet wrongca', 'patchStatefulSet wrongca']);
  });

  test('a deleted StatefulSet (404) or pods without a StatefulSet controller: nothing to annotate', async () => {
    const api = new FakeApi();
    database(api, 'wrongca');
    api.statefulSets.clear();
    const { c } = controller(api);
    await expect(c.reconcile(`${NS}/wrongca`)).resolves.toEqual({ recheckAfterMs: expect.any(Number) });
    expect(ops(api)).toEqual(['getStatefulSet wrongca']);

    const orphan = new FakeApi();
    database(orphan, 'valid');
    for (const p of orphan.pods.values()) delete p.metadata.ownerReferences;
    await controller(orphan).c.reconcile(`${NS}/valid`);
    expect(ops(orphan)).toEqual([]);
    expect([0, 1, 2].map((i) => gates(orphan, 'valid', i))).toEqual([[], [], []]);
  });

  test('a follower reads no StatefulSet either', async () => {
    const api = new FakeApi();
    database(api, 'wrongca');
    await controller(api, { value: false }).c.reconcile(`${NS}/wrongca`);
    expect(ops(api)).toEqual([]);
  });
});

describe('the credentials the pods take from Secrets gate them too', () => {
  const withMonitorEnv = (p: PodObject): PodObject => {
    p.spec!.containers = [{ name: 'perconaxtradb', env: [
      { name: 'MONITOR_USERNAME', valueFrom: { secretKeyRef: { name: 'valid-monitor', key: 'username' } } },
      { name: 'MONITOR_PASSWORD', valueFrom: { secretKeyRef: { name: 'valid-monitor', key: 'password' } } },
    ] }];
    return p;
  };
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  test('verified certificates but a missing, then empty, monitor Secret keep the pods gated (CredentialsMissing); filled, they go', async () => {
    const api = new FakeApi();
    database(api, 'valid', 'valid');
    for (let i = 0; i < 3; i++) withMonitorEnv(api.pods.get(`${NS}/valid-${i}`)!);
    const { c } = controller(api);
    await c.reconcile(`${NS}/valid`);
    expect(gates(api, 'valid', 0)).toEqual([SCHEDULING_GATE]);
    expect(condition(api.pods.get(`${NS}/valid-0`)!)).toMatchObject({ status: 'False', reason: 'CredentialsMissing', message: expect.stringMatching(/^Secret demo\/valid-monitor does not exist; the pods take password from it \(MONITOR_PASSWORD\)$/) });
    api.put({ metadata: { name: 'valid-monitor', namespace: NS }, type: 'kubernetes.io/basic-auth', data: { username: '', password: b64('pw') } });
    await c.reconcile(`${NS}/valid`);
    expect(gates(api, 'valid', 1)).toEqual([SCHEDULING_GATE]);
    expect(condition(api.pods.get(`${NS}/valid-1`)!)!.message).toMatch(/has an empty username \(MONITOR_USERNAME\)/);
    api.put({ metadata: { name: 'valid-monitor', namespace: NS }, type: 'kubernetes.io/basic-auth', data: { username: b64('monitor'), password: b64('pw') } });
    await c.reconcile(`${NS}/valid`);
    expect([0, 1, 2].map((i) => gates(api, 'valid', i))).toEqual([[], [], []]);
  });
});

describe('warnings ride along in the verdict annotation, after the verdict, and never hold a gate', () => {
  const verdictOn = (api: FakeApi, db: string) => api.statefulSets.get(`${NS}/${db}`)!.metadata.annotations?.[VERDICT_ANNOTATION];
  const ops = (api: FakeApi, from = 0) => api.calls.slice(from).filter((x) => x.op === 'getStatefulSet' || x.op === 'patchStatefulSet').map((x) => x.op);
  const STALE: Warning = { reason: 'ServedCertificateStale', message: 'the certificate demo/valid-1 serves (valid until 2027-01-01T00:00:00Z) is older than its Secret\'s' };
  const CA: Warning = { reason: 'CARekeyedAtRenewal', message: 'Certificate demo/px-ca (isCA: true) writes Secret px-ca | and more' };

  async function settled(warnings: { list: Warning[] }) {
    const api = new FakeApi();
    database(api, 'valid');
    const ctl = controller(api, { value: true }, { value: true }, () => warnings.list);
    await ctl.c.reconcile(`${NS}/valid`); // ungates, shows the verdict
    return { api, ctl };
  }

  test('a gated database: the verdict and the warnings are written together; the pods are ungated all the same', async () => {
    const api = new FakeApi();
    database(api, 'valid');
    await controller(api, { value: true }, { value: true }, () => [CA]).c.reconcile(`${NS}/valid`);
    expect([0, 1, 2].map((i) => gates(api, 'valid', i))).toEqual([[], [], []]);
    expect(verdictOn(api, 'valid')).toBe(
      'CertificatesVerified: verified 2 certificate Secret(s): valid-server-cert, valid-client-cert | CARekeyedAtRenewal: Certificate demo/px-ca (isCA: true) writes Secret px-ca / and more',
    );
  });

  test('a settled database whose warnings change: one GET, one patch; the verdict it shows stays first', async () => {
    const warnings = { list: [] as Warning[] };
    const { api, ctl } = await settled(warnings);
    const verdict = verdictOn(api, 'valid')!;
    expect(verdict).toMatch(/^CertificatesVerified: /);
    const from = api.calls.length;
    warnings.list = [STALE];
    ctl.c.warningsChanged(`${NS}/valid`);
    await ctl.c.reconcile(`${NS}/valid`);
    expect(ops(api, from)).toEqual(['getStatefulSet', 'patchStatefulSet']);
    expect(verdictOn(api, 'valid')).toBe(`${verdict} | ServedCertificateStale: ${STALE.message}`);
    // No pod condition or event comes from a warning: the verdict is not judged again.
    expect(api.calls.slice(from).filter((x) => x.op !== 'getStatefulSet' && x.op !== 'patchStatefulSet')).toEqual([]);
    // Cleared: back to the verdict alone.
    warnings.list = [];
    ctl.c.warningsChanged(`${NS}/valid`);
    await ctl.c.reconcile(`${NS}/valid`);
    expect(verdictOn(api, 'valid')).toBe(verdict);
  });

  test('reconciles of a settled database without a warnings change cost no call; a change to what is already shown costs none either', async () => {
    const warnings = { list: [STALE] };
    const { api, ctl } = await settled(warnings);
    const from = api.calls.length;
    await ctl.c.reconcile(`${NS}/valid`);
    ctl.c.warningsChanged(`${NS}/valid`); // reported again, the same
    await ctl.c.reconcile(`${NS}/valid`);
    expect(ops(api, from)).toEqual([]);
  });

  test('a new leader finding the warnings already shown reads the StatefulSet once and writes nothing', async () => {
    const warnings = { list: [STALE] };
    const { api } = await settled(warnings);
    const shown = verdictOn(api, 'valid');
    const fresh = controller(api, { value: true }, { value: true }, () => warnings.list);
    const from = api.calls.length;
    fresh.c.warningsChanged(`${NS}/valid`);
    await fresh.c.reconcile(`${NS}/valid`);
    expect(ops(api, from)).toEqual(['getStatefulSet']);
    expect(verdictOn(api, 'valid')).toBe(shown);
  });

  test('a database never gated (no verdict shown): warnings alone; once cleared, the annotation is removed', async () => {
    const api = new FakeApi();
    database(api, 'valid');
    for (const i of [0, 1, 2]) api.pods.get(`${NS}/valid-${i}`)!.spec!.schedulingGates = [];
    const warnings = { list: [CA] };
    const { c } = controller(api, { value: true }, { value: true }, () => warnings.list);
    c.warningsChanged(`${NS}/valid`);
    await c.reconcile(`${NS}/valid`);
    expect(verdictOn(api, 'valid')).toBe('CARekeyedAtRenewal: Certificate demo/px-ca (isCA: true) writes Secret px-ca / and more');
    warnings.list = [];
    c.warningsChanged(`${NS}/valid`);
    await c.reconcile(`${NS}/valid`);
    expect(api.calls.filter((x) => x.op === 'patchStatefulSet').pop()!.body).toEqual({ metadata: { uid: 'uid-sts-valid', annotations: { [VERDICT_ANNOTATION]: null } } });
    expect(api.statefulSets.get(`${NS}/valid`)!.metadata.annotations).toEqual({ 'example.com/keep': 'me' });
  });

  test('before the warnings of a database are known (a new leader, its first look not done yet), those the StatefulSet shows are kept', async () => {
    const api = new FakeApi();
    database(api, 'wrongca');
    await controller(api, { value: true }, { value: true }, () => [CA]).c.reconcile(`${NS}/wrongca`);
    const shown = verdictOn(api, 'wrongca')!;
    expect(shown).toMatch(/^UntrustedIssuer: .* \| CARekeyedAtRenewal: /);
    // A new leader: the gated pods are judged again before its renewal monitor has run.
    const known = { value: undefined as Warning[] | undefined };
    const fresh = controller(api, { value: true }, { value: true }, () => known.value);
    const from = api.calls.length;
    await fresh.c.reconcile(`${NS}/wrongca`);
    expect(ops(api, from)).toEqual(['getStatefulSet']);
    expect(verdictOn(api, 'wrongca')).toBe(shown);
    // Once known, they are what is shown.
    known.value = [];
    fresh.c.warningsChanged(`${NS}/wrongca`);
    await fresh.c.reconcile(`${NS}/wrongca`);
    expect(verdictOn(api, 'wrongca')).toBe(shown.split(' | ')[0]);
  });

  test('a follower notes the change and writes it once it leads', async () => {
    const leader = { value: false };
    const api = new FakeApi();
    database(api, 'valid');
    for (const i of [0, 1, 2]) api.pods.get(`${NS}/valid-${i}`)!.spec!.schedulingGates = [];
    const { c } = controller(api, leader, { value: true }, () => [CA]);
    c.warningsChanged(`${NS}/valid`);
    await c.reconcile(`${NS}/valid`);
    expect(api.calls).toEqual([]);
    leader.value = true;
    await c.reconcile(`${NS}/valid`);
    expect(verdictOn(api, 'valid')).toMatch(/^CARekeyedAtRenewal: /);
  });
});

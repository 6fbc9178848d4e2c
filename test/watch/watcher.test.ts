// The watcher on the real control plane (kube-apiserver + etcd + cert-manager + the StatefulSet
// controller, test/cluster): render → apply → the controller's gated pods → the built bundle
// (`node dist/pxc-tls.cjs watch`) ungates them only once cert-manager has filled their Secrets.
// No node takes these pods: "ungated" means the gate is gone from the Pod (flow.test.ts runs them
// on kwok nodes).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { apply, createNamespace, getJson, kubectlOk, waitFor } from '../cluster/kube';
import { CertFactory } from '../../src/tls/testing/certs';
import {
  caIssuer, createPods, eventually, GATE, httpGet, metricValue, perconaXtraDB, podCondition, podGates, recreatePod, render, sleep,
  startWatcher, toApply, toYaml, type KObject, type WatcherProcess,
} from './fixture';
import { awaitPodPolicies, exampleDocs, NAMESPACED_RBAC_KINDS, tokenKubeconfig } from './identity';

jest.setTimeout(300_000);

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set: run through the jest project \`cluster\``);
  return v;
};

const watchers: WatcherProcess[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'pxc-tls-watch-e2e-'));
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((w) => w.stop('SIGKILL')));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function renderDb(name: string, ns: string, replicas = 3): Promise<KObject[]> {
  return toApply(await render([perconaXtraDB(name, ns, replicas)]));
}

/** Never any key material in the watcher's output. */
function expectNoSecretsLogged(w: WatcherProcess): void {
  expect(w.output()).not.toMatch(/-----BEGIN|PRIVATE KEY|LS0tLS1CRUdJTi/);
}

const VERDICT = 'pxc-tls.dev/certificates-verdict';

/** The verdict annotation on a StatefulSet, or undefined. */
async function stsVerdict(ns: string, name: string): Promise<string | undefined> {
  return (await getJson(['get', 'statefulset', name, '-n', ns])).metadata.annotations?.[VERDICT];
}

/** The watcher running with the example's namespaced RBAC only (a ServiceAccount token), under
 * the example's admission policies (cluster-scoped: they bind every pxc-tls-watch ServiceAccount):
 * the StatefulSet's (verdict annotation only) and the pods' (own gate, own condition only). */
async function watcherWithExampleRbac(ns: string, name: string): Promise<WatcherProcess> {
  const docs = await exampleDocs('.', NAMESPACED_RBAC_KINDS);
  const policies = docs.map((d) => parse(d)).filter((o) => o.kind === 'ValidatingAdmissionPolicy').map((o) => o.metadata.name).sort();
  expect(policies).toEqual(['pxc-tls-agent-member-facts-only', 'pxc-tls-watch-galera-decisions-only', 'pxc-tls-watch-pod-condition-only', 'pxc-tls-watch-pod-gate-only', 'pxc-tls-watch-statefulset-verdict-only']);
  await kubectlOk(['apply', '--server-side', '--field-manager=pxc-tls-test', '-n', ns, '-f', '-'], { input: docs.join('---\n') });
  const kubeconfig = await tokenKubeconfig(tmp, ns, 'pxc-tls-watch');
  await awaitPodPolicies(kubeconfig, ns);
  const w = startWatcher({ name, kubeconfig, namespaces: [ns], leaseNamespace: ns });
  watchers.push(w);
  return w;
}

describe('pxc-tls watch on the real control plane', () => {
  test('pods stay gated until cert-manager has filled the Secrets, then all are ungated — with the example RBAC only', async () => {
    const ns = await createNamespace('watch-issue');
    const objects = await renderDb('orders', ns);
    await apply(toYaml(objects)); // no Issuer yet: cert-manager cannot issue
    const pods = await createPods(ns, 'orders', 3);
    const w = await watcherWithExampleRbac(ns, 'rbac-watcher');
    await w.waitLog('became leader');

    // Gated, and the pods say why.
    const first = await eventually('a verdict on orders-0', () => podCondition(ns, 'orders-0'));
    expect(first.status).toBe('False');
    expect(['SecretMissingData', 'CertificateNotReady']).toContain(first.reason);
    await sleep(3000);
    for (const pod of pods) expect(await podGates(ns, pod)).toEqual([GATE]);
    // The StatefulSet says why too, and keeps saying it after the Events expire.
    const gatedVerdict = await eventually('the verdict annotation on the StatefulSet', () => stsVerdict(ns, 'orders'));
    expect(gatedVerdict).toMatch(/^(SecretMissingData|CertificateNotReady): /);

    // The issuer appears; cert-manager fills the placeholders; the watcher ungates.
    await caIssuer(ns);
    for (const pod of pods) await eventually(`${pod} ungated`, async () => ((await podGates(ns, pod)).length === 0 ? true : undefined), 120_000);

    // When the gates came off, every Secret held verified material and every Certificate was Ready.
    for (const alias of ['server', 'client']) {
      const secret = await getJson(['get', 'secret', `orders-${alias}-cert`, '-n', ns]);
      expect(Object.keys(secret.data ?? {}).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
      await waitFor(`certificate/orders-${alias}-cert`, 'condition=Ready', { namespace: ns });
    }
    for (const pod of pods) expect(await podCondition(ns, pod)).toMatchObject({ status: 'True', reason: 'CertificatesVerified' });
    const events = await getJson(['get', 'events', '-n', ns, '--field-selector', 'reason=CertificatesVerified']);
    const involved = events.items.map((e: any) => `${e.involvedObject.kind}/${e.involvedObject.name}`).sort();
    expect(involved).toEqual(['Pod/orders-0', 'Pod/orders-1', 'Pod/orders-2', 'StatefulSet/orders']);
    // `kubectl describe statefulset` finds its event (the UID matches).
    expect(await kubectlOk(['describe', 'statefulset', 'orders', '-n', ns])).toMatch(/CertificatesVerified\s+\S+\s+pxc-tls-watch\s+removed the scheduling gate from orders-0, orders-1, orders-2/);
    // …and carries the verdict as an annotation, written by the ServiceAccount with the example's
    // admission policy installed; the watcher's field manager owns that one key and nothing else.
    const verdict = await eventually('the verified annotation', async () => {
      const v = await stsVerdict(ns, 'orders');
      return v?.startsWith('CertificatesVerified: ') ? v : undefined;
    }, 30_000);
    expect(verdict).toBe('CertificatesVerified: verified 2 certificate Secret(s): orders-server-cert, orders-client-cert');
    expect((await kubectlOk(['get', 'statefulset', 'orders', '-n', ns, '-o', 'jsonpath={.metadata.annotations.pxc-tls\\.dev/certificates-verdict}']))).toBe(verdict);
    const sts = await getJson(['get', 'statefulset', 'orders', '-n', ns, '--show-managed-fields']);
    const ours = sts.metadata.managedFields.filter((m: any) => m.manager === 'pxc-tls-watch');
    expect(ours).toEqual([expect.objectContaining({ operation: 'Update', fieldsV1: { 'f:metadata': { 'f:annotations': { [`f:${VERDICT}`]: {} } } } })]);
    expect(w.lines.filter((l) => l.msg === 'verdict annotation written').map((l) => l.verdict).pop()).toBe(verdict);
    // Neither RBAC nor a policy refused any call: the gate removals and the conditions passed the
    // pod policies (enforced before the watcher started), the annotation the StatefulSet's.
    expect(w.lines.filter((l) => l.msg === 'reconcile failed; retrying' && /403|forbidden|denied/i.test(JSON.stringify(l)))).toEqual([]);
    expectNoSecretsLogged(w);
  });

  test('a Secret whose certificate is not from the CA in ca.crt keeps the pods gated, with UntrustedIssuer', async () => {
    const ns = await createNamespace('watch-rogue');
    await caIssuer(ns);
    const objects = await renderDb('ledger', ns);
    await apply(toYaml(objects));
    for (const alias of ['server', 'client', 'metrics-exporter']) {
      await waitFor(`certificate/ledger-${alias}-cert`, 'condition=Ready', { namespace: ns, timeoutMs: 120_000 });
    }
    // Another CA's certificate as the trust anchor of the server Secret (as after a botched CA swap).
    const certs = new CertFactory();
    try {
      const rogue = certs.ca('px-issuer-ca'); // same name as the real CA: only the signature differs
      await kubectlOk(['patch', 'secret', 'ledger-server-cert', '-n', ns, '--type', 'merge', '-p',
        JSON.stringify({ data: { 'ca.crt': Buffer.from(rogue.cert).toString('base64') } })]);
    } finally {
      certs.cleanup();
    }
    const pods = await createPods(ns, 'ledger', 3);
    const w = startWatcher({ name: 'rogue-watcher', namespaces: [ns], leaseNamespace: ns });
    watchers.push(w);
    for (const pod of pods) {
      const c = await eventually(`${pod} shows a verdict`, () => podCondition(ns, pod));
      expect(c).toMatchObject({ status: 'False', reason: 'UntrustedIssuer' });
      expect(c!.message).toMatch(/Secret .*\/ledger-server-cert: the certificate \(issuer "CN=px-issuer-ca"\) is not signed by any of the 1 certificate\(s\) in ca\.crt/);
    }
    await sleep(5000);
    for (const pod of pods) expect(await podGates(ns, pod)).toEqual([GATE]);
    const events = await getJson(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=ledger-0,reason=CertificatesNotReady']);
    expect(events.items.map((e: any) => e.message)).toEqual([expect.stringMatching(/^kept gated: UntrustedIssuer: /)]);
    // The StatefulSet carries the failing reason, with the message the pods show.
    const condition = (await podCondition(ns, 'ledger-0'))!;
    const shown = await eventually('the verdict annotation', () => stsVerdict(ns, 'ledger'));
    expect(shown).toBe(`UntrustedIssuer: ${condition.message}`);

    // A Replace=true sync puts Git's StatefulSet back, without the annotation (same object, same UID)…
    const rendered = objects.filter((o) => o.kind === 'StatefulSet');
    await kubectlOk(['replace', '-f', '-'], { input: toYaml(rendered) });
    expect(await stsVerdict(ns, 'ledger')).toBeUndefined();
    // …and the next time the pods change (here: ledger-2 is deleted and the StatefulSet controller
    // creates it again, gated), the watcher writes it again, at the same verdict.
    await recreatePod(ns, 'ledger-2');
    expect(await eventually('the annotation written again', () => stsVerdict(ns, 'ledger'), 30_000)).toBe(shown);
    const metrics = await w.metrics();
    expect(metricValue(metrics, 'pxc_tls_database_verdicts', { reason: 'UntrustedIssuer' })).toBe(1);
    expect(metricValue(metrics, 'pxc_tls_gated_pods')).toBe(3);
    expect(metricValue(metrics, 'pxc_tls_leader')).toBe(1);
    expectNoSecretsLogged(w);
  });

  test('two replicas: one leads; kill -9 the leader and the follower takes over and ungates', async () => {
    const ns = await createNamespace('watch-ha');
    await caIssuer(ns);
    const a = startWatcher({ name: 'replica-a', namespaces: [ns], leaseNamespace: ns });
    watchers.push(a);
    await a.waitLog('became leader');
    const b = startWatcher({ name: 'replica-b', namespaces: [ns], leaseNamespace: ns });
    watchers.push(b);
    await b.waitLog('informer synced');
    await sleep(3000);
    expect(b.lines.some((l) => l.msg === 'became leader')).toBe(false);
    expect(metricValue(await b.metrics(), 'pxc_tls_leader')).toBe(0);
    expect((await httpGet(await b.port(), '/readyz')).status).toBe(200); // followers are ready too

    const killedAt = Date.now();
    await a.stop('SIGKILL');
    // A database appears while nobody leads.
    const objects = await renderDb('shop', ns);
    await apply(toYaml(objects));
    const pods = await createPods(ns, 'shop', 3);
    await b.waitLog('became leader', 60_000);
    const tookOverMs = Date.now() - killedAt;
    for (const pod of pods) await eventually(`${pod} ungated by the new leader`, async () => ((await podGates(ns, pod)).length === 0 ? true : undefined), 120_000);
    const lease = await getJson(['get', 'lease', 'pxc-tls-watch', '-n', ns]);
    expect(lease.spec.holderIdentity).toBe('replica-b');
    expect(lease.spec.leaseTransitions).toBeGreaterThanOrEqual(1);
    console.log(`leader killed (SIGKILL): the follower took over after ${(tookOverMs / 1000).toFixed(1)} s (lease duration 15 s)`);

    // A graceful stop releases the Lease: a new replica takes over at once.
    const c = startWatcher({ name: 'replica-c', namespaces: [ns], leaseNamespace: ns });
    watchers.push(c);
    await c.waitLog('informer synced');
    const stoppedAt = Date.now();
    expect(await b.stop('SIGTERM')).toBe(0);
    expect(b.lines.map((l) => l.msg)).toContain('released the leader Lease');
    await c.waitLog('became leader', 30_000);
    console.log(`leader stopped (SIGTERM, Lease released): the follower took over after ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s`);
  });
});

describe('ungate latency', () => {
  test('many databases: from the last Certificate of a database turning Ready to its pods ungated (a figure, not an assertion on time)', async () => {
    const DATABASES = 8;
    const ns = await createNamespace('watch-latency');
    await caIssuer(ns);
    await waitFor('issuer/px-issuer', 'condition=Ready', { namespace: ns, timeoutMs: 120_000 });
    const names = Array.from({ length: DATABASES }, (_, i) => `db${i}`);
    const certificates: KObject[] = [];
    for (const name of names) {
      const objects = await renderDb(name, ns);
      certificates.push(...objects.filter((o) => o.kind === 'Certificate'));
      await apply(toYaml(objects.filter((o) => o.kind !== 'Certificate')));
      await createPods(ns, name, 3);
    }
    const w = startWatcher({ name: 'latency-watcher', namespaces: [ns], leaseNamespace: ns });
    watchers.push(w);
    await w.waitLog('became leader');

    // Observe from outside, on one clock: watch streams of Certificates and Pods.
    const readyAt = new Map<string, number>();
    const ungatedAt = new Map<string, number>();
    const stream = (args: string[], onLine: (fields: string[]) => void) => {
      const p = spawn('kubectl', ['--kubeconfig', env('PXC_TLS_KUBECONFIG'), ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
      let buf = '';
      p.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          onLine(buf.slice(0, nl).split(' '));
          buf = buf.slice(nl + 1);
        }
      });
      return p;
    };
    const certStream = stream(['get', 'certificates', '-n', ns, '-w', '--output-watch-events', '-o', 'jsonpath={.object.metadata.name} {.object.status.conditions[?(@.type=="Ready")].status}{"\\n"}'], ([name, ready]) => {
      if (ready === 'True' && !readyAt.has(name!)) readyAt.set(name!, Date.now());
    });
    const podStream = stream(['get', 'pods', '-n', ns, '-w', '--output-watch-events', '-o', 'jsonpath={.object.metadata.name} {.object.spec.schedulingGates[*].name}{"\\n"}'], ([name, gate]) => {
      if (!gate && !ungatedAt.has(name!)) ungatedAt.set(name!, Date.now());
    });
    try {
      await sleep(1500); // both streams connected and past their initial lists
      await apply(toYaml(certificates));
      await eventually(`all ${DATABASES * 3} pods ungated`, async () => (ungatedAt.size >= DATABASES * 3 ? true : undefined), 240_000, 500);
    } finally {
      certStream.kill();
      podStream.kill();
    }
    const latencies: number[] = [];
    for (const db of names) {
      // The certificates the pods mount (not monitored: no exporter, so not the metrics-exporter one).
      const lastReady = Math.max(...['server', 'client'].map((a) => readyAt.get(`${db}-${a}-cert`) ?? NaN));
      for (let i = 0; i < 3; i++) latencies.push(ungatedAt.get(`${db}-${i}`)! - lastReady);
    }
    expect(latencies.every((l) => Number.isFinite(l))).toBe(true);
    // Never before its certificates were Ready (allowing for the two streams' delivery order).
    expect(Math.min(...latencies)).toBeGreaterThan(-250);
    latencies.sort((x, y) => x - y);
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)]!;
    // kubectl may see a gate go before the watcher has read its patch's response: wait for the count.
    const m = await eventually('the watcher to count every ungated pod', async () => {
      const text = await w.metrics();
      return metricValue(text, 'pxc_tls_ungate_latency_seconds_count') === DATABASES * 3 ? text : undefined;
    }, 30_000);
    const count = metricValue(m, 'pxc_tls_ungate_latency_seconds_count') ?? 0;
    const sum = metricValue(m, 'pxc_tls_ungate_latency_seconds_sum') ?? 0;
    console.log([
      `ungate latency over ${latencies.length} pods of ${DATABASES} databases (last Certificate Ready → gate removed, seen by kubectl watches):`,
      `  median ${q(0.5)} ms, p99 ${q(0.99)} ms, min ${latencies[0]} ms, max ${latencies[latencies.length - 1]} ms`,
      `  the watcher's own histogram (first seen gated → removed, includes issuance): ${count} pods, mean ${(sum / Math.max(1, count)).toFixed(2)} s`,
      `  watcher RSS ${(w.rssKiB() / 1024).toFixed(1)} MiB`,
    ].join('\n'));
    expect(count).toBe(DATABASES * 3);
    expectNoSecretsLogged(w);
  });
});

// Issue 12.4 and 12.5 on the real control plane (kube-apiserver + etcd + cert-manager v1.11.5):
// the built watcher (`node dist/pxc-tls.cjs watch`, the example's namespaced RBAC) watches a
// database whose "pods" are served by a real MariaDB (standing in for PXC, test/db/README.md)
// running the rendered TLS wiring with the Secrets cert-manager issued. cert-manager renews the
// server Certificate (the Issuing condition `cmctl renew` sets); the watcher sees the new Secret,
// reports the pods serving the old certificate once the grace period is over, and clears the report
// once the server reloads. Then the CA Certificate loses its rotationPolicy: Never.
//
// Stand-in: no kubelet runs here, so the test sets what the kubelet would on each pod's status
// (phase Running, a podIP — one loopback address per pod, all served by the one mysqld).
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apply, createNamespace, getJson, kubectlOk, waitFor } from '../cluster/kube';
import { ensureMariaDB, scratch, startNode, type Node, type Scratch } from '../db/mariadb';
import { agentStandInCopies, containerWiring, databaseObjects, materializeMounts, toMariadbdOptions, type MountMap } from '../db/rendered-wiring';
import {
  caIssuer, createPods, eventually, metricValue, perconaXtraDB, podGates, render, startWatcher, toApply, toYaml, type WatcherProcess,
} from './fixture';
import { exampleRbacKubeconfig } from './identity';

jest.setTimeout(400_000);

const DB = 'orders';
const POD_IPS = ['127.0.0.41', '127.0.0.42', '127.0.0.43'];
const VERDICT = 'pxc-tls.dev/certificates-verdict';
const tmp = mkdtempSync(join(tmpdir(), 'pxc-tls-served-'));
let sc: Scratch | undefined;
let node: Node | undefined;
let watcher: WatcherProcess | undefined;

afterAll(async () => {
  await watcher?.stop('SIGKILL');
  await node?.stop();
  sc?.remove();
  rmSync(tmp, { recursive: true, force: true });
});

async function secretData(ns: string, name: string): Promise<Record<string, Buffer>> {
  const s = await getJson(['get', 'secret', name, '-n', ns]);
  return Object.fromEntries(Object.entries(s.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
}

async function verdictOf(ns: string): Promise<string> {
  return (await getJson(['get', 'statefulset', DB, '-n', ns])).metadata.annotations?.[VERDICT] ?? '';
}

async function events(ns: string, reason: string): Promise<string[]> {
  const list = await getJson(['get', 'events', '-n', ns, '--field-selector', `reason=${reason}`]);
  return list.items.map((e: any) => `${e.type} ${e.involvedObject.kind}/${e.involvedObject.name}`).sort();
}

/** The kubelet's swap of a Secret volume, file by file (write + rename), into the server's mount. */
function swapFiles(mounts: MountMap, data: Record<string, Buffer>): void {
  for (const key of ['ca.crt', 'tls.crt', 'tls.key']) {
    const file = mounts.map(`/etc/mysql/certs/server/${key}`);
    writeFileSync(`${file}.new`, data[key]!, { mode: 0o644 });
    renameSync(`${file}.new`, file);
  }
}

test('cert-manager renews the server certificate: the watcher sees the new Secret, reports the pods still serving the old one past the grace period, and clears it once they serve the new one', async () => {
  const install = await ensureMariaDB();
  const ns = await createNamespace('watch-served');
  await caIssuer(ns); // SelfSigned → CA Certificate px-issuer-ca (rotationPolicy: Never) → CA Issuer px-issuer
  const items = await render([perconaXtraDB(DB, ns)]);
  await apply(toYaml(toApply(items)));
  for (const alias of ['server', 'client']) await waitFor(`certificate/${DB}-${alias}-cert`, 'condition=Ready', { namespace: ns, timeoutMs: 120_000 });

  // The database's server: the rendered args and mounts, filled from the Secrets cert-manager wrote.
  const objects = databaseObjects(items as any, DB, ns);
  const wiring = containerWiring(objects.statefulSet, 'perconaxtradb');
  const secrets = new Map<string, Record<string, Buffer>>();
  for (const s of objects.secrets) secrets.set(s.metadata.name, await secretData(ns, s.metadata.name));
  sc = scratch('pxc-served-cp-');
  const mounts = materializeMounts(wiring, sc.sub('mounts'), { secrets, configMaps: new Map(objects.configMaps.map((c) => [c.metadata.name, c.data ?? {}])) });
  // The agent's stand-in (the watcher is under test): the copies mysqld loads, from the Secret as mounted.
  const copyServed = () => agentStandInCopies(mounts.map('/etc/mysql/certs/server'), [{ wiring, mounts }]);
  copyServed();
  node = await startNode(install, { name: DB, scratch: sc, options: toMariadbdOptions(wiring.args, mounts).options, extraBindAddresses: POD_IPS });
  await node.admin("CREATE USER 'app'@'%' IDENTIFIED BY 'test-only-password'"); // an account any host matches, as KubeDB's root@'%'

  const pods = await createPods(ns, DB, 3);
  watcher = startWatcher({
    name: 'served-watcher', kubeconfig: await exampleRbacKubeconfig(ns, tmp), namespaces: [ns], leaseNamespace: ns,
    extraArgs: ['--served-check-period=2s', '--served-grace=8s', '--served-timeout=1500ms', `--mysql-port=${node.port}`],
  });
  await watcher.waitLog('became leader');
  for (const p of pods) await eventually(`${p} ungated`, async () => ((await podGates(ns, p)).length === 0 ? true : undefined), 120_000);
  // What the kubelet would report once the pods run.
  for (const [i, p] of pods.entries()) {
    await kubectlOk(['patch', 'pod', p, '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Running', podIP: POD_IPS[i], podIPs: [{ ip: POD_IPS[i] }] } })]);
  }

  // Served: the issued certificate, on every pod; a gauge per pod; no warning in the annotation.
  const w = watcher;
  const expiry = (pod: string) => w.metrics().then((m) => metricValue(m, 'pxc_tls_served_certificate_expiry_seconds', { namespace: ns, pod }));
  for (const p of pods) await eventually(`the served expiry of ${p}`, () => expiry(p), 60_000);
  const issuedNotAfter = Date.parse((await getJson(['get', 'certificate', `${DB}-server-cert`, '-n', ns])).status.notAfter);
  expect(Math.abs((await expiry(pods[0]!))! - (issuedNotAfter - Date.now()) / 1000)).toBeLessThan(30);
  expect(metricValue(await w.metrics(), 'pxc_tls_served_certificates', { reason: 'ServedCertificateCurrent' })).toBe(3);
  expect(await eventually('the verdict annotation', async () => ((await verdictOf(ns)).startsWith('CertificatesVerified') ? verdictOf(ns) : undefined), 30_000))
    .toBe(`CertificatesVerified: verified 2 certificate Secret(s): ${DB}-server-cert, ${DB}-client-cert`);

  // cert-manager renews: the Issuing condition, as `cmctl renew` sets it (v1.11's trigger then issues).
  const before = (await secretData(ns, `${DB}-server-cert`))['tls.crt']!.toString();
  const certificate = await getJson(['get', 'certificate', `${DB}-server-cert`, '-n', ns]);
  const conditions = [...(certificate.status.conditions ?? []).filter((c: any) => c.type !== 'Issuing'),
    { type: 'Issuing', status: 'True', reason: 'ManuallyTriggered', message: 'Certificate re-issuance manually triggered', lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), observedGeneration: certificate.metadata.generation }];
  await kubectlOk(['patch', 'certificate', `${DB}-server-cert`, '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { conditions } })]);
  const renewed = await eventually('cert-manager to write a renewed certificate', async () => {
    const data = await secretData(ns, `${DB}-server-cert`);
    return data['tls.crt']!.toString() !== before ? data : undefined;
  }, 120_000);
  // The watcher sees the new Secret: the pods still serve the old certificate, within the grace period.
  await w.waitLog('served certificate', 30_000, { reason: 'ServedCertificatePending' });
  // Past the grace period: reported — the annotation, Events on each pod and on the StatefulSet, the gauge.
  // Each pod's grace period runs from when that pod was judged: wait for all three in the report.
  const stale = await eventually('the stale report in the annotation, for every pod', async () => {
    const v = await verdictOf(ns);
    return v.includes(' | ServedCertificateStale: ') && [0, 1, 2].every((i) => v.includes(`${ns}/${DB}-${i} serves`)) ? v : undefined;
  }, 60_000);
  expect(stale).toMatch(new RegExp(`^CertificatesVerified: verified 2 certificate Secret\\(s\\): ${DB}-server-cert, ${DB}-client-cert \\| ServedCertificateStale: the certificate ${ns}/${DB}-0 serves \\(valid until \\S+\\) is older than its Secret's: Secret ${ns}/${DB}-server-cert holds a newer one`));
  await eventually('Warning events', async () => ((await events(ns, 'ServedCertificateStale')).length === 4 ? true : undefined), 30_000);
  expect(await events(ns, 'ServedCertificateStale')).toEqual([`Warning Pod/${DB}-0`, `Warning Pod/${DB}-1`, `Warning Pod/${DB}-2`, `Warning StatefulSet/${DB}`]);
  expect(metricValue(await w.metrics(), 'pxc_tls_served_certificates', { reason: 'ServedCertificateStale' })).toBe(3);
  expect(metricValue(await w.metrics(), 'pxc_tls_database_warnings', { reason: 'ServedCertificateStale' })).toBe(1);

  // The reload the agent does (the kubelet swaps the Secret's files, the agent's stand-in copies them, FLUSH SSL): reported current again.
  swapFiles(mounts, renewed);
  copyServed();
  await node.admin('FLUSH SSL');
  await eventually('the annotation without the warning', async () => ((await verdictOf(ns)).includes(' | ') ? undefined : true), 60_000);
  expect(await verdictOf(ns)).toBe(`CertificatesVerified: verified 2 certificate Secret(s): ${DB}-server-cert, ${DB}-client-cert`);
  const renewedNotAfter = Date.parse((await getJson(['get', 'certificate', `${DB}-server-cert`, '-n', ns])).status.notAfter);
  expect(renewedNotAfter).toBeGreaterThan(issuedNotAfter);
  expect(Math.abs((await expiry(pods[1]!))! - (renewedNotAfter - Date.now()) / 1000)).toBeLessThan(30);
  await eventually('Normal events', async () => ((await events(ns, 'ServedCertificateCurrent')).length === 3 ? true : undefined), 30_000);

  // The CA Certificate loses rotationPolicy: Never — a warning on the StatefulSet, and in the annotation; the pods are untouched.
  await kubectlOk(['patch', 'certificate', 'px-issuer-ca', '-n', ns, '--type=merge', '-p', '{"spec":{"privateKey":{"rotationPolicy":"Always"}}}']);
  const ca = await eventually('the CA warning in the annotation', async () => {
    const v = await verdictOf(ns);
    return v.includes(' | CARekeyedAtRenewal: ') ? v : undefined;
  }, 60_000);
  expect(ca).toContain(`CARekeyedAtRenewal: Certificate ${ns}/px-issuer-ca (isCA: true) writes Secret px-issuer-ca, the CA of Issuer ${ns}/px-issuer, and its spec.privateKey.rotationPolicy is Always:`);
  expect(await eventually('the CA event', async () => ((await events(ns, 'CARekeyedAtRenewal')).length ? events(ns, 'CARekeyedAtRenewal') : undefined), 30_000)).toEqual([`Warning StatefulSet/${DB}`]);
  await kubectlOk(['patch', 'certificate', 'px-issuer-ca', '-n', ns, '--type=merge', '-p', '{"spec":{"privateKey":{"rotationPolicy":"Never"}}}']);
  await eventually('the CA warning cleared', async () => ((await verdictOf(ns)).includes('CARekeyedAtRenewal') ? undefined : true), 60_000);

  // Nothing but the example's namespaced RBAC was needed (issuers get included); no key material logged.
  expect(w.lines.filter((l) => l.msg === 'may not read the issuer' || l.msg === 'reconcile failed; retrying')).toEqual([]);
  expect(w.output()).not.toMatch(/-----BEGIN|PRIVATE KEY|LS0tLS1CRUdJTi/);
});

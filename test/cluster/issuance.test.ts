// Issuance end to end on the function's real rendered output: the real cert-manager controller fills
// every placeholder Secret the function renders, and what it issues is exactly what the rendered
// Certificates ask for; the rendered StatefulSet's pods stay SchedulingGated until the gate goes.
//
//  - examples/docs-tls-cluster (the KubeDB docs example): SelfSigned Issuer → CA Certificate
//    (rotationPolicy Never, Secret px-ca) → the rendered CA Issuer px-issuer → three Certificates.
//  - examples/v1alpha2-cluster-issuer: the ClusterIssuer corp-ca, whose CA Secret corp-ca-key-pair
//    lives in cert-manager's cluster-resource namespace.
//
// Both are rendered in a fresh namespace (the examples' `demo`/`shop` are shared by other tests) by
// editing the staged input and re-rendering, never the output. No key material is printed.
import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { apply, getJson, getObject, kubectl, kubectlOk, patch, secretData, waitFor, waitUntil } from './kube';
import { EXAMPLES, applyYaml, asList, exampleNames, renderExample, uniqueName, type KObject, type Rendered } from './render';

jest.setTimeout(420_000);

const GATE = 'pxc-tls.dev/certificates-ready';
const READY_MS = 120_000;

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run through the jest project \`cluster\` (test/cluster/global-setup.ts)`);
  return v;
}

const byKind = (r: Rendered, kind: string) => r.toApply.filter((o) => o.kind === kind);

/** SelfSigned (Cluster)Issuer → CA Certificate (isCA, rotationPolicy Never) into `secretName`. */
function caChain(kind: 'Issuer' | 'ClusterIssuer', selfSigned: string, secretName: string, caNamespace: string): string {
  const ns = kind === 'Issuer' ? `\n  namespace: ${caNamespace}` : '';
  return `apiVersion: cert-manager.io/v1
kind: ${kind}
metadata:
  name: ${selfSigned}${ns}
spec:
  selfSigned: {}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: ${secretName}
  namespace: ${caNamespace}
spec:
  isCA: true
  commonName: ${secretName}
  secretName: ${secretName}
  duration: 2160h
  privateKey:
    algorithm: ECDSA
    size: 256
    rotationPolicy: Never
  issuerRef:
    group: cert-manager.io
    kind: ${kind}
    name: ${selfSigned}
`;
}

/** The CA certificate cert-manager put in a CA Secret (its tls.crt). */
async function caCertificate(secretName: string, namespace: string): Promise<X509Certificate> {
  const data = secretData(await getJson(['get', 'secret', secretName, '-n', namespace]));
  if (!data['tls.crt']) throw new Error(`CA Secret ${namespace}/${secretName} has no tls.crt (keys: ${Object.keys(data).join(', ')})`);
  return new X509Certificate(data['tls.crt']);
}

// cert-manager's usage names → what `openssl x509 -ext keyUsage,extendedKeyUsage` prints.
const KEY_USAGE: Record<string, string> = {
  'digital signature': 'Digital Signature',
  'content commitment': 'Non Repudiation',
  'key encipherment': 'Key Encipherment',
  'data encipherment': 'Data Encipherment',
  'key agreement': 'Key Agreement',
  'cert sign': 'Certificate Sign',
  'crl sign': 'CRL Sign',
  'encipher only': 'Encipher Only',
  'decipher only': 'Decipher Only',
};
const EXT_KEY_USAGE: Record<string, { openssl: string; oid: string }> = {
  'server auth': { openssl: 'TLS Web Server Authentication', oid: '1.3.6.1.5.5.7.3.1' },
  'client auth': { openssl: 'TLS Web Client Authentication', oid: '1.3.6.1.5.5.7.3.2' },
  'code signing': { openssl: 'Code Signing', oid: '1.3.6.1.5.5.7.3.3' },
  'email protection': { openssl: 'E-mail Protection', oid: '1.3.6.1.5.5.7.3.4' },
  timestamping: { openssl: 'Time Stamping', oid: '1.3.6.1.5.5.7.3.8' },
  'ocsp signing': { openssl: 'OCSP Signing', oid: '1.3.6.1.5.5.7.3.9' },
};

/** The key usages and extended key usages of a certificate, as openssl names them (sorted). */
function opensslUsages(certPem: Buffer): { keyUsage: string[]; extKeyUsage: string[] } {
  const run = spawnSync('openssl', ['x509', '-noout', '-ext', 'keyUsage,extendedKeyUsage'], { input: certPem, encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) throw new Error(`openssl x509 -ext: ${run.stderr.trim()}`);
  const section = (header: string): string[] => {
    const lines = run.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith(header));
    if (at < 0) return [];
    return lines[at + 1]!.trim().split(/,\s*/).filter(Boolean).sort();
  };
  return { keyUsage: section('X509v3 Key Usage'), extKeyUsage: section('X509v3 Extended Key Usage') };
}

/** The SAN entries of a certificate as node prints them ("DNS:x", "IP Address:y", …), sorted. */
function subjectAltNames(cert: X509Certificate): string[] {
  const raw = cert.subjectAltName ?? '';
  // Node quotes an entry that contains a separator; none of ours may (asserted, so splitting is safe).
  expect(raw).not.toContain('"');
  return raw ? raw.split(', ').sort() : [];
}

/** The SANs a Certificate asks for, in node's notation. */
function expectedSANs(cert: KObject): string[] {
  const s = cert.spec;
  return [
    ...(s.dnsNames ?? []).map((n: string) => `DNS:${n}`),
    ...(s.ipAddresses ?? []).map((n: string) => `IP Address:${n}`),
    ...(s.uris ?? []).map((n: string) => `URI:${n}`),
    ...(s.emailAddresses ?? []).map((n: string) => `email:${n}`),
  ].sort();
}

/**
 * The issued Secret of rendered Certificate `cert`, checked against the Certificate, its rendered
 * placeholder and the CA: keys, type, labels/annotations, chain, subject, SANs, usages, key pair.
 */
async function verifyIssued(cert: KObject, placeholder: KObject, ca: X509Certificate): Promise<void> {
  const ns = cert.metadata.namespace!;
  const secret = await getJson(['get', 'secret', cert.spec.secretName, '-n', ns, '--show-managed-fields']);
  const data = secretData(secret);
  const what = `${ns}/${cert.spec.secretName}`;
  // Key names and metadata only in messages — never key material.
  expect({ what, keys: Object.keys(data).sort() }).toEqual({ what, keys: ['ca.crt', 'tls.crt', 'tls.key'] });
  expect({ what, type: secret.type }).toEqual({ what, type: 'Opaque' });
  // The placeholder came first: our apply owns its type (cert-manager's issuing apply, which keeps
  // an existing Secret's type, may co-own the same value).
  const owners = (secret.metadata.managedFields ?? []).filter((m: { fieldsV1?: { 'f:type'?: unknown } }) => m.fieldsV1?.['f:type'] !== undefined).map((m: { manager: string }) => m.manager);
  expect({ what, typeOwners: owners }).toEqual({ what, typeOwners: expect.arrayContaining(['pxc-tls-test']) });
  expect(owners.every((m: string) => m === 'pxc-tls-test' || m.startsWith('cert-manager'))).toBe(true);
  expect(secret.metadata.labels).toEqual(expect.objectContaining(placeholder.metadata.labels));
  expect(secret.metadata.labels['pxc-tls.dev/certificate-alias']).toBe(placeholder.metadata.labels!['pxc-tls.dev/certificate-alias']);
  expect(secret.metadata.annotations).toEqual(expect.objectContaining(placeholder.metadata.annotations));
  expect(secret.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/sync-options': 'Prune=false', 'pxc-tls.dev/database': placeholder.metadata.annotations!['pxc-tls.dev/database'] });
  // The Certificate's secretTemplate labels are there too (cert-manager merges them in).
  expect(secret.metadata.labels).toEqual(expect.objectContaining(cert.spec.secretTemplate?.labels ?? {}));

  const leaf = new X509Certificate(data['tls.crt']!);
  const caCrt = new X509Certificate(data['ca.crt']!);
  // ca.crt is the CA we made, and the leaf chains to it.
  expect({ what, caFingerprint: caCrt.fingerprint256 }).toEqual({ what, caFingerprint: ca.fingerprint256 });
  expect(caCrt.ca).toBe(true);
  expect(leaf.ca).toBe(false);
  expect(leaf.checkIssued(caCrt)).toBe(true);
  expect(leaf.verify(caCrt.publicKey)).toBe(true);
  expect(leaf.issuer).toBe(caCrt.subject);
  expect(leaf.verify(leaf.publicKey)).toBe(false);
  // Currently valid.
  const now = Date.now();
  expect(Date.parse(leaf.validFrom)).toBeLessThanOrEqual(now + 60_000);
  expect(Date.parse(leaf.validTo)).toBeGreaterThan(now);

  // Subject: the common name and organizations the Certificate asks for.
  const subject = leaf.subject.split('\n');
  if (cert.spec.commonName) expect(subject).toContain(`CN=${cert.spec.commonName}`);
  else expect(subject.filter((l) => l.startsWith('CN='))).toEqual([]);
  for (const o of cert.spec.subject?.organizations ?? []) expect(subject).toContain(`O=${o}`);
  for (const ou of cert.spec.subject?.organizationalUnits ?? []) expect(subject).toContain(`OU=${ou}`);

  // Exactly the SANs asked for.
  expect({ what, sans: subjectAltNames(leaf) }).toEqual({ what, sans: expectedSANs(cert) });

  // Exactly the usages asked for: key usages and extended key usages (openssl for both; node's
  // keyUsage lists the extended ones as OIDs — cross-checked).
  const usages: string[] = cert.spec.usages;
  const wantKU = usages.filter((u) => KEY_USAGE[u]).map((u) => KEY_USAGE[u]!).sort();
  const wantEKU = usages.filter((u) => EXT_KEY_USAGE[u]).map((u) => EXT_KEY_USAGE[u]!.openssl).sort();
  expect(usages.filter((u) => !KEY_USAGE[u] && !EXT_KEY_USAGE[u])).toEqual([]);
  expect({ what, ...opensslUsages(data['tls.crt']!) }).toEqual({ what, keyUsage: wantKU, extKeyUsage: wantEKU });
  expect([...(leaf.keyUsage ?? [])].sort()).toEqual(usages.filter((u) => EXT_KEY_USAGE[u]).map((u) => EXT_KEY_USAGE[u]!.oid).sort());

  // The private key is the certificate's.
  const key = createPrivateKey(data['tls.key']!);
  expect(leaf.checkPrivateKey(key)).toBe(true);
  expect(createPublicKey(key).export({ format: 'der', type: 'spki' }).equals(leaf.publicKey.export({ format: 'der', type: 'spki' }))).toBe(true);
  // privateKey.encoding as rendered (PKCS1 is cert-manager's default).
  const pem = data['tls.key']!.toString('utf8').split('\n')[0];
  if (cert.spec.privateKey?.encoding === 'PKCS8') expect(pem).toBe('-----BEGIN PRIVATE KEY-----');
  else expect(pem).toMatch(/^-----BEGIN (RSA|EC) PRIVATE KEY-----$/);
}

/** Placeholder Secret for a Certificate from the rendered objects. */
function placeholderOf(r: Rendered, cert: KObject): KObject {
  const s = byKind(r, 'Secret').find((o) => o.metadata.name === cert.spec.secretName && o.metadata.namespace === cert.metadata.namespace);
  if (!s) throw new Error(`no rendered placeholder Secret ${cert.metadata.namespace}/${cert.spec.secretName}`);
  return s;
}

async function waitCertificatesReady(r: Rendered): Promise<void> {
  for (const c of byKind(r, 'Certificate')) {
    try {
      await waitFor(`certificate/${c.metadata.name}`, 'condition=Ready', { namespace: c.metadata.namespace!, timeoutMs: READY_MS });
    } catch (e) {
      const live = await getObject('certificate', c.metadata.name, c.metadata.namespace);
      throw new Error(`Certificate ${c.metadata.namespace}/${c.metadata.name} not Ready within ${READY_MS} ms; conditions: ${JSON.stringify(live?.status?.conditions ?? [])}\n${(e as Error).message}`);
    }
  }
}

describe('examples/docs-tls-cluster: cert-manager fills every placeholder the function renders', () => {
  const caseDir = join(EXAMPLES, 'docs-tls-cluster');
  let ns: string;
  let rendered: Rendered;

  beforeAll(async () => {
    expect(exampleNames(caseDir).namespaces).toEqual(['demo']);
    ns = uniqueName('demo');
    rendered = renderExample(caseDir, { namespaces: { demo: ns } });
    await kubectlOk(['create', 'namespace', ns]);
  });

  test('SelfSigned → CA Certificate (rotationPolicy Never) → rendered CA Issuer px-issuer → three Certificates Ready; every leaf is exactly what its Certificate asks', async () => {
    const started = Date.now();
    // The docs' issuer reads its CA from Secret px-ca: make it with cert-manager itself.
    const issuer = byKind(rendered, 'Issuer');
    expect(issuer.map((i) => [i.metadata.name, i.spec.ca?.secretName])).toEqual([['px-issuer', 'px-ca']]);
    await apply(caChain('Issuer', 'px-selfsigned', 'px-ca', ns));
    await waitFor('certificate/px-ca', 'condition=Ready', { namespace: ns, timeoutMs: READY_MS });
    expect((await getJson(['get', 'certificate', 'px-ca', '-n', ns])).spec.privateKey.rotationPolicy).toBe('Never');
    const ca = await caCertificate('px-ca', ns);
    expect(ca.ca).toBe(true);

    const run = await applyYaml(rendered.applyYaml);
    expect(run.warnings).toEqual([]);
    expect(run.stderr.trim()).toBe('');
    await waitFor('issuer/px-issuer', 'condition=Ready', { namespace: ns, timeoutMs: READY_MS });
    await waitCertificatesReady(rendered);
    console.log(`docs-tls-cluster: CA chain, apply and 3 Certificates Ready in ${Date.now() - started} ms`);

    const certs = byKind(rendered, 'Certificate');
    expect(certs.map((c) => c.metadata.name).sort()).toEqual(['sample-pxc-client-cert', 'sample-pxc-metrics-exporter-cert', 'sample-pxc-server-cert']);
    expect(byKind(rendered, 'Secret')).toHaveLength(3);
    for (const c of certs) await verifyIssued(c, placeholderOf(rendered, c), ca);

    // The server certificate serves every name the pods are reached by, in this namespace.
    const server = new X509Certificate(secretData(await getJson(['get', 'secret', 'sample-pxc-server-cert', '-n', ns]))['tls.crt']!);
    // (checkHost returns the certificate name that matched.)
    const matches: Array<[string, string]> = [
      [`sample-pxc-0.sample-pxc-pods.${ns}.svc`, `*.sample-pxc-pods.${ns}.svc`],
      [`sample-pxc-2.sample-pxc-pods.${ns}.svc.cluster.local`, `*.sample-pxc-pods.${ns}.svc.cluster.local`],
      [`sample-pxc.${ns}.svc`, `sample-pxc.${ns}.svc`],
      ['localhost', 'localhost'],
    ];
    for (const [host, name] of matches) expect({ host, matched: server.checkHost(host) }).toEqual({ host, matched: name });
    expect(server.checkHost('sample-pxc-0.sample-pxc-pods.demo.svc')).toBeUndefined();
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  test('the rendered StatefulSet is accepted with its gate; a Pod made from its template stays SchedulingGated until the gate is removed, and the gate cannot come back', async () => {
    const rsts = byKind(rendered, 'StatefulSet');
    expect(rsts).toHaveLength(1);
    const name = rsts[0]!.metadata.name;
    const sts = await getJson(['get', 'statefulset', name, '-n', ns]);
    expect(sts.spec.template.spec.schedulingGates).toEqual([{ name: GATE }]);

    // The Pod of `<sts>-0` with the template's labels/annotations, the pod-name/pod-index labels,
    // the controller ownerReference, hostname/subdomain, and a PVC volume per volumeClaimTemplate
    // (claim `<template>-<sts>-0`): made by the rig's StatefulSet controller (checked here against
    // the template), or by this test where the control plane runs without controllers.
    const podName = `${name}-0`;
    const template = sts.spec.template;
    const claims = (sts.spec.volumeClaimTemplates ?? []).map((t: KObject) => ({ name: t.metadata.name, persistentVolumeClaim: { claimName: `${t.metadata.name}-${name}-0` } }));
    expect(claims.length).toBeGreaterThan(0); // the docs example is Durable
    const expected = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName,
        namespace: ns,
        labels: { ...template.metadata.labels, 'statefulset.kubernetes.io/pod-name': podName, 'apps.kubernetes.io/pod-index': '0' },
        annotations: template.metadata.annotations ?? {},
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name, uid: sts.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: {
        ...template.spec,
        hostname: podName,
        subdomain: sts.spec.serviceName,
        volumes: [...(template.spec.volumes ?? []).filter((v: { name: string }) => !claims.some((c: { name: string }) => c.name === v.name)), ...claims],
      },
    };
    if (process.env.PXC_TLS_CONTROLLERS === '1') {
      const made = (await waitUntil(`the StatefulSet controller to create ${podName}`, () => getObject<KObject>('pod', podName, ns), { timeoutMs: 60_000 }))!;
      expect(made.metadata.labels).toEqual({ ...expected.metadata.labels, 'controller-revision-hash': expect.any(String) });
      expect(made.metadata.annotations ?? {}).toEqual(expected.metadata.annotations);
      expect(made.metadata.ownerReferences).toEqual(expected.metadata.ownerReferences);
      expect([made.spec.hostname, made.spec.subdomain, made.spec.schedulingGates]).toEqual([podName, sts.spec.serviceName, [{ name: GATE }]]);
      expect(made.spec.volumes.filter((v: { persistentVolumeClaim?: unknown }) => v.persistentVolumeClaim)).toEqual(claims);
    } else {
      const created = await kubectl(['create', '-f', '-'], { input: JSON.stringify(expected) });
      expect({ code: created.code, stderr: created.stderr.trim() }).toEqual({ code: 0, stderr: '' }); // accepted, no warning
    }
    // The selector of the StatefulSet matches the Pod (as the controller requires).
    for (const [k, v] of Object.entries(sts.spec.selector.matchLabels as Record<string, string>)) expect(expected.metadata.labels[k]).toBe(v);

    const gated = await getJson(['get', 'pod', podName, '-n', ns]);
    expect(gated.spec.schedulingGates).toEqual([{ name: GATE }]);
    expect(gated.spec.nodeName).toBeUndefined();
    expect(gated.status.conditions).toEqual([expect.objectContaining({ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' })]);
    expect(gated.status.phase).toBe('Pending');

    // Nothing else ungates it: a few seconds later it is unchanged.
    await new Promise((r) => setTimeout(r, 3000));
    const still = await getJson(['get', 'pod', podName, '-n', ns]);
    expect(still.metadata.resourceVersion).toBe(gated.metadata.resourceVersion);

    // A guarded removal whose test op names another gate is refused and changes nothing.
    const wrong = await patch('pod', podName, ns, 'json', [
      { op: 'test', path: '/spec/schedulingGates/0/name', value: 'someone.else/gate' },
      { op: 'remove', path: '/spec/schedulingGates/0' },
    ]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/request is invalid/); // the JSON patch's test op failed (422)
    expect((await getJson(['get', 'pod', podName, '-n', ns])).spec.schedulingGates).toEqual([{ name: GATE }]);

    // The watcher's removal: test our gate, remove it. Accepted.
    const ok = await patch('pod', podName, ns, 'json', [
      { op: 'test', path: '/spec/schedulingGates/0/name', value: GATE },
      { op: 'remove', path: '/spec/schedulingGates/0' },
    ]);
    expect({ code: ok.code, stderr: ok.stderr.trim() }).toEqual({ code: 0, stderr: '' });
    const ungated = await getJson(['get', 'pod', podName, '-n', ns]);
    expect(ungated.spec.schedulingGates ?? []).toEqual([]);
    // The apiserver leaves the condition to the scheduler; the rig's scheduler takes the pod and finds
    // no place for it (its PersistentVolumeClaims have no storage here, and no node is for it).
    if (process.env.PXC_TLS_CONTROLLERS === '1') {
      const scheduled = await waitUntil('the scheduler to look at the ungated pod', async () => {
        const p = await getJson(['get', 'pod', podName, '-n', ns]);
        const c = p.status.conditions.find((x: { type: string }) => x.type === 'PodScheduled');
        return c.reason !== 'SchedulingGated' ? p : undefined;
      }, { timeoutMs: 60_000 });
      expect(scheduled.status.conditions.find((x: { type: string }) => x.type === 'PodScheduled')).toMatchObject({ status: 'False', reason: 'Unschedulable' });
      expect(scheduled.spec.nodeName).toBeUndefined();
    } else {
      expect(ungated.spec.nodeName).toBeUndefined(); // nothing schedules it: no scheduler
      expect(ungated.status.conditions).toEqual(gated.status.conditions);
    }

    // A gate cannot be added back after creation.
    const readd = await patch('pod', podName, ns, 'json', [{ op: 'add', path: '/spec/schedulingGates', value: [{ name: GATE }] }]);
    expect(readd.code).not.toBe(0);
    expect(readd.stderr).toMatch(/schedulingGates/);
    expect(readd.stderr).toMatch(/Forbidden|forbidden|only deletion is allowed/);
    expect((await getJson(['get', 'pod', podName, '-n', ns])).spec.schedulingGates ?? []).toEqual([]);
  });
});

describe('examples/v1alpha2-cluster-issuer: the ClusterIssuer corp-ca with its CA Secret in the cluster-resource namespace', () => {
  const caseDir = join(EXAMPLES, 'v1alpha2-cluster-issuer');

  test('SelfSigned ClusterIssuer → CA Certificate corp-ca-key-pair in the cluster-resource namespace → rendered ClusterIssuer corp-ca → three Certificates Ready, chained to it', async () => {
    const started = Date.now();
    const crNs = env('PXC_TLS_CERT_MANAGER_NAMESPACE');
    expect(exampleNames(caseDir)).toEqual({ namespaces: ['shop'], clusterIssuers: ['corp-ca'] });
    // The example's own names, cluster-wide: make sure no other test took them.
    expect(await getObject('clusterissuer', 'corp-ca')).toBeUndefined();
    expect(await getObject('secret', 'corp-ca-key-pair', crNs)).toBeUndefined();

    const ns = uniqueName('shop');
    const rendered = renderExample(caseDir, { namespaces: { shop: ns } });
    await kubectlOk(['create', 'namespace', ns]);
    const ci = byKind(rendered, 'ClusterIssuer');
    expect(ci.map((i) => [i.metadata.name, i.metadata.namespace, i.spec.ca?.secretName])).toEqual([['corp-ca', undefined, 'corp-ca-key-pair']]);
    for (const c of byKind(rendered, 'Certificate')) expect(c.spec.issuerRef).toEqual({ group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'corp-ca' });

    const selfSigned = uniqueName('corp-ca-selfsigned');
    try {
      await apply(caChain('ClusterIssuer', selfSigned, 'corp-ca-key-pair', crNs));
      await waitFor('certificate/corp-ca-key-pair', 'condition=Ready', { namespace: crNs, timeoutMs: READY_MS });
      const ca = await caCertificate('corp-ca-key-pair', crNs);

      const run = await applyYaml(rendered.applyYaml);
      expect(run.warnings).toEqual([]);
      expect(run.stderr.trim()).toBe('');
      await waitFor('clusterissuer/corp-ca', 'condition=Ready', { timeoutMs: READY_MS });
      await waitCertificatesReady(rendered);
      console.log(`v1alpha2-cluster-issuer: CA chain, apply and 3 Certificates Ready in ${Date.now() - started} ms`);

      const certs = byKind(rendered, 'Certificate');
      expect(certs.map((c) => c.metadata.name).sort()).toEqual(['orders-client-cert', 'orders-metrics-exporter-cert', 'orders-server-cert']);
      for (const c of certs) {
        const placeholder = placeholderOf(rendered, c);
        expect(placeholder.metadata.labels).toMatchObject({ team: 'checkout' }); // the database's label propagates
        await verifyIssued(c, placeholder, ca);
      }
    } finally {
      // Cluster-wide objects: leave nothing for the other test files (the namespaced CA Certificate
      // and Secret go too; the CA would otherwise outlive this test in the shared namespace).
      for (const ref of [`clusterissuer.cert-manager.io/corp-ca`, `clusterissuer.cert-manager.io/${selfSigned}`]) await kubectl(['delete', ref, '--ignore-not-found', '--wait=false']);
      await kubectl(['delete', 'certificate.cert-manager.io/corp-ca-key-pair', 'secret/corp-ca-key-pair', '-n', crNs, '--ignore-not-found', '--wait=false']);
    }
  });
});

// The rendered files list each Certificate before its placeholder Secret; `kubectl apply -f` sends
// them in that order (kpt live apply and Argo CD sort Secrets before custom resources). The issuance
// tests above pass because the placeholders land within milliseconds, long before cert-manager writes.
describe('why a placeholder must reach the API before cert-manager writes its Secret', () => {
  test('a rendered placeholder applied after cert-manager created the Secret is refused (type is immutable and owned by cert-manager)', async () => {
    // The rendered docs example; its server Certificate applied alone, issued, then its placeholder.
    const ns = uniqueName('demo');
    const rendered = renderExample(join(EXAMPLES, 'docs-tls-cluster'), { namespaces: { demo: ns } });
    await kubectlOk(['create', 'namespace', ns]);
    await apply(caChain('Issuer', 'px-selfsigned', 'px-ca', ns));
    await waitFor('certificate/px-ca', 'condition=Ready', { namespace: ns, timeoutMs: READY_MS });
    const server = byKind(rendered, 'Certificate').find((c) => c.metadata.name === 'sample-pxc-server-cert')!;
    const issuer = byKind(rendered, 'Issuer')[0]!;
    await applyYaml(asList([issuer, server]));
    await waitFor(`certificate/${server.metadata.name}`, 'condition=Ready', { namespace: ns, timeoutMs: READY_MS });
    expect((await getJson(['get', 'secret', server.spec.secretName, '-n', ns])).type).toBe('kubernetes.io/tls');

    const placeholder = placeholderOf(rendered, server);
    const ssa = await kubectl(['apply', '--server-side', '--field-manager=pxc-tls-test', '-f', '-'], { input: asList([placeholder]) });
    expect(ssa.code).not.toBe(0);
    expect(ssa.stderr).toContain('conflict with "cert-manager-certificates-issuing": .type');
    const forced = await kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=pxc-tls-test', '-f', '-'], { input: asList([placeholder]) });
    expect(forced.code).not.toBe(0);
    expect(forced.stderr).toMatch(/type: Invalid value: "Opaque": field is immutable/);
  });
});

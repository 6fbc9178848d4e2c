// Tests of the test rig itself: the real kube-apiserver, the CRDs it serves and the real
// cert-manager controller issuing into pre-existing placeholder Secrets, plus the apiserver's
// scheduling-gate rules the watcher relies on.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { KWOK_NODE_ANNOTATION } from './control-plane';
import { apply, createNamespace, getJson, getObject, kubectlOk, patch, secretData, waitFor, waitUntil } from './kube';
import { addKwokPool, plainNode } from './nodes';

jest.setTimeout(180_000);

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} not set by global-setup`);
  return v;
};

describe('control plane', () => {
  test('kube-apiserver reports the gitVersion it was built with', async () => {
    const v = JSON.parse(await kubectlOk(['version', '-o', 'json'])).serverVersion;
    expect(v.gitVersion).toBe(env('PXC_TLS_KUBE_VERSION'));
    expect(v.gitVersion).toMatch(/^v1\.(3[4-9]|[4-9]\d)\.\d+$/);
    expect(env('PXC_TLS_KUBE_SERVER')).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  test('KubeDB CRDs are established and PerconaXtraDB is served as v1 and v1alpha2', async () => {
    const crd = await getJson(['get', 'crd', 'perconaxtradbs.kubedb.com']);
    expect(crd.status.conditions).toContainEqual(expect.objectContaining({ type: 'Established', status: 'True' }));
    const served = crd.spec.versions.filter((v: { served: boolean }) => v.served).map((v: { name: string }) => v.name);
    expect(served).toEqual(expect.arrayContaining(['v1', 'v1alpha2']));
    for (const gv of ['kubedb.com/v1', 'kubedb.com/v1alpha2']) {
      const list = JSON.parse(await kubectlOk(['get', '--raw', `/apis/${gv}`]));
      expect(list.resources.map((r: { name: string }) => r.name)).toContain('perconaxtradbs');
    }
    for (const name of ['perconaxtradbversions.catalog.kubedb.com', 'perconaxtradbopsrequests.ops.kubedb.com']) {
      const c = await getJson(['get', 'crd', name]);
      expect(c.status.conditions).toContainEqual(expect.objectContaining({ type: 'Established', status: 'True' }));
    }
  });

  test('cert-manager CRDs are established', async () => {
    for (const r of ['certificates', 'certificaterequests', 'issuers', 'clusterissuers', 'orders.acme', 'challenges.acme']) {
      const c = await getJson(['get', 'crd', `${r}.cert-manager.io`]);
      expect(c.status.conditions).toContainEqual(expect.objectContaining({ type: 'Established', status: 'True' }));
    }
  });

  test('server-side dry-run is validated against the CRD schema and persists nothing', async () => {
    const ns = await createNamespace('rig-dry');
    const issuer = (spec: string) => `apiVersion: cert-manager.io/v1\nkind: Issuer\nmetadata: {name: dry, namespace: ${ns}}\nspec: ${spec}\n`;
    await apply(issuer('{selfSigned: {}}'), { dryRun: 'server' });
    expect(await getObject('issuer', 'dry', ns)).toBeUndefined();
    // selfSigned must be an object: the real schema rejects a string.
    await expect(apply(issuer('{selfSigned: "yes"}'), { dryRun: 'server' })).rejects.toThrow(/selfSigned/);
  });
});

// SelfSigned issuer → CA Certificate → CA issuer: what the project's examples set up.
function caChain(ns: string, prefix: string, issuerKind: 'Issuer' | 'ClusterIssuer', caNamespace: string): string {
  const nsLine = issuerKind === 'Issuer' ? `\n  namespace: ${ns}` : '';
  return `apiVersion: cert-manager.io/v1
kind: ${issuerKind}
metadata:
  name: ${prefix}-selfsigned${nsLine}
spec:
  selfSigned: {}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: ${prefix}-ca
  namespace: ${caNamespace}
spec:
  isCA: true
  commonName: ${prefix}-ca
  secretName: ${prefix}-ca
  duration: 2160h
  privateKey:
    algorithm: ECDSA
    size: 256
    rotationPolicy: Never
  issuerRef:
    kind: ${issuerKind}
    name: ${prefix}-selfsigned
---
apiVersion: cert-manager.io/v1
kind: ${issuerKind}
metadata:
  name: ${prefix}-ca${nsLine}
spec:
  ca:
    secretName: ${prefix}-ca
`;
}

function leafCertificate(ns: string, name: string, secretName: string, issuerKind: string, issuerName: string): string {
  return `apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  secretName: ${secretName}
  commonName: ${name}
  dnsNames: [${name}.${ns}.svc, '*.${name}-pods.${ns}.svc']
  ipAddresses: [127.0.0.1]
  usages: [digital signature, key encipherment, server auth, client auth]
  issuerRef:
    kind: ${issuerKind}
    name: ${issuerName}
`;
}

async function issuedLeaf(ns: string, secretName: string) {
  const secret = await getJson(['get', 'secret', secretName, '-n', ns]);
  const data = secretData(secret);
  // Key names only: never print key material in a failure message.
  expect(Object.keys(data).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
  const leaf = new X509Certificate(data['tls.crt']!);
  const ca = new X509Certificate(data['ca.crt']!);
  expect(leaf.checkPrivateKey(createPrivateKey(data['tls.key']!))).toBe(true);
  return { secret, leaf, ca };
}

describe('cert-manager issues into pre-existing placeholder Secrets', () => {
  test('SelfSigned → CA Certificate (rotationPolicy Never) → CA Issuer → leaf in an Opaque placeholder', async () => {
    const ns = await createNamespace('rig-issue');
    await apply(caChain(ns, 'db', 'Issuer', ns));
    await waitFor('certificate/db-ca', 'condition=Ready', { namespace: ns, timeoutMs: 90_000 });
    await waitFor('issuer/db-ca', 'condition=Ready', { namespace: ns, timeoutMs: 60_000 });
    const caCrt = await getJson(['get', 'certificate', 'db-ca', '-n', ns]);
    expect(caCrt.spec.privateKey.rotationPolicy).toBe('Never');

    // The placeholder as the function renders it: in Git, no data, type Opaque, GitOps annotations.
    await apply(`apiVersion: v1
kind: Secret
type: Opaque
metadata:
  name: db-server-cert
  namespace: ${ns}
  labels: {app.kubernetes.io/instance: db, app.kubernetes.io/component: database}
  annotations: {argocd.argoproj.io/sync-options: Prune=false, example.com/note: keep-me}
`);
    await apply(leafCertificate(ns, 'db-server-cert', 'db-server-cert', 'Issuer', 'db-ca'));
    await waitFor('certificate/db-server-cert', 'condition=Ready', { namespace: ns, timeoutMs: 90_000 });

    const { secret, leaf, ca } = await issuedLeaf(ns, 'db-server-cert');
    expect(secret.type).toBe('Opaque');
    expect(secret.metadata.labels).toMatchObject({ 'app.kubernetes.io/instance': 'db', 'app.kubernetes.io/component': 'database' });
    expect(secret.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/sync-options': 'Prune=false', 'example.com/note': 'keep-me' });

    expect(ca.ca).toBe(true);
    expect(ca.subject).toContain('CN=db-ca');
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(leaf.publicKey)).toBe(false);
    const sans = (leaf.subjectAltName ?? '').split(', ').sort();
    expect(sans).toEqual([`DNS:*.db-server-cert-pods.${ns}.svc`, `DNS:db-server-cert.${ns}.svc`, 'IP Address:127.0.0.1'].sort());
    expect(leaf.checkHost(`db-server-cert-0.db-server-cert-pods.${ns}.svc`)).toBeDefined();
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');

    // The CA Secret's ca.crt is the CA's own certificate, and the issuer did not re-key it.
    const caSecret = secretData(await getJson(['get', 'secret', 'db-ca', '-n', ns]));
    expect(new X509Certificate(caSecret['tls.crt']!).fingerprint256).toBe(ca.fingerprint256);
  });

  test('a ClusterIssuer uses its CA Secret from the cluster-resource namespace', async () => {
    const crNs = env('PXC_TLS_CERT_MANAGER_NAMESPACE');
    const ns = await createNamespace('rig-cluster');
    const prefix = `ci-${ns.slice(-6)}`;
    await apply(caChain(ns, prefix, 'ClusterIssuer', crNs));
    await waitFor(`certificate/${prefix}-ca`, 'condition=Ready', { namespace: crNs, timeoutMs: 90_000 });
    await waitFor(`clusterissuer/${prefix}-ca`, 'condition=Ready', { timeoutMs: 60_000 });
    await apply(leafCertificate(ns, 'db-client-cert', 'db-client-cert', 'ClusterIssuer', `${prefix}-ca`));
    await waitFor('certificate/db-client-cert', 'condition=Ready', { namespace: ns, timeoutMs: 90_000 });
    const { secret, leaf, ca } = await issuedLeaf(ns, 'db-client-cert');
    expect(secret.type).toBe('kubernetes.io/tls'); // no placeholder here: cert-manager created it
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(ca.subject).toContain(`CN=${prefix}-ca`);

    // A CA Secret outside that namespace is not found: the ClusterIssuer does not become Ready.
    await kubectlOk(['create', 'secret', 'generic', `${prefix}-elsewhere`, '-n', ns, '--from-literal=x=y']);
    await apply(`apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata: {name: ${prefix}-elsewhere}\nspec: {ca: {secretName: ${prefix}-elsewhere}}\n`);
    const cond = await waitUntil('a Ready condition on the misconfigured ClusterIssuer', async () => {
      const ci = await getObject('clusterissuer', `${prefix}-elsewhere`);
      return ci?.status?.conditions?.find((c: { type: string }) => c.type === 'Ready');
    });
    expect(cond.status).toBe('False');
  });
});

describe('Pod scheduling gates (what the watcher relies on)', () => {
  test('a Pod from a gated StatefulSet template stays SchedulingGated; gates can be removed, not added', async () => {
    const ns = await createNamespace('rig-gates');
    await apply(`apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: ${ns}}
spec:
  serviceName: db-pods
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      schedulingGates: [{name: pxc-tls.example.com/certificates}, {name: other.example.com/gate}]
      containers: [{name: mysql, image: registry.invalid/mysql:8}]
`);
    // The StatefulSet controller creates db-0 from the template (without the rig's controllers,
    // the test creates what it would).
    if (process.env.PXC_TLS_CONTROLLERS === '1') {
      await waitUntil('the StatefulSet controller to create db-0', () => getObject('pod', 'db-0', ns), { timeoutMs: 60_000 });
    } else {
      const sts = await getJson(['get', 'statefulset', 'db', '-n', ns]);
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...sts.spec.template.metadata, name: 'db-0', namespace: ns }, spec: sts.spec.template.spec };
      await kubectlOk(['create', '-f', '-'], { input: JSON.stringify(pod) });
    }

    const created = await getJson(['get', 'pod', 'db-0', '-n', ns]);
    expect(created.spec.nodeName).toBeUndefined();
    expect(created.spec.schedulingGates).toHaveLength(2);
    expect(created.status.conditions).toContainEqual(expect.objectContaining({ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }));

    // Adding a gate after creation is forbidden.
    const add = await patch('pod', 'db-0', ns, 'json', [{ op: 'add', path: '/spec/schedulingGates/-', value: { name: 'late.example.com/gate' } }]);
    expect(add.code).not.toBe(0);
    expect(add.stderr).toMatch(/schedulingGates|Forbidden|forbidden/);

    // A guarded removal whose test op does not match is refused and changes nothing.
    const wrong = await patch('pod', 'db-0', ns, 'json', [
      { op: 'test', path: '/spec/schedulingGates/0/name', value: 'other.example.com/gate' },
      { op: 'remove', path: '/spec/schedulingGates/0' },
    ]);
    expect(wrong.code).not.toBe(0);
    expect((await getJson(['get', 'pod', 'db-0', '-n', ns])).spec.schedulingGates).toHaveLength(2);

    // test+remove of our own gate is accepted; the other gate keeps the Pod gated.
    const ok = await patch('pod', 'db-0', ns, 'json', [
      { op: 'test', path: '/spec/schedulingGates/0/name', value: 'pxc-tls.example.com/certificates' },
      { op: 'remove', path: '/spec/schedulingGates/0' },
    ]);
    expect(ok).toMatchObject({ code: 0 });
    const after = await getJson(['get', 'pod', 'db-0', '-n', ns]);
    expect(after.spec.schedulingGates).toEqual([{ name: 'other.example.com/gate' }]);
    expect(after.spec.nodeName).toBeUndefined();

    // Removing the last gate: the Pod is no longer gated. It stays unbound: no node here takes it
    // (the rig's kwok nodes are tainted for the tests that create them).
    const last = await patch('pod', 'db-0', ns, 'json', [{ op: 'remove', path: '/spec/schedulingGates' }]);
    expect(last).toMatchObject({ code: 0 });
    const ungated = await getJson(['get', 'pod', 'db-0', '-n', ns]);
    expect(ungated.spec.schedulingGates ?? []).toEqual([]);
    expect(ungated.spec.nodeName).toBeUndefined();
  });
});

describe('controllers, scheduler and kwok (what the flow tests stand on)', () => {
  test('kwok makes its annotated nodes Ready and leaves a node without the annotation to its own kubelet', async () => {
    if (process.env.PXC_TLS_CONTROLLERS !== '1') throw new Error('the rig runs without its controllers');
    const ns = await createNamespace('rig-nodes');
    const pool = await addKwokPool(ns, ['a'], 1);
    try {
      await plainNode(`${ns}-sandbox`, { 'example.com/kubelet': 'sandbox' });
      const kwokNode = await getJson(['get', 'node', pool.nodes[0]!.name]);
      expect(kwokNode.metadata.annotations[KWOK_NODE_ANNOTATION.key]).toBe(KWOK_NODE_ANNOTATION.value);
      expect(kwokNode.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
      // As a kubelet reports it: ephemeral-storage too, which the rendered pods request.
      expect(kwokNode.status.allocatable).toMatchObject({ 'ephemeral-storage': '1Ti', cpu: '1k', memory: '1Ti' });
      expect(await getObject('lease', pool.nodes[0]!.name, 'kube-node-lease')).toBeDefined();
      // Not kwok's: after a few seconds still no status from anyone, and no Lease.
      await new Promise((r) => setTimeout(r, 3000));
      const plain = await getJson(['get', 'node', `${ns}-sandbox`]);
      expect(plain.status.conditions ?? []).not.toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
      expect(await getObject('lease', `${ns}-sandbox`, 'kube-node-lease')).toBeUndefined();
    } finally {
      await kubectlOk(['delete', 'node', pool.nodes[0]!.name, `${ns}-sandbox`, '--wait=false']);
    }
  });
});

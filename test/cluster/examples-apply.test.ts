// Every kpt golden example, rendered by the real kpt running the built function, is accepted by the
// real kube-apiserver (with the cert-manager v1.21.2 and KubeDB CRD schemas): first a server-side
// dry run (validated, nothing persisted), then for real, both without an error or a warning — what
// `kpt live apply` would send, i.e. everything but the local-config objects.
//
// The examples use fixed namespaces (demo, payments twice, shop three times, …) and ClusterIssuer
// names (corp-ca twice, with different CA Secrets), and other test files share this cluster, so each
// example is rendered from a staged copy whose input files were moved to fresh namespaces and
// ClusterIssuer names — by the function, not by editing its output (DNS names depend on the namespace).
import { basename } from 'node:path';
import { kubectl, kubectlOk } from './kube';
import { applyYaml, exampleCases, freshNames, uniqueName, renderExample, asList, type KObject, type Rendered, type Rewrite } from './render';

jest.setTimeout(300_000);

const GATE = 'pxc-tls.dev/certificates-ready';
const cases = exampleCases();
const id = (o: KObject) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? '(cluster)'}/${o.metadata.name}`;
/** The cluster-scoped kinds the examples render; everything else must carry a namespace. */
const CLUSTER_SCOPED = new Set(['ClusterIssuer', 'Namespace', 'ClusterRole', 'ClusterRoleBinding']);

test('the examples are found: every kpt golden case under examples/ that renders', () => {
  expect(cases.map((c) => basename(c)).sort()).toEqual(
    expect.arrayContaining(['custom-secrets-and-issuers', 'docs-tls-cluster', 'fn-config-typed', 'kubedb-mode', 'long-name', 'mixed-resources', 'monitored', 'multi-namespace', 'v1alpha2-cluster-issuer']),
  );
  expect(cases.map((c) => basename(c))).not.toContain('kustomize');
});

/** The live objects for `objects`, in the same order (one `kubectl get -f -`). */
async function live(objects: KObject[]): Promise<KObject[]> {
  const got = await kubectl(['get', '-f', '-', '-o', 'json'], { input: asList(objects) });
  if (got.code !== 0) throw new Error(`kubectl get -f -: ${got.stderr.trim()}`);
  const parsed = JSON.parse(got.stdout) as { kind: string; items?: KObject[] };
  return parsed.kind === 'List' ? (parsed.items ?? []) : [parsed as KObject];
}

test('the warning check works: kubectl reports an API server warning on stderr as `Warning: …`', async () => {
  // A pod template selecting nodes by a deprecated label is accepted with a warning.
  const ns = uniqueName('warn');
  await kubectlOk(['create', 'namespace', ns]);
  const run = await applyYaml(`apiVersion: v1
kind: ConfigMap
metadata: {name: probe, namespace: ${ns}}
data: {a: "1"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: probe, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: probe}}
  template:
    metadata: {labels: {app: probe}}
    spec:
      nodeSelector: {beta.kubernetes.io/arch: amd64}
      containers: [{name: c, image: registry.invalid/x}]
`, { dryRun: true });
  expect(run.warnings).toEqual([expect.stringMatching(/^Warning: .*beta\.kubernetes\.io\/arch.*deprecated/)]);
});

describe.each(cases.map((c) => [basename(c), c]))('examples/%s', (_name, caseDir) => {
  let rewrite: Rewrite;
  let original: Rendered;
  let rendered: Rendered;
  const createdClusterObjects: string[] = [];

  beforeAll(async () => {
    rewrite = freshNames(caseDir);
    original = renderExample(caseDir);
    rendered = renderExample(caseDir, rewrite);
    for (const ns of Object.values(rewrite.namespaces ?? {})) await kubectlOk(['create', 'namespace', ns]);
  });

  afterAll(async () => {
    // The namespaces stay (unique names); cluster-scoped objects would linger for the other test
    // files, so remove them.
    for (const ref of createdClusterObjects) await kubectl(['delete', ref, '--ignore-not-found', '--wait=false']);
  });

  test('the rendering in fresh names has the same objects as the example itself, all in the fresh names', () => {
    const ns = (n: string | undefined) => (n ? (rewrite.namespaces?.[n] ?? n) : n);
    const ci = (o: KObject) => (o.kind === 'ClusterIssuer' ? (rewrite.clusterIssuers?.[o.metadata.name] ?? o.metadata.name) : o.metadata.name);
    expect(rendered.objects.map(id)).toEqual(original.objects.map((o) => id({ ...o, metadata: { ...o.metadata, name: ci(o), namespace: ns(o.metadata.namespace) } })));
    expect(rendered.toApply.length).toBeGreaterThan(0);
    const fresh = new Set(Object.values(rewrite.namespaces ?? {}));
    for (const o of rendered.toApply) {
      if (CLUSTER_SCOPED.has(o.kind)) expect(o.metadata.namespace).toBeUndefined();
      else expect({ object: id(o), inFreshNamespace: fresh.has(o.metadata.namespace ?? '') }).toEqual({ object: id(o), inFreshNamespace: true });
    }
    // No trace of the original namespaces in what is applied (DNS names, subjects, RoleBindings…).
    const text = JSON.stringify(rendered.toApply);
    for (const old of Object.keys(rewrite.namespaces ?? {})) {
      expect(text).not.toMatch(new RegExp(`"namespace":"${old}"|\\.${old}\\.svc\\b`));
    }
    // The local-config objects are exactly the Kptfile, function configs and rendered databases.
    for (const o of rendered.localConfig) expect(['Kptfile', 'PxcTlsConfig', 'ConfigMap', 'PerconaXtraDB']).toContain(o.kind);
    expect(rendered.localConfig.map((o) => o.kind)).toContain('Kptfile');
  });

  test('server-side dry run: accepted, no warning, nothing persisted', async () => {
    const run = await applyYaml(rendered.applyYaml, { dryRun: true });
    expect(run.warnings).toEqual([]);
    expect(run.stderr.trim()).toBe('');
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(rendered.toApply.length);
    for (const line of lines) expect(line).toMatch(/ serverside-applied \(server dry run\)$/);
    // Nothing was created: kubectl get of the same objects finds none of them.
    const get = await kubectl(['get', '-f', '-', '-o', 'name', '--ignore-not-found'], { input: asList(rendered.toApply) });
    expect(get.code).toBe(0);
    expect(get.stdout.trim()).toBe('');
  });

  test('real server-side apply: accepted, no warning; every object is there as rendered', async () => {
    const run = await applyYaml(rendered.applyYaml);
    for (const o of rendered.toApply) if (CLUSTER_SCOPED.has(o.kind)) createdClusterObjects.push(`${o.kind.toLowerCase()}.${o.apiVersion.split('/')[0]}/${o.metadata.name}`);
    expect(run.warnings).toEqual([]);
    expect(run.stderr.trim()).toBe('');
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(rendered.toApply.length);
    for (const line of lines) expect(line).toMatch(/ serverside-applied$/);

    const items = await live(rendered.toApply);
    expect(items.map(id)).toEqual(rendered.toApply.map(id));

    for (const [i, o] of rendered.toApply.entries()) {
      const l = items[i]!;
      // Labels and annotations arrive as rendered (the server adds none of its own to these kinds).
      expect(l.metadata.labels ?? {}).toEqual(o.metadata.labels ?? {});
      expect(l.metadata.annotations ?? {}).toEqual(o.metadata.annotations ?? {});
      if (o.kind === 'Secret') {
        // The placeholder: Opaque, no data, until cert-manager fills it (these issuers have no CA).
        expect({ name: o.metadata.name, type: l.type, data: l.data }).toEqual({ name: o.metadata.name, type: 'Opaque', data: undefined });
      }
      if (o.kind === 'StatefulSet') {
        expect(l.spec.template.spec.schedulingGates).toEqual(o.spec.template.spec.schedulingGates);
        expect(l.spec.template.spec.schedulingGates ?? []).toContainEqual({ name: GATE });
      }
      if (o.kind === 'Certificate') {
        // Every field of the rendered spec survives the CRD's structural pruning.
        expect(l.spec).toEqual(expect.objectContaining(o.spec));
      }
    }
  });

  test('applying the same output again changes no object (no generation bump)', async () => {
    const gens = (objects: KObject[]) => objects.map((o) => `${id(o)} generation=${o.metadata.generation ?? '-'}`);
    const before = gens(await live(rendered.toApply));
    const run = await applyYaml(rendered.applyYaml);
    expect(run.warnings).toEqual([]);
    expect(gens(await live(rendered.toApply))).toEqual(before);
  });
});

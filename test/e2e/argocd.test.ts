/**
 * examples/argocd: the argocd-cm and repo-server patches and the Application.
 *   - The kustomization builds with the real kustomize, its patches merging into a stand-in of the
 *     upstream objects (no network here) as intended;
 *   - the Application's source builds exactly as Argo CD's repo-server would build it: kustomize
 *     with argocd-cm's kustomize.buildOptions, pxc-tls (the single executable) found on a PATH
 *     that holds nothing else, as the mount puts it on the repo-server's PATH;
 *   - the Application has the fields Argo CD needs (no Argo CD CRD here: checked by shape).
 * The cluster project adds a server-side dry run of the patched objects (test/cluster/argocd-dry-run.test.ts).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { ARGOCD_EXAMPLE, buildArgocdExample } from './argocd';
import { REPO } from './kpt-golden';
import { ensureKustomize, ensureSea, K8sObject, objectsOf, pathWith, run, sharedIssuerWarning } from './tools';

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value: string }>;
  volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string; readOnly?: boolean }>;
  securityContext?: Record<string, unknown>;
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Array<{ name: string; emptyDir?: object }>;
}

const read = (file: string) => load(readFileSync(join(ARGOCD_EXAMPLE, file), 'utf8')) as K8sObject & Record<string, any>;
const argocdCm = read('argocd-cm.yaml');
const application = read('application.yaml');

let built: ReturnType<typeof buildArgocdExample>;
beforeAll(() => {
  built = buildArgocdExample();
}, 1_800_000);

const byName = (kind: string, name: string) => built.objects.find((o) => o.kind === kind && o.metadata.name === name) as (K8sObject & Record<string, any>) | undefined;

it('has exactly the documented files', () => {
  expect(readdirSync(ARGOCD_EXAMPLE).sort()).toEqual(['application.yaml', 'argocd-cm.yaml', 'kustomization.yaml', 'repo-server.yaml']);
});

it('the kustomization builds with the real kustomize, patching argocd-cm and the repo-server in namespace argocd', () => {
  expect(built.stderr).toBe('');
  expect(built.status).toBe(0);
  expect(built.objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual(['ConfigMap/argocd/argocd-cm', 'Deployment/argocd/argocd-repo-server']);
  expect(byName('ConfigMap', 'argocd-cm')!.data).toEqual({ 'kustomize.buildOptions': '--enable-alpha-plugins --enable-exec' });
});

describe('the patched repo-server', () => {
  const spec = () => byName('Deployment', 'argocd-repo-server')!.spec.template.spec as PodSpec;

  it('keeps the upstream containers, volumes and mounts', () => {
    expect(spec().containers.map((c) => c.name)).toEqual(['argocd-repo-server']);
    expect(spec().initContainers!.map((c) => c.name)).toEqual(['install-pxc-tls', 'copyutil']);
    expect(spec().volumes!.map((v) => v.name).sort()).toEqual(['plugins', 'pxc-tls', 'tmp', 'var-files']);
    const mounts = spec().containers[0]!.volumeMounts!.map((m) => m.mountPath);
    expect(mounts).toEqual(expect.arrayContaining(['/tmp', '/home/argocd/cmp-server/plugins']));
  });

  it('mounts the file the init container installs onto the repo-server PATH, read-only', () => {
    const repoServer = spec().containers[0]!;
    const mount = repoServer.volumeMounts!.find((m) => m.name === 'pxc-tls')!;
    expect(mount).toEqual({ name: 'pxc-tls', mountPath: '/usr/local/bin/pxc-tls', subPath: 'pxc-tls', readOnly: true });
    expect(spec().volumes!.find((v) => v.name === 'pxc-tls')).toEqual({ name: 'pxc-tls', emptyDir: {} });
    const init = spec().initContainers!.find((c) => c.name === 'install-pxc-tls')!;
    const toolsMount = init.volumeMounts!.find((m) => m.name === 'pxc-tls')!;
    const script = init.args!.join('\n');
    // It ends with the file at <volume>/<subPath>, executable.
    expect(script).toContain(`mv ${toolsMount.mountPath}/pxc-tls.download ${toolsMount.mountPath}/${mount.subPath}`);
    expect(script).toMatch(/chmod 0555 /);
    expect(script).toMatch(/sha256sum -c -/);
    expect(init.command).toEqual(['sh', '-ec']);
    // The exec function is named by its bare name in examples/kustomize: the mount's file name.
    expect(readFileSync(join(REPO, 'examples/kustomize/transformer/pxc-tls.yaml'), 'utf8')).toContain(`path: ${mount.mountPath.split('/').pop()}`);
    expect(init.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    const env = Object.fromEntries(init.env!.map((e) => [e.name, e.value]));
    expect(env.PXC_TLS_URL).toMatch(/^https:\/\//);
    expect(env.PXC_TLS_SHA256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the install script works: right checksum installs an executable, a wrong one fails', () => {
    const init = spec().initContainers!.find((c) => c.name === 'install-pxc-tls')!;
    const sea = ensureSea();
    const tools = mkdtempSync(join(tmpdir(), 'pxc-tls-tools-'));
    // FAKE wget: copies the local single executable instead of downloading it.
    const fakeBin = mkdtempSync(join(tmpdir(), 'pxc-tls-wget-'));
    writeFileSync(join(fakeBin, 'wget'), `#!/bin/sh\n# fake wget -q -O FILE URL\ncp ${JSON.stringify(sea)} "$3"\n`, { mode: 0o755 });
    const script = init.args!.join('\n').split('/tools/').join(`${tools}/`);
    const sha = run('sha256sum', [sea]).stdout.split(' ')[0]!;
    try {
      const bad = run('sh', ['-ec', script], { env: { PATH: `${fakeBin}:/usr/bin:/bin`, PXC_TLS_URL: 'https://x', PXC_TLS_SHA256: '0'.repeat(64) } });
      expect(bad.status).not.toBe(0);
      expect(existsSync(join(tools, 'pxc-tls'))).toBe(false);
      const good = run('sh', ['-ec', script], { env: { PATH: `${fakeBin}:/usr/bin:/bin`, PXC_TLS_URL: 'https://x', PXC_TLS_SHA256: sha } });
      expect(good.stderr).toBe('');
      expect(good.status).toBe(0);
      expect(run(join(tools, 'pxc-tls'), ['--version'], { env: {} }).stdout).toMatch(/^pxc-tls /);
    } finally {
      rmSync(tools, { recursive: true, force: true });
      rmSync(fakeBin, { recursive: true, force: true });
    }
  });
});

describe('the Application', () => {
  it('is an argoproj.io/v1alpha1 Application in namespace argocd with source and destination', () => {
    expect(application.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(application.kind).toBe('Application');
    expect(application.metadata).toEqual({ name: 'sample-pxc', namespace: 'argocd' });
    expect(Object.keys(application.spec).sort()).toEqual(['destination', 'project', 'source', 'syncPolicy']);
    expect(Object.keys(application.spec.source).sort()).toEqual(['path', 'repoURL', 'targetRevision']);
    expect(application.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'demo' });
    for (const option of application.spec.syncPolicy.syncOptions as string[]) expect(option).toMatch(/^(CreateNamespace|ServerSideApply)=true$/);
  });

  it('its source builds as the repo-server builds it: kustomize + argocd-cm buildOptions, pxc-tls on PATH', () => {
    const kustomize = ensureKustomize();
    const path = pathWith(ensureSea());
    try {
      const source = join(REPO, application.spec.source.path);
      const options = (argocdCm.data['kustomize.buildOptions'] as string).split(/\s+/);
      const result = run(kustomize.path, ['build', source, ...options], { cwd: source, env: { PATH: path } });
      expect(result.stderr).toBe(sharedIssuerWarning('demo', 'sample-pxc'));
      expect(result.status).toBe(0);
      expect(result.stdout).toBe(readFileSync(join(source, '.expected/build.yaml'), 'utf8'));
      const kinds = objectsOf(result.stdout).map((o) => o.kind);
      expect(kinds).toContain('StatefulSet');
      expect(kinds).not.toContain('PerconaXtraDB');
      // Everything lands in the Application's destination namespace (cluster-scoped objects aside).
      expect(new Set(objectsOf(result.stdout).map((o) => o.metadata.namespace))).toEqual(new Set([application.spec.destination.namespace]));
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
  });
});

/**
 * examples/kustomize/* built by the real standalone kustomize v5 (built from the Go module proxy,
 * the kustomize Argo CD bundles) with `--enable-alpha-plugins --enable-exec`, running the single
 * executable (dist/pxc-tls) as the exec function, found on PATH as Argo CD's repo-server finds
 * it — the PATH holds nothing else, so no node is reachable.
 * Each case's output is compared with `.expected/build.yaml` (PXC_TLS_UPDATE_GOLDEN=1 rewrites it;
 * review the diff), and the facts that matter are asserted one by one.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE, REPO } from './kpt-golden';
import { ensureKustomize, ensureSea, K8sObject, kindsOf, Kustomize, objectsOf, pathWith, run, sharedIssuerWarning } from './tools';

const UPDATE = process.env.PXC_TLS_UPDATE_GOLDEN === '1';
const EXAMPLES = join(REPO, 'examples/kustomize');
const CASES = readdirSync(EXAMPLES).filter((name) => existsSync(join(EXAMPLES, name, 'kustomization.yaml')));

let kustomize: Kustomize;
let seaPath: string;
let bundlePath: string;
const temps: string[] = [];

beforeAll(() => {
  kustomize = ensureKustomize();
  seaPath = pathWith(ensureSea());
  bundlePath = pathWith(BUNDLE);
  temps.push(seaPath, bundlePath);
}, 1_800_000);
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** kustomize build DIR, the function on PATH (the SEA unless told otherwise), nothing else in the environment. */
function build(dir: string, pathDir = seaPath, flags = ['--enable-alpha-plugins', '--enable-exec']) {
  return run(kustomize.path, ['build', ...flags, dir], { cwd: dir, env: { PATH: pathDir } });
}

function copyCase(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `pxc-tls-kustomize-${name}-`));
  temps.push(dir);
  cpSync(join(EXAMPLES, name), dir, { recursive: true, filter: (source) => !source.includes('.expected') });
  return dir;
}

/** The sample database takes all three certificates from one issuer: the function warns (issue 15). */
const SHARED_ISSUER_WARNING = sharedIssuerWarning('demo', 'sample-pxc');

const byKind = (objects: readonly K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const wave = (o: K8sObject) => o.metadata.annotations?.['argocd.argoproj.io/sync-wave'];

it('uses the standalone kustomize v5', () => {
  expect(kustomize.version).toMatch(/^v5\./);
  expect(run(kustomize.path, ['version']).stdout).toContain(kustomize.version);
});

it('has the three examples', () => {
  expect(CASES.sort()).toEqual(['generator', 'kubedb-mode', 'transformer']);
});

describe.each(CASES)('examples/kustomize/%s', (name) => {
  const dir = join(EXAMPLES, name);
  let output: string;
  let objects: K8sObject[];
  let stderr: string;

  beforeAll(() => {
    const result = build(dir);
    if (result.status !== 0) throw new Error(`kustomize build failed (${result.status}): ${result.stderr}`);
    output = result.stdout;
    stderr = result.stderr;
    objects = objectsOf(output);
    const golden = join(dir, '.expected/build.yaml');
    if (UPDATE) {
      mkdirSync(join(dir, '.expected'), { recursive: true });
      writeFileSync(golden, output);
    }
  });

  it('builds to the expected output', () => {
    expect(output).toBe(readFileSync(join(dir, '.expected/build.yaml'), 'utf8'));
  });

  it('gives the same output with the npm bundle (node) as the function', () => {
    const viaBundle = build(dir, `${bundlePath}:${process.execPath.replace(/\/node$/, '')}`);
    expect(viaBundle.status).toBe(0);
    expect(viaBundle.stdout).toBe(output);
  });

  it('renders the Certificates and placeholder Secrets, with no orchestrator annotations left', () => {
    expect(byKind(objects, 'Certificate')).toHaveLength(3);
    const secrets = byKind(objects, 'Secret');
    expect(secrets).toHaveLength(3);
    for (const secret of secrets) {
      expect(secret.data).toBeUndefined();
      expect(secret.stringData).toBeUndefined();
      expect(secret.type).toBe('Opaque');
      expect(secret.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe('Prune=false');
    }
    for (const object of objects) {
      const keys = Object.keys(object.metadata.annotations ?? {});
      expect({ object: `${object.kind}/${object.metadata.name}`, internal: keys.filter((k) => /config\.kubernetes\.io|config\.k8s\.io/.test(k)) }).toEqual({
        object: `${object.kind}/${object.metadata.name}`,
        internal: [],
      });
    }
    expect(byKind(objects, 'PxcTlsConfig')).toEqual([]);
  });

  if (name === 'kubedb-mode') {
    it('keeps the PerconaXtraDB for the KubeDB operator and renders no workload', () => {
      expect(kindsOf(objects)).toEqual([
        'Certificate/orders-db-client-cert',
        'Certificate/orders-db-metrics-exporter-cert',
        'Certificate/orders-db-server-cert',
        'ClusterIssuer/corp-ca',
        'PerconaXtraDB/orders-db',
        'Secret/orders-db-client-cert',
        'Secret/orders-db-metrics-exporter-cert',
        'Secret/orders-db-server-cert',
      ]);
      expect(stderr).toBe('');
    });
  } else {
    it('renders the workload and drops the PerconaXtraDB (local-config)', () => {
      expect(kindsOf(objects)).toEqual([
        'Certificate/sample-pxc-client-cert',
        'Certificate/sample-pxc-metrics-exporter-cert',
        'Certificate/sample-pxc-server-cert',
        'Issuer/px-issuer',
        'NetworkPolicy/sample-pxc-pxc-tls-members',
        'NetworkPolicy/sample-pxc-pxc-tls-mysql',
        'PodDisruptionBudget/sample-pxc',
        'Role/sample-pxc',
        'RoleBinding/sample-pxc',
        'Secret/sample-pxc-client-cert',
        'Secret/sample-pxc-metrics-exporter-cert',
        'Secret/sample-pxc-server-cert',
        'Service/sample-pxc',
        'Service/sample-pxc-pods',
        'ServiceAccount/sample-pxc',
        'StatefulSet/sample-pxc',
      ]);
      const statefulSet = byKind(objects, 'StatefulSet')[0] as K8sObject & { spec: { template: { spec: { schedulingGates?: Array<{ name: string }> } } } };
      expect(statefulSet.spec.template.spec.schedulingGates).toEqual([{ name: 'pxc-tls.dev/certificates-ready' }]);
    });
  }

  if (name === 'transformer') {
    it('puts Certificates and placeholder Secrets in an earlier Argo CD sync wave than the StatefulSet', () => {
      for (const object of objects) {
        if (object.kind === 'Issuer') continue;
        expect({ object: `${object.kind}/${object.metadata.name}`, wave: wave(object) }).toEqual({
          object: `${object.kind}/${object.metadata.name}`,
          wave: ['Certificate', 'Secret'].includes(object.kind) ? '-1' : '0',
        });
      }
      expect(stderr).toBe(SHARED_ISSUER_WARNING);
    });
  }

  if (name === 'generator') {
    it('warns on stderr that the Issuer is not in its input (a generator sees only its own config)', () => {
      expect(stderr).toBe(
        'pxc-tls: [warning] kubedb.com/v1/PerconaXtraDB/demo/sample-pxc spec.tls.issuerRef.name: Issuer "px-issuer" is not in the input; make sure it exists in namespace "demo" of the cluster\n' + SHARED_ISSUER_WARNING,
      );
      expect(objects.every((o) => wave(o) === undefined)).toBe(true);
    });
  }
});

describe('failures', () => {
  it('an invalid database fails the build, and kustomize shows our stderr line', () => {
    const dir = copyCase('transformer');
    const db = join(dir, 'sample-pxc.yaml');
    writeFileSync(db, readFileSync(db, 'utf8').replace(/^ {4}issuerRef:\n(?: {6}.*\n)+/m, ''));
    const result = build(dir);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('pxc-tls: [error] kubedb.com/v1/PerconaXtraDB/demo/sample-pxc spec.tls.issuerRef: is required when spec.requireSSL is true');
  });

  it('an unknown config field fails the build, naming the field', () => {
    const dir = copyCase('transformer');
    const config = join(dir, 'pxc-tls.yaml');
    writeFileSync(config, `${readFileSync(config, 'utf8')}  colour: blue\n`);
    const result = build(dir);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/pxc-tls: \[error\] fn\.pxc-tls\.dev\/v1alpha1\/PxcTlsConfig\/.*pxc-tls spec\.colour: unknown option "colour"/);
  });

  it('without --enable-exec kustomize skips the function silently (why Argo CD needs kustomize.buildOptions)', () => {
    const skipped = build(join(EXAMPLES, 'transformer'), seaPath, ['--enable-alpha-plugins']);
    expect(skipped.status).toBe(0);
    // Nothing rendered, and the database itself would reach the cluster.
    expect(kindsOf(objectsOf(skipped.stdout))).toEqual(['Issuer/px-issuer', 'PerconaXtraDB/sample-pxc']);
    const refused = build(join(EXAMPLES, 'transformer'), seaPath, []);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('external plugins disabled');
  });

  it('with a relative exec path, kustomize resolves it against the kustomization directory', () => {
    const dir = copyCase('transformer');
    mkdirSync(join(dir, 'bin'));
    cpSync(join(seaPath, 'pxc-tls'), join(dir, 'bin/pxc-tls'));
    const config = join(dir, 'pxc-tls.yaml');
    writeFileSync(config, readFileSync(config, 'utf8').replace('path: pxc-tls', 'path: ./bin/pxc-tls'));
    const result = run(kustomize.path, ['build', '--enable-alpha-plugins', '--enable-exec', dir], { cwd: '/', env: { PATH: '/nonexistent' } });
    expect(result.stderr).toBe(SHARED_ISSUER_WARNING);
    expect(result.stdout).toBe(readFileSync(join(EXAMPLES, 'transformer/.expected/build.yaml'), 'utf8'));
  });
});

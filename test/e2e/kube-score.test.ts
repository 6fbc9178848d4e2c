/**
 * A linter nobody here wrote: kube-score (github.com/zegl/kube-score, built from the Go module
 * proxy into .cache by scripts/tools/go-tools.sh) on what every example renders — each kpt
 * package under examples/ rendered by the real kpt, each examples/kustomize case built by the real
 * kustomize — and on examples/watcher (both variants). Zero critical findings, but for the checks
 * that conflict with KubeDB's images or with fidelity to what KubeDB renders: each is listed once
 * below with its reason and passed to kube-score as an ignore, so any new finding fails the test;
 * and each ignore must still be needed (kube-score without it reports it), so none outlives its
 * reason. Warnings are printed, not asserted.
 */
import { mkdtempSync, readdirSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { BUNDLE, findCases, makeBinDir, REPO, runKpt, stagePackage } from './kpt-golden';
import { ensureKubeScore, ensureKustomize, K8sObject, objectsOf, pathWith, run } from './tools';

/** Scheduling gates, and so pxc-tls, need Kubernetes ≥ 1.30: the checks kube-score runs for it. */
const KUBERNETES_VERSION = 'v1.30';

type Target = 'database' | 'watcher';
interface Ignore {
  /** A kube-score check id (`--ignore-test`), or one of its switches. */
  flag: string;
  /** What kube-score reports when the ignore is dropped: the check id and a piece of its message. */
  finding: { check: string; summary: RegExp };
  applies: Target[];
  reason: string;
}

export const IGNORES: Ignore[] = [
  {
    flag: '--ignore-container-cpu-limit',
    finding: { check: 'container-resources', summary: /CPU limit is not set/ },
    applies: ['database'],
    reason: 'KubeDB never sets a CPU limit on the database pods (AM SetDefaultResourceLimits touches memory limits only; kubedb-startup.md §3); the CPU limits of the rendered pods stay the user\'s.',
  },
  {
    flag: '--ignore-test=container-image-pull-policy',
    finding: { check: 'container-image-pull-policy', summary: /ImagePullPolicy is not set to Always/ },
    applies: ['database', 'watcher'],
    reason: 'KubeDB\'s containers pull IfNotPresent (the coordinator is rendered with it; kubedb-startup.md §10) and its catalog pins every image by version tag; the watcher\'s tag is pinned too. Always would make every restart of a database member, and of the watcher that releases their gates, depend on the registry being reachable.',
  },
  {
    flag: '--ignore-test=container-security-context-user-group-id',
    finding: { check: 'container-security-context-user-group-id', summary: /low user ID|low group ID/ },
    applies: ['database'],
    reason: 'The KubeDB images run as user and group 1001 (catalog securityContext.runAsUser; the Percona image\'s USER); a UID above 10000 would not own the image\'s /etc/mysql and /var/lib, which the image grants to that user (APPIMG chgrp/chmod).',
  },
  {
    flag: '--ignore-test=container-security-context-readonlyrootfilesystem',
    finding: { check: 'container-security-context-readonlyrootfilesystem', summary: /writable root filesystem/ },
    applies: ['database'],
    reason: 'The PXC init image\'s entrypoint writes its configuration into the image at every start (/etc/mysql/node.cnf, /etc/mysql/my.cnf; kubedb-startup.md §4), and KubeDB runs every container with a writable root filesystem.',
  },
];

const ignoresFor = (target: Target) => IGNORES.filter((i) => i.applies.includes(target));

interface Finding {
  object: string;
  check: string;
  summary: string;
}

interface ScoreCheck {
  check: { id: string };
  grade: number;
  skipped: boolean;
  comments: Array<{ path?: string; summary: string }> | null;
}
interface ScoredObject {
  object_name: string;
  type_meta: { kind: string };
  object_meta: { namespace?: string };
  checks: ScoreCheck[];
}

const CRITICAL = 1;
const WARNING = 5;

let kubeScore: { path: string; version: string };
const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function score(yaml: string, flags: readonly string[]): { critical: Finding[]; warnings: Finding[] } {
  const dir = mkdtempSync(join(tmpdir(), 'pxc-tls-kube-score-'));
  temps.push(dir);
  const file = join(dir, 'objects.yaml');
  writeFileSync(file, yaml);
  const result = run(kubeScore.path, ['score', `--kubernetes-version=${KUBERNETES_VERSION}`, '--output-format=json', ...flags, file]);
  if (result.error || ![0, 1].includes(result.status ?? -1)) throw new Error(`kube-score failed (${result.status}): ${result.stderr}`);
  const scored = (JSON.parse(result.stdout) ?? []) as ScoredObject[];
  const findings = (grade: number) =>
    scored.flatMap((o) =>
      o.checks
        .filter((c) => !c.skipped && c.grade === grade)
        .flatMap((c) => (c.comments?.length ? c.comments : [{ summary: '' }]).map((comment) => ({
          object: o.object_name,
          check: c.check.id,
          summary: `${comment.path ? `(${comment.path}) ` : ''}${comment.summary}`,
        }))),
    );
  return { critical: findings(CRITICAL), warnings: findings(WARNING) };
}

/** What pxc-tls rendered (the objects naming their database): an example's own application objects are the user's. */
function renderedByPxcTls(objects: readonly K8sObject[]): K8sObject[] {
  return objects.filter((o) => o.metadata?.annotations?.['pxc-tls.dev/database'] !== undefined);
}

const toYaml = (objects: readonly K8sObject[]) => objects.map((o) => JSON.stringify(o)).join('\n---\n');

interface Input {
  name: string;
  target: Target;
  objects: () => K8sObject[];
}

const binDir = makeBinDir();
temps.push(binDir);

function renderedKpt(caseDir: string): K8sObject[] {
  const pkg = stagePackage(caseDir);
  temps.push(join(pkg, '..'));
  const result = runKpt(pkg, 'render', binDir);
  if (result.exitCode !== 0) throw new Error(`kpt fn render ${basename(caseDir)}: ${result.stderr}`);
  return renderedByPxcTls([...result.files].filter(([path]) => /\.ya?ml$/.test(path)).flatMap(([, text]) => objectsOf(text)));
}

function built(dir: string): K8sObject[] {
  const kustomize = ensureKustomize();
  const path = `${pathWith(BUNDLE)}:${process.execPath.replace(/\/node$/, '')}`;
  const result = run(kustomize.path, ['build', '--enable-alpha-plugins', '--enable-exec', dir], { cwd: dir, env: { PATH: path } });
  if (result.status !== 0) throw new Error(`kustomize build ${dir}: ${result.stderr}`);
  return objectsOf(result.stdout);
}

const KUSTOMIZE = join(REPO, 'examples/kustomize');
const INPUTS: Input[] = [
  ...findCases(join(REPO, 'examples')).map((dir): Input => ({ name: `examples/${basename(dir)} (kpt fn render)`, target: 'database', objects: () => renderedKpt(dir) })),
  ...readdirSync(KUSTOMIZE)
    .filter((name) => existsSync(join(KUSTOMIZE, name, 'kustomization.yaml')))
    .map((name): Input => ({ name: `examples/kustomize/${name} (kustomize build)`, target: 'database', objects: () => renderedByPxcTls(built(join(KUSTOMIZE, name))) })),
  { name: 'examples/watcher (kustomize build)', target: 'watcher', objects: () => built(join(REPO, 'examples/watcher')) },
  { name: 'examples/watcher/cluster-wide (kustomize build)', target: 'watcher', objects: () => built(join(REPO, 'examples/watcher/cluster-wide')) },
];

const rendered = new Map<string, K8sObject[]>();

beforeAll(() => {
  kubeScore = ensureKubeScore();
  for (const input of INPUTS) rendered.set(input.name, input.objects());
}, 30 * 60_000);

it('runs the pinned kube-score', () => {
  expect(kubeScore.version).toBe('v1.20.0');
  expect(run(kubeScore.path, ['version']).stdout).toContain('kube-score version: v1.20.0');
});

it('scores every rendered example and the watcher, each with a workload to score', () => {
  expect(INPUTS.map((i) => i.name)).toEqual(expect.arrayContaining(['examples/docs-tls-cluster (kpt fn render)', 'examples/monitored (kpt fn render)', 'examples/kustomize/generator (kustomize build)', 'examples/watcher (kustomize build)']));
  for (const input of INPUTS) {
    const kinds = rendered.get(input.name)!.map((o) => o.kind);
    // kubedb mode renders no workload: the KubeDB operator creates it.
    if (!/kubedb-mode/.test(input.name)) expect({ input: input.name, workload: kinds.some((k) => k === 'StatefulSet' || k === 'Deployment') }).toEqual({ input: input.name, workload: true });
  }
});

describe.each(INPUTS.map((i) => [i.name, i] as const))('%s', (_name, input) => {
  it('has no critical kube-score finding beyond the listed ignores', () => {
    const { critical, warnings } = score(toYaml(rendered.get(input.name)!), ignoresFor(input.target).map((i) => i.flag));
    for (const w of warnings) process.stdout.write(`[kube-score warning] ${input.name}: ${w.object}: ${w.check}: ${w.summary}\n`);
    expect(critical).toEqual([]);
  });
});

describe('the ignores', () => {
  const pairs = IGNORES.flatMap((ignore) => ignore.applies.map((target) => [ignore.flag, target, ignore] as const));
  it.each(pairs)('%s is still needed for the %s: without it kube-score reports it, and it has a reason', (_flag, target, ignore) => {
    expect(ignore.reason.length).toBeGreaterThan(40);
    const all = INPUTS.filter((i) => i.target === target).flatMap((i) => rendered.get(i.name)!);
    const others = ignoresFor(target).filter((i) => i !== ignore).map((i) => i.flag);
    const { critical } = score(toYaml(all), others);
    expect(critical.filter((f) => f.check === ignore.finding.check && ignore.finding.summary.test(f.summary)).length).toBeGreaterThan(0);
  });

  it('are listed once each', () => {
    expect(new Set(IGNORES.map((i) => i.flag)).size).toBe(IGNORES.length);
  });
});

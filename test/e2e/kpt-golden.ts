/**
 * Golden tests in the kpt convention (kpt pkg/test/runner, the catalog's e2e tests), driven by the
 * real kpt on this machine: a package folder with `.expected/` holds `diff.patch` (the git diff
 * the function makes), `results.yaml` (kpt's --results-dir output) and optionally `config.yaml`
 * (`exitCode`, `stdErr`). Each case runs under `kpt fn render --allow-exec` and
 * `kpt fn eval --exec`, each twice: the second run must change nothing (idempotency).
 * PXC_TLS_UPDATE_GOLDEN=1 rewrites the expected files — review the diff before committing.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { load } from 'js-yaml';

export const REPO = join(__dirname, '../..');
export const BUNDLE = join(REPO, 'dist/pxc-tls.cjs');

export interface CaseConfig {
  exitCode?: number;
  stdErr?: string;
  /** Eval only (kpt's e2e convention): function arguments, passed as `-- key=value`. */
  args?: Record<string, string>;
  /** Eval only: a function config file (relative to the package), passed as `--fn-config`. */
  fnConfig?: string;
}

/** How `kpt fn eval` is given the config a package's Kptfile gives `kpt fn render`. */
export type EvalConfig = Pick<CaseConfig, 'args' | 'fnConfig'>;

export interface KptRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  results: string;
  diff: string;
  files: Map<string, string>;
}

/** A folder on PATH with `pxc-tls` (the built bundle) and `cat-fn` (a no-op function for kpt's baseline). */
export function makeBinDir(): string {
  const bin = mkdtempSync(join(tmpdir(), 'pxc-tls-bin-'));
  symlinkSync(BUNDLE, join(bin, 'pxc-tls'));
  writeFileSync(join(bin, 'cat-fn'), '#!/bin/sh\nexec cat\n');
  chmodSync(join(bin, 'cat-fn'), 0o755);
  return bin;
}

export function findCases(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, '.expected')))
    .map((entry) => join(root, entry.name));
}

export function caseConfig(caseDir: string): CaseConfig {
  const file = join(caseDir, '.expected/config.yaml');
  return existsSync(file) ? ((load(readFileSync(file, 'utf8')) as CaseConfig) ?? {}) : {};
}

function git(cwd: string, ...args: string[]): string {
  const run = spawnSync('git', ['-c', 'user.email=test@pxc-tls.dev', '-c', 'user.name=test', '-c', 'core.autocrlf=false', ...args], { cwd, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

/**
 * Copies a package (without `.expected`) into a fresh git repository and returns its path. A
 * failure case's `Kptfile.case` becomes its `Kptfile` (test/cases/README.md: so that `kpt fn
 * render` at the repository root does not find and run the failing cases).
 */
export function stagePackage(caseDir: string): string {
  const work = mkdtempSync(join(tmpdir(), 'pxc-tls-golden-'));
  const pkg = join(work, 'pkg');
  cpSync(caseDir, pkg, { recursive: true, filter: (source) => !relative(caseDir, source).startsWith('.expected') });
  if (existsSync(join(pkg, 'Kptfile.case'))) renameSync(join(pkg, 'Kptfile.case'), join(pkg, 'Kptfile'));
  git(pkg, 'init', '-q');
  git(pkg, 'add', '-A');
  git(pkg, 'commit', '-qm', 'base');
  return pkg;
}

function snapshot(dir: string, prefix = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.name === '.git') continue;
    if (entry.isDirectory()) for (const [k, v] of snapshot(dir, path)) files.set(k, v);
    else files.set(path, readFileSync(join(dir, path), 'utf8'));
  }
  return files;
}

/** Runs kpt in the package the way users do (from inside it: kpt resolves exec paths against the cwd). */
export function runKpt(pkg: string, mode: 'render' | 'eval', binDir: string, execName = 'pxc-tls', evalConfig: EvalConfig = {}): KptRun {
  const resultsDir = mkdtempSync(join(tmpdir(), 'pxc-tls-results-'));
  const args = mode === 'render' ? ['fn', 'render', '--allow-exec', '--results-dir', resultsDir] : ['fn', 'eval', '--exec', execName, '--results-dir', resultsDir, '.'];
  if (mode === 'eval' && evalConfig.fnConfig) args.push('--fn-config', evalConfig.fnConfig);
  if (mode === 'eval' && evalConfig.args) args.push('--', ...Object.entries(evalConfig.args).map(([key, value]) => `${key}=${value}`));
  const run = spawnSync('kpt', args, { cwd: pkg, encoding: 'utf8', env: { ...process.env, PATH: `${binDir}:${process.env.PATH}` } });
  git(pkg, 'add', '-A');
  const diff = git(pkg, 'diff', '--cached', '--no-color');
  const resultsFile = join(resultsDir, 'results.yaml');
  const results = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '';
  rmSync(resultsDir, { recursive: true, force: true });
  return { exitCode: run.status ?? -1, stdout: run.stdout, stderr: run.stderr, results, diff, files: snapshot(pkg) };
}

export function updateGolden(caseDir: string, run: KptRun): void {
  mkdirSync(join(caseDir, '.expected'), { recursive: true });
  writeFileSync(join(caseDir, '.expected/diff.patch'), run.diff);
  writeFileSync(join(caseDir, '.expected/results.yaml'), run.results);
}

export function readGolden(caseDir: string): { diff: string; results: string } {
  const read = (name: string) => (existsSync(join(caseDir, '.expected', name)) ? readFileSync(join(caseDir, '.expected', name), 'utf8') : '');
  return { diff: read('diff.patch'), results: read('results.yaml') };
}

/**
 * What a no-op function does to the package under kpt (kyaml re-serialises every file: comment
 * spacing, quoting of some scalars). Our output must equal this baseline for every user file,
 * except for the local-config annotation added to rendered databases.
 */
export function baseline(caseDir: string, binDir: string): Map<string, string> {
  const pkg = stagePackage(caseDir);
  try {
    return runKpt(pkg, 'eval', binDir, 'cat-fn').files;
  } finally {
    rmSync(join(pkg, '..'), { recursive: true, force: true });
  }
}

/** Removes the lines pxc-tls adds to a database's file (its local-config mark and the record that it added it), to compare the rest with the baseline. */
export function withoutLocalConfigMark(text: string): string {
  return text
    .replace(/^( *)annotations:\n\1  config\.kubernetes\.io\/local-config: "true"\n\1  pxc-tls\.dev\/local-config-added: "true"\n/gm, '')
    .replace(/^( *)annotations:\n\1  config\.kubernetes\.io\/local-config: "true"\n/gm, '')
    .replace(/^ *config\.kubernetes\.io\/local-config: "true"\n/gm, '')
    .replace(/^ *pxc-tls\.dev\/local-config-added: "true"\n/gm, '');
}

/** Every example package and every failure case, run by the real kpt (render and eval, twice each). */
import { rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { baseline, caseConfig, findCases, makeBinDir, readGolden, REPO, runKpt, stagePackage, updateGolden, withoutLocalConfigMark } from './kpt-golden';

const UPDATE = process.env.PXC_TLS_UPDATE_GOLDEN === '1';
const CASES = [...findCases(join(REPO, 'examples')), ...findCases(join(REPO, 'test/cases'))];
const binDir = makeBinDir();

afterAll(() => rmSync(binDir, { recursive: true, force: true }));

describe.each(CASES.map((dir) => [basename(dir), dir] as const))('%s', (_name, caseDir) => {
  const config = caseConfig(caseDir);
  const stagedDirs: string[] = [];
  afterAll(() => stagedDirs.forEach((dir) => rmSync(join(dir, '..'), { recursive: true, force: true })));

  it.each(['render', 'eval'] as const)('kpt fn %s gives the expected diff and results, and a second run changes nothing', (mode) => {
    const pkg = stagePackage(caseDir);
    stagedDirs.push(pkg);
    const first = runKpt(pkg, mode, binDir, 'pxc-tls', config);
    if (UPDATE && mode === 'render') updateGolden(caseDir, first);
    const golden = readGolden(caseDir);
    expect(first.exitCode).toBe(config.exitCode ?? 0);
    if (config.stdErr) expect(first.stderr).toContain(config.stdErr);
    expect(first.diff).toBe(golden.diff);
    expect(first.results).toBe(golden.results);
    const second = runKpt(pkg, mode, binDir, 'pxc-tls', config);
    expect(second.exitCode).toBe(config.exitCode ?? 0);
    expect(second.diff).toBe(golden.diff);
    expect(second.files).toEqual(first.files);
  });

  it('leaves the user\'s files as kpt\'s own no-op run does, byte for byte (but the local-config mark)', () => {
    const expected = baseline(caseDir, binDir);
    const pkg = stagePackage(caseDir);
    stagedDirs.push(pkg);
    const ours = runKpt(pkg, 'render', binDir).files;
    for (const [path, text] of expected) {
      expect({ path, text: withoutLocalConfigMark(ours.get(path) ?? '<missing>') }).toEqual({ path, text: withoutLocalConfigMark(text) });
    }
  });
});

it('found the example packages', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(11);
});

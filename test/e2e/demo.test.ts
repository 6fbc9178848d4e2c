/**
 * `npm run demo` (after its build step): renders examples/docs-tls-cluster into a temporary copy
 * with the real kpt and shows the files written, the objects in them, the lines added to the
 * user's file and kpt's results; the repository is never written.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readGolden, REPO } from './kpt-golden';
import { run } from './tools';

const demo = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: { demo: string } }).scripts.demo;

it('is the build, then scripts/demo.mjs on the docs example', () => {
  expect(demo).toBe('npm run build && node scripts/demo.mjs examples/docs-tls-cluster');
});

it('renders into a temporary copy and shows what was written, not a raw ResourceList', () => {
  const before = run('git', ['status', '--porcelain', '--', 'examples'], { cwd: REPO }).stdout;
  const result = run('bash', ['-c', demo.replace(/^npm run build && /, '')], { cwd: REPO });
  const copy = /in a copy: (\S+)\n/.exec(result.stdout)?.[1];
  const work = /Remove the copy: +rm -rf (\S+)\n/.exec(result.stdout)?.[1];
  try {
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).not.toMatch(/^kind: ResourceList/m);
    expect(result.stdout).toContain('  + sample-pxc.pxc-tls.yaml  (new, ');
    expect(result.stdout).toContain('      StatefulSet sample-pxc\n');
    expect(result.stdout).toContain('  ~ sample-pxc.yaml  (3 line(s) added)\n');
    expect(result.stdout).toMatch(/\[info\] kubedb\.com\/v1\/PerconaXtraDB\/demo\/sample-pxc: rendered 3 Secrets, 3 Certificates, .* into sample-pxc\.pxc-tls\.yaml\n/);
    // The file it says it wrote is there, and is what the example's golden adds.
    const written = readFileSync(join(copy!, 'sample-pxc.pxc-tls.yaml'), 'utf8');
    const added = readGolden(join(REPO, 'examples/docs-tls-cluster')).diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++')).map((l) => l.slice(1));
    expect(added.join('\n')).toContain(written.trimEnd());
    expect(run('git', ['status', '--porcelain', '--', 'examples'], { cwd: REPO }).stdout).toBe(before);
  } finally {
    if (work && work.includes('pxc-tls-demo-')) rmSync(work, { recursive: true, force: true });
  }
  expect(work && existsSync(work)).toBe(false);
});

/**
 * `pxc-tls --help` (what `kpt fn doc` shows) is cut from README.md's mdtogo blocks at build time,
 * the kpt-catalog way. The built bundle must carry the current README's text, and that text must
 * cover every option of the function config schema.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, REPO } from './kpt-golden';
import { run } from './tools';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { blocks, helpFromReadme } = require('../../scripts/readme-help.cjs') as {
  blocks(readme: string, kind: string): string[];
  helpFromReadme(readme: string): string;
};

const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
const help = () => run(process.execPath, [BUNDLE, '--help'], { env: {} });

it('the README marks one Short and at least one Long and Examples block', () => {
  expect(blocks(readme, 'Short')).toHaveLength(1);
  expect(blocks(readme, 'Long').length).toBeGreaterThanOrEqual(1);
  expect(blocks(readme, 'Examples').length).toBeGreaterThanOrEqual(1);
  // Every opening marker is closed before the next one opens.
  const markers = [...readme.matchAll(/<!--mdtogo(:\w+)?-->/g)].map((m) => (m[1] ? 'open' : 'close'));
  expect(markers.join(' ')).toMatch(/^(open close ?)+$/);
});

it('--help prints the README text the bundle was built from, exit 0 (a stale build fails here: npm run build)', () => {
  const result = help();
  expect(result.status).toBe(0);
  expect(result.stderr).toBe('');
  expect(result.stdout).toBe(helpFromReadme(readme));
  for (const alias of ['-h', 'help']) expect(run(process.execPath, [BUNDLE, alias]).stdout).toBe(result.stdout);
});

it('reads as plain text in the catalog layout: short line, usage, config, examples', () => {
  const text = help().stdout;
  expect(text).toMatch(/^pxc-tls: render TLS for KubeDB PerconaXtraDB databases/);
  expect(text).toContain('Usage:\n\n    pxc-tls < resource-list.yaml');
  expect(text).toMatch(/\nExamples:\n\n {4}# kpt/);
  for (const command of ['kpt fn render --allow-exec', 'kpt fn eval --exec pxc-tls', 'kustomize build --enable-alpha-plugins --enable-exec', 'docker run -i --rm', 'kpt fn eval --image']) {
    expect(text).toContain(command);
  }
  expect(text).not.toMatch(/```|<!--|\]\(|`/);
});

it('names every option of fn-config/schema.json', () => {
  const schema = JSON.parse(readFileSync(join(REPO, 'fn-config/schema.json'), 'utf8'));
  const fixed = Object.keys(schema.$defs.ConfigMapData.properties);
  expect(fixed.sort()).toEqual(['argoSyncWaves', 'clusterDomain', 'images.agent', 'mode', 'networkPolicies.enabled', 'networkPolicies.monitoringNamespace', 'networkPolicies.mysqlFrom', 'networkPolicies.watcherFrom', 'schedulingGate']);
  // The image options are patterns (they name what they replace): the help gives their forms.
  expect(Object.keys(schema.$defs.ConfigMapData.patternProperties)).toHaveLength(2);
  const options = [...fixed, 'images.versions.<version>.<component>', 'images.mirror.<registry>'];
  const text = help().stdout;
  for (const option of options) expect({ option, inHelp: new RegExp(`^ +${option.replace(/[.<>]/g, '\\$&')} `, 'm').test(text) }).toEqual({ option, inHelp: true });
  expect(text).not.toMatch(/^ +images\.db /m);
  expect(text).toContain('fn.pxc-tls.dev/v1alpha1');
});

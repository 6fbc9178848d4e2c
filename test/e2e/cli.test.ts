/** The built CLI on malformed input: one clear line on stderr, exit 1, never a stack trace, never exit 0 with empty stdout. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BUNDLE = join(__dirname, '../../dist/pxc-tls.cjs');

function run(input: string | Buffer, args: string[] = []) {
  const result = spawnSync(process.execPath, [BUNDLE, ...args], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const aliasBomb = (() => {
  const lines = ['apiVersion: config.kubernetes.io/v1', 'kind: ResourceList', 'items:', '- apiVersion: v1', '  kind: ConfigMap', '  metadata: {name: bomb}', '  data:', '    a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) lines.push(`    a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
  return lines.join('\n') + '\n';
})();

describe('malformed input', () => {
  it.each([
    ['not YAML', 'apiVersion: [unclosed\n  kind: : :\n', /^pxc-tls: input is not valid YAML: .+\n$/],
    ['not a ResourceList', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n', /^pxc-tls: input is not a ResourceList: got apiVersion "v1" kind "ConfigMap", expected kind ResourceList/],
    ['a bare multi-document stream', 'apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\n', /^pxc-tls: input is not valid YAML: /],
    ['items without apiVersion', 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- kind: ConfigMap\n  metadata: {name: x}\n', /^pxc-tls: ResourceList.items\[0\] is not a Kubernetes object: missing apiVersion\n$/],
    ['items without kind', 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n', /^pxc-tls: ResourceList.items\[0\] is not a Kubernetes object: missing kind\n$/],
    ['a YAML alias bomb', aliasBomb, /^pxc-tls: input expands to more than \d+ YAML nodes \(aliases\?\); refusing it\n$/],
    ['empty input', '', /^pxc-tls: no input: expected a ResourceList/],
    ['binary garbage', Buffer.from([0, 1, 2, 255, 254, 10, 0]), /^pxc-tls: input is not/],
  ])('%s', (_name, input, stderr) => {
    const result = run(input);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(stderr);
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('a huge document: refused past the limit without reading it all', () => {
    const huge = Buffer.alloc(257 * 1024 * 1024, 'x');
    const result = run(huge);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('pxc-tls: input is larger than 268435456 bytes; refusing to parse it\n');
  });
});

describe('valid input', () => {
  it('an empty ResourceList comes back as one, exit 0', () => {
    const result = run('apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n');
    expect(result.stderr).toBe('');
  });

  it('an unknown command is refused', () => {
    const result = run('', ['frobnicate']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('pxc-tls: unknown command "frobnicate"; see pxc-tls --help\n');
  });

  it('prints its version', () => {
    expect(run('', ['--version']).stdout).toMatch(/^pxc-tls \d+\.\d+\.\d+\n$/);
  });
});

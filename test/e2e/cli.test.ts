/** The built CLI on malformed input: one clear line on stderr, exit 1, never a stack trace, never exit 0 with empty stdout. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    ['two items keys', 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nitems: []\n', /^pxc-tls: input is not a readable ResourceList: duplicate key "items"/],
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

describe('a list broken inside', () => {
  it.each([
    ['an item without apiVersion', '- kind: ConfigMap\n  metadata: {name: x}\n', /^pxc-tls: \[error\] ConfigMap\/x apiVersion: ResourceList.items\[0\] is not a Kubernetes object: apiVersion is missing\n$/],
    ['an item without kind', '- apiVersion: v1\n', /^pxc-tls: \[error\] v1 kind: ResourceList.items\[0\] is not a Kubernetes object: kind is missing\n$/],
  ])('%s: the list back unchanged with a located error, a stderr line, exit 1', (_name, item, stderr) => {
    const input = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${item}`;
    const result = run(input);
    expect(result.code).toBe(1);
    expect(result.stdout.startsWith(input)).toBe(true);
    expect(result.stdout).toMatch(/\nresults:\n- severity: error\n/);
    expect(result.stderr).toMatch(stderr);
  });
});

describe('valid input', () => {
  it('an empty ResourceList comes back as one with an info result, exit 0', () => {
    const result = run('apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nresults:\n- severity: info\n  message: "the input has no items: nothing to render"\n');
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

describe('at a terminal', () => {
  // `script` gives the command a pseudo-terminal as stdin, as a shell would.
  it('pxc-tls with nothing piped in says how to use it instead of waiting', () => {
    const result = spawnSync('script', ['-qec', `${process.execPath} ${BUNDLE}`, '/dev/null'], { encoding: 'utf8', timeout: 20_000, input: '' });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^pxc-tls: a KRM function; it reads a ResourceList on stdin, and stdin is a terminal\. Try:\r?\n/);
    expect(result.stdout).toContain('kpt fn eval --exec pxc-tls DIR');
  });
});

describe('pxc-tls watch without a cluster', () => {
  it('fails at once with a clear message, not retrying localhost:8080', () => {
    const home = mkdtempSync(join(tmpdir(), 'pxc-tls-home-'));
    try {
      const env = { PATH: process.env.PATH ?? '', HOME: home };
      const result = spawnSync(process.execPath, [BUNDLE, 'watch'], { encoding: 'utf8', env, timeout: 30_000 });
      // It exits by itself (a retry loop would hit the spawn timeout and set result.error).
      expect(result.error).toBeUndefined();
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^pxc-tls watch: no cluster to watch: .*Pass --kubeconfig PATH, or deploy the watcher in the cluster \(examples\/watcher\)\n$/);
      expect(result.stdout).toBe('');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

/**
 * The container image, as far as it can be proven without a Docker engine (none runs here):
 *   - the Dockerfile's build stage, run on exactly the build context its .dockerignore lets
 *     through, produces byte for byte the bundles every other test runs;
 *   - those files, laid out as the runtime stage's COPY lays them out, run as its ENTRYPOINT the
 *     way kpt and kustomize start containers: stdin only, an empty environment, uid/gid 65534
 *     (nobody), no new privileges, cwd /, in a fresh network namespace (no network at all);
 *   - kpt fn eval --image, a Kptfile `image:`, kpt fn doc, kustomize `container:` and the README's
 *     `docker run` command drive them through a FAKE `docker` (a script on PATH that starts the ENTRYPOINT that way and logs the
 *     arguments the real tools pass).
 * Not proven: that `docker build` succeeds, the base image, docker's own handling of its flags.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { BUNDLE, readGolden, REPO, stagePackage } from './kpt-golden';
import { runCommands } from './markdown';
import { ensureKustomize, kindsOf, objectsOf, run, scriptDir, sharedIssuerWarning, sourceList } from './tools';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { helpFromReadme } = require('../../scripts/readme-help.cjs') as { helpFromReadme(readme: string): string };

const IMAGE = 'registry.example.com/platform/pxc-tls:0.1.0';
const NOBODY = 65534;

interface Stage {
  from: string;
  name?: string;
  workdir: string;
  lines: string[];
}

/** The Dockerfile's stages and instructions (one per line; the file uses no continuations). */
function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [instruction, ...rest] = line.split(/\s+/);
    const value = rest.join(' ');
    if (instruction === 'ARG' && stages.length === 0) {
      const [key, def] = value.split('=');
      args.set(key!, def ?? '');
    } else if (instruction === 'FROM') {
      const [image, as, name] = rest;
      const from = image!.replace(/\$\{(\w+)\}/g, (_m, key: string) => args.get(key) ?? '');
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, workdir: '/', lines: [] });
    } else {
      const stage = stages[stages.length - 1]!;
      if (instruction === 'WORKDIR') stage.workdir = value;
      stage.lines.push(line);
    }
  }
  return { args, stages };
}

const dockerfile = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
const buildStage = dockerfile.stages.find((s) => s.name === 'build')!;
const runtime = dockerfile.stages[dockerfile.stages.length - 1]!;
const instruction = (stage: Stage, name: string) => stage.lines.filter((l) => l.startsWith(`${name} `)).map((l) => l.slice(name.length + 1));
const entrypoint = JSON.parse(instruction(runtime, 'ENTRYPOINT')[0]!) as string[];

/** COPY --from=build lines of the runtime stage: build-stage paths → runtime paths. */
function runtimeCopies(): Array<{ source: string; target: string }> {
  return instruction(runtime, 'COPY').flatMap((value) => {
    const parts = value.split(/\s+/);
    expect(parts[0]).toBe('--from=build');
    const target = parts[parts.length - 1]!;
    return parts.slice(1, -1).map((source) => ({ source, target: target.endsWith('/') ? join(target, source.split('/').pop()!) : target }));
  });
}

/** Docker's .dockerignore rule: the last pattern matching a path or one of its parents decides. */
function dockerignore(patterns: string[]): (path: string) => boolean {
  const rules = patterns.map((pattern) => {
    const negate = pattern.startsWith('!');
    const body = (negate ? pattern.slice(1) : pattern).replace(/\/$/, '');
    const re = body
      .split('/')
      .map((part) => (part === '**' ? '.*' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
      .join('/')
      .replace(/\.\*\//g, '(?:.*/)?');
    return { negate, re: new RegExp(`^${re}$`) };
  });
  return (path) => {
    const parts = path.split('/');
    const prefixes = parts.map((_p, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) if (prefixes.some((p) => rule.re.test(p))) excluded = !rule.negate;
    return !excluded;
  };
}

function walk(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (['.git', 'node_modules', '.cache', 'dist'].includes(path)) return [];
    return entry.isDirectory() ? walk(dir, path) : [path];
  });
}

const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `pxc-tls-${name}-`));
  chmodSync(dir, 0o755);
  temps.push(dir);
  return dir;
}

/** The runtime stage's file system, as far as our files go: <root>/app/… as COPY lays them out. */
let root: string;
/** The ENTRYPOINT with /app/… mapped into root and `node` as this machine's node. */
let command: string[];
/** Wraps a command the way docker runs the container: new network namespace, nobody, no new privileges, empty env. */
const CONTAINER = ['/usr/bin/unshare', '--net', '--', '/usr/bin/setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--no-new-privs', '--', '/usr/bin/env', '-i'];

beforeAll(() => {
  root = tempDir('image');
  for (const { source, target } of runtimeCopies()) {
    // The build stage's WORKDIR is the repository root of the build context.
    const from = join(REPO, source.startsWith('/') ? relative(buildStage.workdir, source) : source);
    const to = join(root, target);
    mkdirSync(dirname(to), { recursive: true, mode: 0o755 });
    cpSync(from, to);
    chmodSync(to, 0o644); // COPY keeps the build's mode; 0644 is the least a reader needs
  }
  command = entrypoint.map((part, i) => (i === 0 && part === 'node' ? process.execPath : part.startsWith('/app/') ? join(root, part) : part));
});

/** Runs the image's ENTRYPOINT with args, as a container runtime would. */
function container(args: string[], input = '', env: Record<string, string> = {}) {
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return run(CONTAINER[0]!, [...CONTAINER.slice(1), ...envArgs, ...command, ...args], { cwd: '/', env: {}, input });
}

describe('Dockerfile', () => {
  it('builds on the current Node.js LTS and runs the function bundle as nobody', () => {
    expect(dockerfile.args.get('NODE_IMAGE')).toBe('node:26-alpine');
    expect(dockerfile.stages.map((s) => s.from)).toEqual(['node:26-alpine', 'node:26-alpine']);
    expect(buildStage.lines).toContain('RUN node scripts/build.mjs');
    expect(instruction(runtime, 'USER')).toEqual([`${NOBODY}:${NOBODY}`]);
    expect(entrypoint).toEqual(['node', '/app/pxc-tls.cjs']);
    expect(runtimeCopies()).toEqual([
      { source: '/src/dist/pxc-tls.cjs', target: '/app/pxc-tls.cjs' },
      { source: '/src/dist/pxc-tls-main.cjs', target: '/app/pxc-tls-main.cjs' },
      { source: '/src/dist/pxc-tls-main.cjs.v8cache', target: '/app/pxc-tls-main.cjs.v8cache' },
      { source: '/src/dist/watch.cjs', target: '/app/watch.cjs' },
      { source: '/src/dist/agent.cjs', target: '/app/agent.cjs' },
    ]);
  });

  it('its build stage, on exactly the context .dockerignore lets through, makes the same bundles the tests run', () => {
    const included = dockerignore(
      readFileSync(join(REPO, '.dockerignore'), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#')),
    );
    const context = walk(REPO).filter(included);
    expect(context).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'README.md', 'scripts/build.mjs', 'scripts/readme-help.cjs', 'src/cli.ts']));
    expect(context.filter((p) => p.endsWith('.test.ts') || p.startsWith('test/') || p.startsWith('examples/'))).toEqual([]);
    // Every COPY source of the build stage is in the context.
    for (const value of instruction(buildStage, 'COPY')) {
      for (const source of value.split(/\s+/).slice(0, -1)) {
        expect({ source, inContext: context.some((p) => p === source || p.startsWith(source)) }).toEqual({ source, inContext: true });
      }
    }
    const build = tempDir('context');
    for (const path of context) {
      mkdirSync(dirname(join(build, path)), { recursive: true });
      cpSync(join(REPO, path), join(build, path));
    }
    symlinkSync(join(REPO, 'node_modules'), join(build, 'node_modules')); // stands in for `npm ci`
    const result = run(process.execPath, ['scripts/build.mjs'], { cwd: build });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    for (const file of ['dist/pxc-tls.cjs', 'dist/pxc-tls-main.cjs', 'dist/watch.cjs', 'dist/agent.cjs']) {
      expect({ file, same: readFileSync(join(build, file)).equals(readFileSync(join(REPO, file))) }).toEqual({ file, same: true });
    }
    // V8's code cache is not byte-for-byte reproducible; that it is accepted is test/e2e/bundle.test.ts's.
    expect(readFileSync(join(build, 'dist/pxc-tls-main.cjs.v8cache')).length).toBeGreaterThan(10_000);
  }, 120_000);
});

describe('the image ENTRYPOINT, run as kpt and kustomize run containers', () => {
  it('runs with no network, as nobody, with nothing in the environment', () => {
    const probe = run(CONTAINER[0]!, [...CONTAINER.slice(1), process.execPath, '-e', 'console.log(JSON.stringify({uid: process.getuid(), gid: process.getgid(), env: process.env, cwd: process.cwd(), net: require("fs").readFileSync("/proc/net/dev","utf8").split("\\n").slice(2).filter(Boolean).map(l => l.trim().split(":")[0])}))'], { cwd: '/', env: {} });
    expect(probe.stderr).toBe('');
    expect(JSON.parse(probe.stdout)).toEqual({ uid: NOBODY, gid: NOBODY, env: {}, cwd: '/', net: ['lo'] });
  });

  it('renders a ResourceList exactly as the bundle does when kpt runs it as exec', () => {
    const input = sourceList(join(REPO, 'examples/docs-tls-cluster'));
    const ours = container([], input);
    expect(ours.stderr).toBe(sharedIssuerWarning('demo', 'sample-pxc'));
    expect(ours.status).toBe(0);
    expect(ours.stdout).toBe(run(process.execPath, [BUNDLE], { input }).stdout);
    expect(kindsOf(objectsOf(ours.stdout))).toContain('StatefulSet/sample-pxc');
  });

  it('fails a bad database with exit 1 and the stderr line', () => {
    const ours = container([], sourceList(join(REPO, 'test/cases/require-ssl-without-issuer')));
    expect(ours.status).toBe(1);
    expect(ours.stderr).toContain('pxc-tls: [error] kubedb.com/v1/PerconaXtraDB/');
  });

  it('prints the README help for --help, exit 0', () => {
    const ours = container(['--help']);
    expect(ours.status).toBe(0);
    expect(ours.stdout).toBe(helpFromReadme(readFileSync(join(REPO, 'README.md'), 'utf8')));
  });

  it('finds the watcher bundle beside it (`pxc-tls watch`)', () => {
    const ours = container(['watch', '--help']);
    expect(ours.stderr).not.toMatch(/Cannot find module|single executable/);
    expect(ours.stdout + ours.stderr).toContain('pxc-tls watch');
  });
});

describe('through a FAKE docker: kpt and kustomize container functions', () => {
  let fakeDocker: string;
  let log: string;

  beforeAll(() => {
    log = join(tempDir('docker-log'), 'docker.log');
    // Logs its argv; for `docker run … IMAGE args…` with our image, runs the ENTRYPOINT as above,
    // passing only the -e variables; anything else is refused, so an unexpected call shows up.
    const script = `#!/bin/bash
printf '%s\\n' "$*" >> ${JSON.stringify(log)}
# kpt first asks for the client version (and wants at least 20.10): answer as docker 28.2.2 would.
[ "$1" = version ] && { echo 28.2.2; exit 0; }
[ "$1" = run ] || { echo "fake docker: only 'version' and 'run' are supported, got: $*" >&2; exit 125; }
shift
env=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rm|-i|--init) shift ;;
    -a|--network|--user|--pull|--security-opt|--entrypoint|--workdir|-v|--mount) shift 2 ;;
    --network=*|--user=*|--pull=*|--security-opt=*) shift ;;
    -e|--env) env+=("$2"); shift 2 ;;
    --env=*) env+=("\${1#--env=}"); shift ;;
    -*) echo "fake docker: unknown flag $1" >&2; exit 125 ;;
    *) break ;;
  esac
done
image=$1; shift
[ "$image" = ${JSON.stringify(IMAGE)} ] || { echo "fake docker: no such image $image" >&2; exit 125; }
exec ${CONTAINER.map((c) => JSON.stringify(c)).join(' ')} "\${env[@]}" ${command.map((c) => JSON.stringify(c)).join(' ')} "$@"
`;
    fakeDocker = scriptDir('docker', script);
    temps.push(fakeDocker);
  });

  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter((call) => !call.startsWith('version ')) : []);
  const env = () => ({ ...process.env, PATH: `${fakeDocker}:${process.env.PATH}` });

  it('kpt fn eval --image renders the docs example as the exec function does', () => {
    rmSync(log, { force: true });
    const pkg = stagePackage(join(REPO, 'examples/docs-tls-cluster'));
    temps.push(dirname(pkg));
    const result = run('kpt', ['fn', 'eval', '--image', IMAGE, '.', '--', 'images.agent=registry.example.com/platform/pxc-tls:0.1.0'], { cwd: pkg, env: env() });
    expect(result.status).toBe(0);
    run('git', ['add', '-A'], { cwd: pkg });
    expect(run('git', ['diff', '--cached', '--no-color'], { cwd: pkg }).stdout).toBe(readGolden(join(REPO, 'examples/docs-tls-cluster')).diff);
    expect(calls()).toEqual([`run --rm -i --network none --user nobody --security-opt=no-new-privileges --pull missing ${IMAGE}`]);
  });

  it('the README\'s CI command (docker run … < list.yaml > out.yaml) gives the exec function\'s output', () => {
    rmSync(log, { force: true });
    const dir = tempDir('readme-ci');
    const list = sourceList(join(REPO, 'examples/docs-tls-cluster'));
    writeFileSync(join(dir, 'list.yaml'), list);
    const command = runCommands().container;
    expect(command).toContain(` ${IMAGE} `);
    const result = run('bash', ['-c', command], { cwd: dir, env: env() });
    expect(result.stderr).toBe(sharedIssuerWarning('demo', 'sample-pxc'));
    expect(result.status).toBe(0);
    expect(readFileSync(join(dir, 'out.yaml'), 'utf8')).toBe(run(process.execPath, [BUNDLE], { input: list }).stdout);
    expect(calls()).toEqual([`run -i --rm --network none ${IMAGE}`]);
  });

  it('a Kptfile `image:` pipeline renders with kpt fn render', () => {
    rmSync(log, { force: true });
    const pkg = stagePackage(join(REPO, 'examples/kubedb-mode'));
    temps.push(dirname(pkg));
    const kptfile = join(pkg, 'Kptfile');
    writeFileSync(kptfile, readFileSync(kptfile, 'utf8').replace('- exec: pxc-tls', `- image: ${IMAGE}`));
    run('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qam', 'image'], { cwd: pkg });
    const result = run('kpt', ['fn', 'render'], { cwd: pkg, env: env() });
    expect(result.stderr).toContain(`[PASS] "${IMAGE}"`);
    expect(result.status).toBe(0);
    run('git', ['add', '-A'], { cwd: pkg });
    expect(run('git', ['diff', '--cached', '--no-color'], { cwd: pkg }).stdout).toBe(readGolden(join(REPO, 'examples/kubedb-mode')).diff);
  });

  it('kpt fn doc --image shows the help', () => {
    rmSync(log, { force: true });
    const result = run('kpt', ['fn', 'doc', '--image', IMAGE], { env: env() });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(helpFromReadme(readFileSync(join(REPO, 'README.md'), 'utf8')).trim());
    expect(calls()).toEqual([`run --rm ${IMAGE} --help`]);
  });

  it('kustomize `container:` transformer builds as the exec transformer does', () => {
    rmSync(log, { force: true });
    const kustomize = ensureKustomize();
    const dir = tempDir('kustomize-container');
    cpSync(join(REPO, 'examples/kustomize/transformer'), dir, { recursive: true, filter: (s) => !s.includes('.expected') });
    const config = join(dir, 'pxc-tls.yaml');
    writeFileSync(config, readFileSync(config, 'utf8').replace(/exec:\n {8}path: pxc-tls/, `container:\n        image: ${IMAGE}`));
    expect(readFileSync(config, 'utf8')).toContain(`image: ${IMAGE}`);
    const result = run(kustomize.path, ['build', '--enable-alpha-plugins', dir], { cwd: dir, env: { PATH: fakeDocker } });
    expect(result.stderr).toBe(sharedIssuerWarning('demo', 'sample-pxc'));
    expect(result.stdout).toBe(readFileSync(join(REPO, 'examples/kustomize/transformer/.expected/build.yaml'), 'utf8'));
    expect(calls()).toHaveLength(1);
    expect(calls()[0]).toMatch(new RegExp(`^run --rm -i -a STDIN -a STDOUT -a STDERR --network none --user nobody --security-opt=no-new-privileges( -e [A-Z_]+=\\S+)* ${IMAGE.replace(/[.]/g, '\\.')}$`));
  }, 600_000);
});

/**
 * Command line: `pxc-tls` runs the KRM function on stdin; `pxc-tls watch` runs the in-cluster
 * watcher (loaded only then, so the function never pays for the Kubernetes client).
 */
import { readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isatty } from 'node:tty';
import { runFunction } from './function/run';
import { DEFAULT_READ_OPTIONS } from './krm/yaml-read';
import { HELP } from './help';

declare const PXC_TLS_VERSION: string | undefined;
/** Set by the build: the watcher's own bundle beside this one, loaded only by `pxc-tls watch`. */
declare const PXC_TLS_WATCH_BUNDLE: string | undefined;
const VERSION = typeof PXC_TLS_VERSION === 'string' ? PXC_TLS_VERSION : 'dev';

/** Set by the single-executable build (scripts/build-sea.mjs): it carries only the KRM function. */
declare const PXC_TLS_SEA: boolean | undefined;

function loadWatcher(): { runWatcher(args: readonly string[]): Promise<number> } {
  if (typeof PXC_TLS_SEA === 'boolean' && PXC_TLS_SEA) {
    throw new Error('watch: this single executable carries only the KRM function; run the watcher from the container image or the npm package (node dist/pxc-tls.cjs watch)');
  }
  const path = typeof PXC_TLS_WATCH_BUNDLE === 'string' ? join(__dirname, PXC_TLS_WATCH_BUNDLE) : './watch/main';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path);
}

/** Writes all of `text` to a file descriptor, synchronously: the process may exit right after. */
function writeAll(fd: number, text: string): void {
  const buffer = Buffer.from(text);
  let offset = 0;
  while (offset < buffer.length) {
    try {
      offset += writeSync(fd, buffer, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}

/**
 * Reads all of stdin, but stops past `limit` bytes: a huge or endless input is refused without
 * holding it all in memory.
 */
function readStdin(limit: number): string | undefined {
  const chunks: Buffer[] = [];
  const chunk = Buffer.alloc(1 << 20);
  let total = 0;
  for (;;) {
    let read: number;
    try {
      read = readSync(0, chunk, 0, chunk.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EOF') break;
      throw error;
    }
    if (read === 0) break;
    total += read;
    if (total > limit) return undefined;
    chunks.push(Buffer.from(chunk.subarray(0, read)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function runFunctionCommand(): number {
  const input = readStdin(DEFAULT_READ_OPTIONS.maxBytes);
  if (input === undefined) {
    writeAll(2, `pxc-tls: input is larger than ${DEFAULT_READ_OPTIONS.maxBytes} bytes; refusing to parse it\n`);
    return 1;
  }
  const run = runFunction(input);
  if (run.stdout) writeAll(1, run.stdout);
  if (run.stderr) writeAll(2, run.stderr);
  return run.exitCode;
}

/** For someone who typed `pxc-tls` at a terminal: it would otherwise wait for stdin in silence. */
const TERMINAL_USAGE = `pxc-tls: a KRM function; it reads a ResourceList on stdin, and stdin is a terminal. Try:
  kpt fn eval --exec pxc-tls DIR          render the databases of a kpt package in place
  kpt fn source DIR | pxc-tls             the same, the ResourceList on stdout
  npm run demo                            (in a clone) render the example package into a temporary copy
  pxc-tls --help                          options, kustomize, Argo CD, the watcher
`;

export function main(argv: readonly string[]): number | Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined && isatty(0)) {
    writeAll(2, TERMINAL_USAGE);
    return 1;
  }
  if (command === undefined || command === 'fn') return runFunctionCommand();
  if (command === '--help' || command === '-h' || command === 'help') {
    writeAll(1, HELP);
    return 0;
  }
  if (command === '--version' || command === 'version') {
    writeAll(1, `pxc-tls ${VERSION}\n`);
    return 0;
  }
  if (command === 'watch') return loadWatcher().runWatcher(rest);
  writeAll(2, `pxc-tls: unknown command "${command}"; see pxc-tls --help\n`);
  return 1;
}

/** Runs the command line and sets the exit code. */
export function start(argv: readonly string[]): void {
  Promise.resolve()
    .then(() => main(argv))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        // Never a stack trace for users; the message is enough to act on.
        writeAll(2, `pxc-tls: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
      },
    );
}

// The bundle run by node, or the single executable (whose embedded script Node versions differ on
// treating as require.main).
if (require.main === module || (typeof PXC_TLS_SEA === 'boolean' && PXC_TLS_SEA)) start(process.argv.slice(2));

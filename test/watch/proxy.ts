// A TCP proxy between the watcher and the API server, so a test can take the API server away
// from it and bring it back: every connection is cut and new ones are refused while "down".
// It runs in its own process (tcp-proxy.cjs): sockets and servers left in a jest worker made the jest
// parent spin at exit.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface Outage {
  port: number;
  /** Cuts every connection and refuses new ones for `ms`, then accepts again on the same port. */
  cut(ms: number): Promise<void>;
  close(): Promise<void>;
}

export async function startProxy(target: { host: string; port: number }): Promise<Outage> {
  const child = spawn(process.execPath, [join(__dirname, 'tcp-proxy.cjs'), target.host, String(target.port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let buffer = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      lines.push(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      waiters.splice(0).forEach((w) => w());
    }
  });
  const next = (prefix: string) => new Promise<string>((resolve, reject) => {
    const check = () => {
      const at = lines.findIndex((l) => l.startsWith(prefix));
      if (at >= 0) return resolve(lines.splice(at, 1)[0]!);
      if (child.exitCode !== null) return reject(new Error('the proxy exited'));
      waiters.push(check);
    };
    check();
  });
  const port = Number((await next('port ')).split(' ')[1]);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    port,
    async cut(ms: number) {
      child.stdin!.write(`cut ${ms}\n`);
      await next('up');
    },
    async close() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

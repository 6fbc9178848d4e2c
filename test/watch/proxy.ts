// A TCP proxy between the watcher and the API server, so a test can take the API server away
// from it and bring it back: every connection is cut and new ones are refused while "down".
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface Outage {
  port: number;
  /** Cuts every connection and refuses new ones for `ms`, then accepts again on the same port. */
  cut(ms: number): Promise<void>;
  close(): Promise<void>;
}

export async function startProxy(target: { host: string; port: number }): Promise<Outage> {
  const sockets = new Set<Socket>();
  let port = 0;
  let server: Server;
  const listen = () => new Promise<void>((resolve, reject) => {
    server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      port = (server.address() as { port: number }).port;
      resolve();
    });
  });
  const stop = () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    sockets.forEach((s) => s.resetAndDestroy());
  });
  await listen();
  return {
    get port() {
      return port;
    },
    async cut(ms: number) {
      await stop();
      await new Promise((r) => setTimeout(r, ms));
      await listen();
    },
    close: stop,
  };
}

// Small network helpers for the NetworkPolicy enforcement test, each run in a network namespace
// with `ip netns exec NS node netns-helper.cjs MODE ...`. The long-running modes exit when stdin
// closes, so nothing outlives the test process.
//   unix-to-tcp SOCKET HOST PORT   accept on a Unix socket, forward to HOST:PORT (host side)
//   tcp-to-unix HOST PORT SOCKET   accept on HOST:PORT, forward to the Unix socket (namespace side)
//   listen PORT...                 accept TCP on every address and close at once (a pod's servers)
//   probe IP TIMEOUT_MS PORT...    try each port once; print {"<port>": true|false} (connected or not)
'use strict';
const net = require('node:net');
const [mode, ...args] = process.argv.slice(2);

function pipe(client, upstream) {
  for (const s of [client, upstream]) s.on('error', () => { client.destroy(); upstream.destroy(); });
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
}

function untilStdinCloses() {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
}

if (mode === 'unix-to-tcp') {
  const [socket, host, port] = args;
  net.createServer((c) => pipe(c, net.connect(Number(port), host))).listen(socket, () => process.stdout.write('ready\n'));
  untilStdinCloses();
} else if (mode === 'tcp-to-unix') {
  const [host, port, socket] = args;
  net.createServer((c) => pipe(c, net.connect(socket))).listen(Number(port), host, () => process.stdout.write('ready\n'));
  untilStdinCloses();
} else if (mode === 'listen') {
  let open = 0;
  for (const port of args) {
    net.createServer((c) => c.end()).listen(Number(port), '0.0.0.0', () => {
      if (++open === args.length) process.stdout.write('ready\n');
    });
  }
  untilStdinCloses();
} else if (mode === 'probe') {
  const [ip, timeout, ...ports] = args;
  Promise.all(ports.map((port) => new Promise((res) => {
    const s = net.connect({ host: ip, port: Number(port) });
    const done = (ok) => { s.destroy(); res([port, ok]); };
    s.setTimeout(Number(timeout), () => done(false));
    s.on('connect', () => done(true));
    s.on('error', () => done(false));
  }))).then((results) => process.stdout.write(`${JSON.stringify(Object.fromEntries(results))}\n`));
} else {
  process.stderr.write(`netns-helper: unknown mode ${mode}\n`);
  process.exit(2);
}

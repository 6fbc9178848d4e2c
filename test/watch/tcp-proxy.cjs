// A TCP proxy in its own process (started by proxy.ts): `node tcp-proxy.cjs HOST PORT` prints
// `port <n>`; on stdin, `cut <ms>` cuts every connection and refuses new ones for <ms>, then
// accepts again on the same port and prints `up`. It exits when stdin closes.
'use strict';
const net = require('node:net');
const [host, targetPort] = process.argv.slice(2);
const sockets = new Set();
let port = 0;
let server;

function listen(cb) {
  server = net.createServer((client) => {
    const upstream = net.connect(Number(targetPort), host);
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
  server.listen(port, '127.0.0.1', () => {
    port = server.address().port;
    cb();
  });
}

listen(() => process.stdout.write(`port ${port}\n`));
let buffer = '';
process.stdin.on('data', (d) => {
  buffer += d;
  let nl;
  while ((nl = buffer.indexOf('\n')) >= 0) {
    const [cmd, arg] = buffer.slice(0, nl).split(' ');
    buffer = buffer.slice(nl + 1);
    if (cmd !== 'cut') continue;
    server.close();
    for (const s of sockets) s.resetAndDestroy();
    setTimeout(() => listen(() => process.stdout.write('up\n')), Number(arg));
  }
});
process.stdin.on('end', () => process.exit(0));

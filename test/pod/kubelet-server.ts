// The sandbox kubelet's HTTPS endpoint, enough for `kubectl logs`: the API server proxies
// /api/v1/namespaces/<ns>/pods/<pod>/log to <node InternalIP>:<daemonEndpoints.kubeletEndpoint.Port>
// /containerLogs/<ns>/<pod>/<container>. The rig's apiserver is started without
// --kubelet-certificate-authority, so a self-signed serving certificate is accepted.
import { createServer, type Server } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runOk } from './proc';

export interface LogSource {
  logs(namespace: string, pod: string, container: string | undefined, previous: boolean): string | undefined;
}

export async function startKubeletServer(dir: string, host: string, nodeName: string, source: LogSource): Promise<{ server: Server; port: number }> {
  const key = join(dir, 'kubelet.key');
  const cert = join(dir, 'kubelet.crt');
  await runOk(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', `/CN=${nodeName}`, '-addext', `subjectAltName=IP:${host},DNS:${nodeName}`]);
  const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    if (url.pathname === '/healthz') return void res.end('ok');
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]*)$/.exec(url.pathname);
    if (!m) {
      res.statusCode = 404;
      return void res.end('not found');
    }
    const [, ns, pod, container] = m.map(decodeURIComponent) as [string, string, string, string];
    const previous = url.searchParams.get('previous') === 'true';
    let text = source.logs(ns, pod, container || undefined, previous);
    if (text === undefined) {
      res.statusCode = 404;
      return void res.end(`container ${container} of pod ${ns}/${pod} is not on ${nodeName}`);
    }
    const tail = url.searchParams.get('tailLines');
    if (tail) text = text.split('\n').slice(-Number(tail) - 1).join('\n');
    res.setHeader('content-type', 'text/plain');
    if (url.searchParams.get('follow') !== 'true') return void res.end(text);
    res.write(text);
    let sent = text.length;
    const timer = setInterval(() => {
      const now = source.logs(ns, pod, container || undefined, false) ?? '';
      if (now.length > sent) res.write(now.slice(sent));
      sent = now.length;
    }, 500);
    req.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return { server, port: (server.address() as { port: number }).port };
}

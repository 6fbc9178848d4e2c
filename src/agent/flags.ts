/**
 * `pxc-tls agent` settings, read once at start from flags and the pod's environment (the rendered
 * container sets POD_NAME, POD_NAMESPACE, DB_NAME and the monitor user's credentials; the paths
 * default to KubeDB's mounts). Nothing below reads argv or the environment.
 */
import { AGENT_PORT, SERVED_TLS_MOUNT, TRUST_MOUNT } from '../model/project';
import { DB_ENV, DB_PORT, DEFAULT_CLUSTER_DOMAIN, MOUNT, CERT_MOUNT_ROOT } from '../model/kubedb';
import { memberOrdinal } from '../model/names';
import { inClusterEndpoint, type ApiEndpoint } from './kube';

export interface AgentFlags {
  pod: string;
  namespace: string;
  database: string;
  ordinal: number;
  /** tls: the Secret's volume (read); servedTls, trust: the served copies mysqld and Galera load (written). */
  paths: { scripts: string; runScript: string; data: string; tls: string; servedTls: string; trust: string };
  listen: { host: string; port: number };
  /** Where a peer's agent listens: its port; the host is its pod DNS name unless overridden. */
  peerPort: number;
  /** member → host:port, for tests where pod names do not resolve. */
  peerOverrides: Map<string, { host: string; port: number }>;
  mysql: { host: string; port: number; user: string; password: string };
  api: ApiEndpoint;
  tickMs: number;
  /** The cluster's DNS domain: a renewed server certificate must cover `<pod>.<db>-pods.<ns>.svc.<domain>`. */
  clusterDomain: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /**
   * How a verified renewal reaches the running server: `reload` (the statements the server
   * supports; a restart only for a channel that cannot reload), or `restart` (never a reload
   * statement: every renewal goes through the leader's one-at-a-time restart). Not rendered by
   * the function: `restart` exists to prove the fallback on servers that reload everything.
   */
  tlsReload: 'reload' | 'restart';
}

export const AGENT_HELP = `Usage: pxc-tls agent [flags]

The in-pod agent of a pxc-tls database (a container beside perconaxtradb, in the place of KubeDB's
px-coordinator): it writes KubeDB's init-image files (/scripts/peer-list, /run-script/*.sh),
reports its member's facts on its Pod, joins a running Primary component, bootstraps only on the
watcher's order, and serves /healthz, /readyz, /peer and /metrics over HTTPS on port ${AGENT_PORT}.

Environment: POD_NAME, POD_NAMESPACE, DB_NAME; ${DB_ENV.monitorUsername}, ${DB_ENV.monitorPassword} (the
monitor user, for the wsrep status); KUBERNETES_SERVICE_HOST/PORT and the projected token.

Flags:
  --scripts-dir DIR        default ${MOUNT.initScripts}
  --run-script-dir DIR     default ${MOUNT.runScript}
  --data-dir DIR           default ${MOUNT.data}
  --tls-dir DIR            the server certificate Secret's volume (default ${CERT_MOUNT_ROOT}/server)
  --served-tls-dir DIR     the verified copy of its leaf mysqld and Galera load (default ${SERVED_TLS_MOUNT})
  --trust-dir DIR          the trust bundle mysqld and Galera load (default ${TRUST_MOUNT})
  --listen-address H:P     default :${AGENT_PORT}
  --mysql-address H:P      default 127.0.0.1:${DB_PORT}
  --api-server URL         default: in-cluster
  --token-file F, --api-ca-file F
  --peer NAME=HOST:PORT    where a member's agent listens (repeatable; default <pod>.<db>-pods.<ns>.svc:${AGENT_PORT})
  --tick D                 default 1s
  --cluster-domain D       default ${DEFAULT_CLUSTER_DOMAIN} (the names a renewed server certificate must cover)
  --log-level LEVEL        debug, info, warn, error (default info)
  --tls-reload MODE        reload (default): renewed certificates reloaded in the running server, a
                           restart (one member at a time, on the watcher's order) only for a channel
                           that cannot reload; restart: never reload, always that restart
`;

export class AgentFlagError extends Error {}

function address(text: string, flag: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  const port = Number(text.slice(at + 1));
  if (at < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new AgentFlagError(`invalid ${flag} "${text}" (HOST:PORT or :PORT)`);
  return { host: text.slice(0, at).replace(/^\[|\]$/g, ''), port };
}

function duration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (!match) throw new AgentFlagError(`invalid duration "${text}" (e.g. 500ms, 1s)`);
  return Math.round(Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm']);
}

export function parseAgentFlags(args: readonly string[], env: NodeJS.ProcessEnv): AgentFlags | 'help' {
  const values = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-h' || arg === '--help') return 'help';
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (!match) throw new AgentFlagError(`unexpected argument "${arg}"; see pxc-tls agent --help`);
    const value = match[2] ?? args[++i];
    if (value === undefined) throw new AgentFlagError(`--${match[1]} needs a value`);
    values.set(match[1]!, [...(values.get(match[1]!) ?? []), value]);
  }
  const known = ['scripts-dir', 'run-script-dir', 'data-dir', 'tls-dir', 'served-tls-dir', 'trust-dir', 'listen-address', 'mysql-address', 'api-server', 'token-file', 'api-ca-file', 'peer', 'tick', 'cluster-domain', 'log-level', 'tls-reload'];
  for (const name of values.keys()) if (!known.includes(name)) throw new AgentFlagError(`unknown flag --${name}; see pxc-tls agent --help`);
  const one = (name: string) => values.get(name)?.at(-1);
  const need = (name: string) => {
    const v = env[name];
    if (!v) throw new AgentFlagError(`${name} is not set (the rendered container sets it)`);
    return v;
  };
  const pod = need('POD_NAME');
  const namespace = need('POD_NAMESPACE');
  const database = need('DB_NAME');
  const ordinal = memberOrdinal(database, pod);
  if (ordinal === undefined) throw new AgentFlagError(`POD_NAME ${pod} is not a member of ${database} (<db>-<ordinal>)`);
  const user = need(DB_ENV.monitorUsername);
  const password = env[DB_ENV.monitorPassword] ?? '';
  let api: ApiEndpoint | undefined;
  const server = one('api-server');
  if (server) api = { server, tokenFile: one('token-file') ?? '', caFile: one('api-ca-file') ?? '' };
  else api = inClusterEndpoint(env);
  if (!api || !api.tokenFile || !api.caFile) throw new AgentFlagError('no API server: run in a pod, or pass --api-server with --token-file and --api-ca-file');
  const level = one('log-level') ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new AgentFlagError(`invalid --log-level "${level}"`);
  const tlsReload = one('tls-reload') ?? 'reload';
  if (tlsReload !== 'reload' && tlsReload !== 'restart') throw new AgentFlagError(`invalid --tls-reload "${tlsReload}" (reload or restart)`);
  const listen = address(one('listen-address') ?? `:${AGENT_PORT}`, '--listen-address');
  const peerOverrides = new Map<string, { host: string; port: number }>();
  for (const p of values.get('peer') ?? []) {
    const eq = p.indexOf('=');
    if (eq < 1) throw new AgentFlagError(`invalid --peer "${p}" (NAME=HOST:PORT)`);
    peerOverrides.set(p.slice(0, eq), address(p.slice(eq + 1), '--peer'));
  }
  const mysql = address(one('mysql-address') ?? `127.0.0.1:${DB_PORT}`, '--mysql-address');
  return {
    pod, namespace, database, ordinal,
    paths: {
      scripts: one('scripts-dir') ?? MOUNT.initScripts,
      runScript: one('run-script-dir') ?? MOUNT.runScript,
      data: one('data-dir') ?? MOUNT.data,
      tls: one('tls-dir') ?? `${CERT_MOUNT_ROOT}/server`,
      servedTls: one('served-tls-dir') ?? SERVED_TLS_MOUNT,
      trust: one('trust-dir') ?? TRUST_MOUNT,
    },
    listen,
    peerPort: listen.port || AGENT_PORT,
    peerOverrides,
    mysql: { host: mysql.host || '127.0.0.1', port: mysql.port, user, password },
    api,
    tickMs: duration(one('tick') ?? '1s'),
    clusterDomain: one('cluster-domain') ?? DEFAULT_CLUSTER_DOMAIN,
    logLevel: level as AgentFlags['logLevel'],
    tlsReload,
  };
}

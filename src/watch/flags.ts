/**
 * `pxc-tls watch` flags, parsed once at start-up and passed down (nothing below reads argv or
 * the environment). `--flag value` and `--flag=value`; durations as `15s`, `500ms`, `5m`.
 */
import { DB_PORT, DEFAULT_CLUSTER_DOMAIN, LABEL, LABEL_VALUE } from '../model/kubedb';
import { DEFAULT_LEADER_TIMING } from './leader';
import type { Level } from './log';

export interface WatchFlags {
  kubeconfig?: string;
  /** Empty: all namespaces. */
  namespaces: string[];
  clusterDomain: string;
  listenAddress: { host: string; port: number };
  leaseName: string;
  leaseNamespace?: string;
  identity?: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  resyncPeriodMs: number;
  podSelector: string;
  logLevel: Level;
  /** How often the leader reads each running pod's served certificate; 0 turns it off. */
  servedCheckPeriodMs: number;
  /** How long a pod may serve an older certificate than its Secret before it is reported. */
  servedGraceMs: number;
  /** A served certificate with less than this left is reported as expiring soon. */
  servedExpiryWarningMs: number;
  /** One probe, connect to close. */
  servedTimeoutMs: number;
  /** The database pods' SQL port. */
  mysqlPort: number;
  /** Where cert-manager keeps the CA Secrets of ClusterIssuers (its --cluster-resource-namespace). */
  clusterResourceNamespace: string;
}

/** cert-manager's Helm chart runs the controller with --cluster-resource-namespace=<its own namespace>, by default cert-manager. */
export const DEFAULT_CLUSTER_RESOURCE_NAMESPACE = 'cert-manager';

export const WATCH_HELP = `Usage: pxc-tls watch [flags]

Removes the scheduling gate pxc-tls.dev/certificates-ready from a database's pods once every
certificate Secret they mount is present and verified. Runs in the cluster (in-cluster config)
or against a kubeconfig.

Flags:
  --kubeconfig PATH          kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster)
  --namespace NS[,NS…]       watch these namespaces (repeatable; default: all namespaces)
  --all-namespaces           watch all namespaces (the default)
  --cluster-domain DOMAIN    cluster domain the server certificates must cover (default ${DEFAULT_CLUSTER_DOMAIN})
  --listen-address HOST:PORT /healthz, /readyz and /metrics (default :8080)
  --lease-name NAME          leader election Lease (default pxc-tls-watch)
  --lease-namespace NS       its namespace (default: $POD_NAMESPACE, else the service account's)
  --identity ID              this replica's identity (default: <hostname>_<random>)
  --lease-duration D         default 15s
  --renew-deadline D         default 10s
  --retry-period D           default 2s
  --resync-period D          watchdog: full relist of every informer (default 5m)
  --pod-selector SELECTOR    label selector of the pods to watch
                             (default ${LABEL.name}=${LABEL_VALUE.name},${LABEL.instance})
  --log-level LEVEL          debug, info, warn, error (default info)

Served certificates (the leader reads what each running pod serves on its SQL port, as a client):
  --served-check-period D    how often (default 1m; 0s turns it off)
  --served-grace D           how long a pod may serve an older certificate than its Secret
                             before it is reported (default 15m)
  --served-expiry-warning D  report a served certificate expiring within D (default 168h)
  --served-timeout D         one probe, connect to close (default 5s)
  --mysql-port PORT          the pods' SQL port (default ${DB_PORT})
  --cluster-resource-namespace NS
                             where cert-manager keeps ClusterIssuers' CA Secrets, for the check
                             of the CA's key rotation (default ${DEFAULT_CLUSTER_RESOURCE_NAMESPACE})
  -h, --help
`;

export class FlagError extends Error {}

export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new FlagError(`invalid duration "${text}" (e.g. 500ms, 15s, 5m)`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(match[1]) * factor);
}

function parseListen(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  const port = Number(text.slice(at + 1));
  if (at < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new FlagError(`invalid --listen-address "${text}" (HOST:PORT or :PORT)`);
  return { host: text.slice(0, at).replace(/^\[|\]$/g, ''), port };
}

const VALUE_FLAGS = new Set([
  'kubeconfig', 'namespace', 'cluster-domain', 'listen-address', 'lease-name', 'lease-namespace', 'identity',
  'lease-duration', 'renew-deadline', 'retry-period', 'resync-period', 'pod-selector', 'log-level',
  'served-check-period', 'served-grace', 'served-expiry-warning', 'served-timeout', 'mysql-port', 'cluster-resource-namespace',
]);

/** Parsed flags, or 'help'. Throws FlagError with a message for users. */
export function parseFlags(args: readonly string[]): WatchFlags | 'help' {
  const flags: WatchFlags = {
    namespaces: [],
    clusterDomain: DEFAULT_CLUSTER_DOMAIN,
    listenAddress: { host: '', port: 8080 },
    leaseName: 'pxc-tls-watch',
    leaseDurationMs: DEFAULT_LEADER_TIMING.leaseDurationMs,
    renewDeadlineMs: DEFAULT_LEADER_TIMING.renewDeadlineMs,
    retryPeriodMs: DEFAULT_LEADER_TIMING.retryPeriodMs,
    resyncPeriodMs: 5 * 60_000,
    podSelector: `${LABEL.name}=${LABEL_VALUE.name},${LABEL.instance}`,
    logLevel: 'info',
    servedCheckPeriodMs: 60_000,
    servedGraceMs: 15 * 60_000,
    servedExpiryWarningMs: 7 * 24 * 3_600_000,
    servedTimeoutMs: 5000,
    mysqlPort: DB_PORT,
    clusterResourceNamespace: DEFAULT_CLUSTER_RESOURCE_NAMESPACE,
  };
  let allNamespaces = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-h' || arg === '--help') return 'help';
    if (arg === '--all-namespaces' || arg === '-A') {
      allNamespaces = true;
      continue;
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (!match || !VALUE_FLAGS.has(match[1]!)) throw new FlagError(`unknown flag "${arg}"; see pxc-tls watch --help`);
    const name = match[1]!;
    let value = match[2];
    if (value === undefined) {
      value = args[++i];
      if (value === undefined) throw new FlagError(`--${name} needs a value`);
    }
    switch (name) {
      case 'kubeconfig': flags.kubeconfig = value; break;
      case 'namespace': flags.namespaces.push(...value.split(',').map((s) => s.trim()).filter(Boolean)); break;
      case 'cluster-domain': flags.clusterDomain = value.replace(/^\.+|\.+$/g, ''); break;
      case 'listen-address': flags.listenAddress = parseListen(value); break;
      case 'lease-name': flags.leaseName = value; break;
      case 'lease-namespace': flags.leaseNamespace = value; break;
      case 'identity': flags.identity = value; break;
      case 'lease-duration': flags.leaseDurationMs = parseDuration(value); break;
      case 'renew-deadline': flags.renewDeadlineMs = parseDuration(value); break;
      case 'retry-period': flags.retryPeriodMs = parseDuration(value); break;
      case 'resync-period': flags.resyncPeriodMs = parseDuration(value); break;
      case 'pod-selector': flags.podSelector = value; break;
      case 'log-level':
        if (!['debug', 'info', 'warn', 'error'].includes(value)) throw new FlagError(`invalid --log-level "${value}"`);
        flags.logLevel = value as Level;
        break;
      case 'served-check-period': flags.servedCheckPeriodMs = parseDuration(value); break;
      case 'served-grace': flags.servedGraceMs = parseDuration(value); break;
      case 'served-expiry-warning': flags.servedExpiryWarningMs = parseDuration(value); break;
      case 'served-timeout': flags.servedTimeoutMs = parseDuration(value); break;
      case 'mysql-port': {
        const port = Number(value);
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new FlagError(`invalid --mysql-port "${value}"`);
        flags.mysqlPort = port;
        break;
      }
      case 'cluster-resource-namespace': flags.clusterResourceNamespace = value; break;
    }
  }
  if (allNamespaces && flags.namespaces.length > 0) throw new FlagError('--all-namespaces and --namespace exclude each other');
  if (!flags.clusterDomain) throw new FlagError('--cluster-domain must not be empty');
  if (flags.resyncPeriodMs < 1000) throw new FlagError('--resync-period must be at least 1s');
  if (flags.servedCheckPeriodMs !== 0 && flags.servedCheckPeriodMs < 1000) throw new FlagError('--served-check-period must be 0s (off) or at least 1s');
  if (flags.servedTimeoutMs < 100 || (flags.servedCheckPeriodMs > 0 && flags.servedTimeoutMs > flags.servedCheckPeriodMs)) {
    throw new FlagError('--served-timeout must be at least 100ms and no longer than --served-check-period');
  }
  flags.namespaces = [...new Set(flags.namespaces)];
  return flags;
}

/** Where a pod's service account token is mounted (Kubernetes; client-node's in-cluster check reads it). */
const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export type ClusterSource = { kind: 'kubeconfig'; paths: string[] } | { kind: 'in-cluster' };

/**
 * Which cluster `pxc-tls watch` talks to, decided before any client is made, in client-node's
 * loadFromDefault order: --kubeconfig, $KUBECONFIG, ~/.kube/config, then the pod's service account.
 * With none of them client-node would fall back to http://localhost:8080 and retry forever; this
 * says so at once instead.
 */
export function clusterSource(kubeconfig: string | undefined, env: Readonly<Record<string, string | undefined>>, exists: (path: string) => boolean, home: string): ClusterSource {
  if (kubeconfig !== undefined) {
    if (!exists(kubeconfig)) throw new FlagError(`--kubeconfig ${kubeconfig}: no such file`);
    return { kind: 'kubeconfig', paths: [kubeconfig] };
  }
  const fromEnv = (env.KUBECONFIG ?? '').split(':').filter(Boolean);
  if (fromEnv.length > 0) {
    const found = fromEnv.filter(exists);
    if (found.length === 0) throw new FlagError(`$KUBECONFIG names no file that exists (${fromEnv.join(', ')})`);
    return { kind: 'kubeconfig', paths: found };
  }
  const homeConfig = `${home.replace(/\/+$/, '')}/.kube/config`;
  if (home && exists(homeConfig)) return { kind: 'kubeconfig', paths: [homeConfig] };
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT && exists(SERVICE_ACCOUNT_TOKEN)) return { kind: 'in-cluster' };
  throw new FlagError(
    'no cluster to watch: no --kubeconfig, no $KUBECONFIG, no ~/.kube/config, and not in a pod (no KUBERNETES_SERVICE_HOST or service account token). ' +
      'Pass --kubeconfig PATH, or deploy the watcher in the cluster (examples/watcher)',
  );
}

/**
 * `pxc-tls watch`: flags parsed once, then informers (pods with the gate, certificate Secrets,
 * cert-manager Certificates) feeding a per-database queue, a leader election on a Lease, and one
 * HTTP port for probes and metrics. SIGTERM/SIGINT: stop informers and queue, release the Lease,
 * close the server, exit 0.
 */
import { randomBytes } from 'node:crypto';
import { homedir, hostname } from 'node:os';
import { existsSync } from 'node:fs';
import { CERT_ALIAS_LABEL } from '../model/project';
import { Controller, type Caches } from './controller';
import { clusterSource, FlagError, parseFlags, WATCH_HELP, type WatchFlags } from './flags';
import { SupervisedInformer, type Verb } from './informers';
import { connect, type Resource } from './kube';
import { JITTER_FACTOR, LeaderElector } from './leader';
import { createLogger, type Logger } from './log';
import { watcherMetrics } from './metrics';
import { KeyedQueue } from './queue';
import { RenewalMonitor } from './renewal';
import { renewalMetrics } from './renewal-metrics';
import { probeServedCertificate } from './served-probe';
import { createProbeServer, listen } from './server';

/** Databases reconciled at once: on becoming leader over 1,000 databases every one is due, and
 * unbounded that is thousands of requests in flight (controller-runtime's workers, by another name). */
const RECONCILES_AT_ONCE = 8;
/** Databases whose pods are probed at once (each database's pods in parallel): a few dozen sockets at most. */
const RENEWAL_DATABASES_AT_ONCE = 8;
import type { CertificateObject, PodObject, SecretObject } from './types';

declare const PXC_TLS_VERSION: string | undefined;
const VERSION = typeof PXC_TLS_VERSION === 'string' ? PXC_TLS_VERSION : 'dev';

/** Informers of one resource over the watched scope: one per namespace, or one for all. */
class Scoped<T extends { metadata: { name: string; namespace?: string } }> {
  constructor(readonly informers: Map<string | undefined, SupervisedInformer<T>>) {}
  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.informers.values()].flatMap((i) => i.list());
    const informer = this.informers.get(namespace) ?? this.informers.get(undefined);
    return informer?.list(namespace) ?? [];
  }
  get(namespace: string, name: string): T | undefined {
    return (this.informers.get(namespace) ?? this.informers.get(undefined))?.get(name, namespace);
  }
}

const monotonic = () => Number(process.hrtime.bigint() / 1_000_000n);

export async function runWatcher(args: readonly string[]): Promise<number> {
  let flags: WatchFlags | 'help';
  try {
    flags = parseFlags(args);
  } catch (error) {
    if (error instanceof FlagError) {
      process.stderr.write(`pxc-tls watch: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (flags === 'help') {
    process.stdout.write(WATCH_HELP);
    return 0;
  }
  return run(flags, createLogger({ level: flags.logLevel, base: { component: 'pxc-tls-watch' } }));
}

async function run(flags: WatchFlags, log: Logger): Promise<number> {
  try {
    clusterSource(flags.kubeconfig, process.env, existsSync, homedir());
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    process.stderr.write(`pxc-tls watch: ${error.message}\n`);
    return 2;
  }
  const kube = connect(flags.kubeconfig);
  const identity = flags.identity ?? `${hostname()}_${randomBytes(4).toString('hex')}`;
  const leaseNamespace = flags.leaseNamespace ?? process.env.POD_NAMESPACE ?? kube.ownNamespace();
  if (!leaseNamespace) {
    process.stderr.write('pxc-tls watch: no namespace for the leader Lease: pass --lease-namespace (or set POD_NAMESPACE)\n');
    return 2;
  }
  log.info('starting', {
    version: VERSION, server: kube.server, identity, namespaces: flags.namespaces.length ? flags.namespaces : 'all',
    lease: `${leaseNamespace}/${flags.leaseName}`, clusterDomain: flags.clusterDomain,
  });

  let leader: LeaderElector | undefined;
  let controller: Controller | undefined;
  let renewal: RenewalMonitor | undefined;
  let shuttingDown = false;
  const metrics = watcherMetrics({
    gatedPods: () => controller?.gatedPods() ?? 0,
    verdicts: () => controller?.verdictCounts() ?? new Map(),
    leader: () => leader?.isLeader() ?? false,
    memory: () => process.memoryUsage(),
  });
  const renewalCounters = renewalMetrics(metrics.registry, {
    servedPods: () => renewal?.servedPods() ?? [],
    databaseWarnings: () => renewal?.databaseWarnings() ?? new Map(),
    now: () => Date.now(),
  });

  // ---- informers -------------------------------------------------------------------------------
  const all: SupervisedInformer<any>[] = [];
  const scopes: Array<string | undefined> = flags.namespaces.length ? flags.namespaces : [undefined];
  let onEvent: (resource: Resource, verb: Verb, obj: any) => void = () => {};
  let onSynced: () => void = () => {};
  function scoped<T extends { metadata: { name: string; namespace?: string } }>(resource: Resource, selector?: string): Scoped<T> {
    const map = new Map<string | undefined, SupervisedInformer<T>>();
    for (const namespace of scopes) {
      const name = namespace ? `${resource}/${namespace}` : resource;
      const informer = new SupervisedInformer<T>({
        name,
        create: kube.listWatch<T>(resource, namespace, selector),
        onEvent: (verb, obj) => onEvent(resource, verb, obj),
        onSynced: () => {
          log.info('informer synced', { informer: name });
          onSynced();
        },
        onRestart: (cause, delayMs, error) => {
          metrics.watchRestarts.inc({ resource, cause });
          if (cause === 'error') log.warn('informer failed; restarting', { informer: name, delayMs, error });
          else log.info('watchdog resync', { informer: name });
        },
      });
      map.set(namespace, informer);
      all.push(informer);
    }
    return new Scoped(map);
  }
  const pods = scoped<PodObject>('pods', flags.podSelector);
  const secrets = scoped<SecretObject>('secrets', CERT_ALIAS_LABEL);
  const certificates = scoped<CertificateObject>('certificates');
  const caches: Caches = {
    pods: (ns) => pods.list(ns),
    secret: (ns, name) => secrets.get(ns, name),
    certificates: (ns) => certificates.list(ns),
  };

  // ---- leader election, controller, queue ------------------------------------------------------
  const queue: KeyedQueue = new KeyedQueue(
    (key, superseded) => controller!.reconcile(key, superseded),
    (key, error, retryInMs) => log.warn('reconcile failed; retrying', { database: key, retryInMs, error }),
    undefined,
    undefined,
    RECONCILES_AT_ONCE,
  );
  leader = new LeaderElector(
    { identity, leaseDurationMs: flags.leaseDurationMs, renewDeadlineMs: flags.renewDeadlineMs, retryPeriodMs: flags.retryPeriodMs },
    kube.leaseStore(leaseNamespace, flags.leaseName),
    { monotonic, wall: () => new Date() },
    (leading) => {
      metrics.leaderTransitions.inc();
      log.info(leading ? 'became leader' : 'stopped leading', { identity });
      if (leading) {
        controller?.enqueueAll();
        void renewal?.round();
      } else renewal?.stoppedLeading();
    },
  );
  const elector = leader;
  controller = new Controller({
    caches,
    writer: kube.writer,
    isLeader: () => elector.isLeader() && !shuttingDown,
    synced: () => all.every((i) => i.synced),
    clusterDomain: flags.clusterDomain,
    identity,
    metrics,
    log,
    now: () => new Date(),
    monotonic,
    eventSuffix: () => `${Date.now().toString(16)}${randomBytes(2).toString('hex')}`,
    warnings: (key) => renewal?.warningsOf(key) ?? [],
  }, (key) => queue.enqueue(key));
  const ctl = controller;
  // The CA's key rotation and the served certificates: warnings beside the gate, written into the
  // verdict annotation by the controller (its one writer).
  const probing = flags.servedCheckPeriodMs > 0;
  renewal = new RenewalMonitor({
    caches,
    issuers: kube.issuers,
    probe: probeServedCertificate,
    createEvent: (ns, event) => kube.writer.createEvent(ns, event),
    isLeader: () => elector.isLeader() && !shuttingDown,
    synced: () => all.every((i) => i.synced),
    warningsChanged: (key) => ctl.warningsChanged(key),
    metrics: renewalCounters,
    apiErrors: metrics.apiErrors,
    log: log.with({ part: 'renewal' }),
    now: () => new Date(),
    monotonic,
    eventSuffix: () => `${Date.now().toString(16)}${randomBytes(2).toString('hex')}`,
    identity,
    options: {
      probe: probing,
      port: flags.mysqlPort,
      graceMs: flags.servedGraceMs,
      expiryWarningMs: flags.servedExpiryWarningMs,
      timeoutMs: flags.servedTimeoutMs,
      clusterResourceNamespace: flags.clusterResourceNamespace,
      clusterIssuers: flags.namespaces.length === 0,
      issuerTtlMs: flags.resyncPeriodMs,
      databasesAtOnce: RENEWAL_DATABASES_AT_ONCE,
    },
  });
  const monitor = renewal;
  if (flags.namespaces.length > 0) log.info('ClusterIssuers are not read by a namespaced watcher: no CA check for databases that use one');
  onEvent = (resource, verb, obj) => {
    if (resource === 'pods') ctl.onPod(verb, obj as PodObject);
    else if (resource === 'secrets') ctl.onSecretName((obj as SecretObject).metadata.namespace, (obj as SecretObject).metadata.name);
    else ctl.onSecretName((obj as CertificateObject).metadata.namespace, (obj as CertificateObject).spec?.secretName);
  };
  onSynced = () => {
    ctl.enqueueAll();
    void monitor.round();
  };

  // ---- HTTP ------------------------------------------------------------------------------------
  const server = createProbeServer({
    notReady: () => all.filter((i) => !i.synced).map((i) => i.name),
    metrics: () => metrics.registry.text(),
    shuttingDown: () => shuttingDown,
  });
  const port = await listen(server, flags.listenAddress.host, flags.listenAddress.port);
  log.info('serving /healthz /readyz /metrics', { port });

  all.forEach((i) => i.start());
  const watchdog = setInterval(() => all.forEach((i) => i.resync()), flags.resyncPeriodMs);
  // Served certificates every --served-check-period; with probing off, the CA check every resync period.
  const renewalTimer = setInterval(() => void monitor.round(), probing ? flags.servedCheckPeriodMs : flags.resyncPeriodMs);

  // The election loop: every retryPeriod while leading, retryPeriod × [1, 1.2) while not (client-go's jitter).
  let electionTimer: NodeJS.Timeout | undefined;
  const electionLoop = async () => {
    if (shuttingDown) return;
    await elector.tick();
    if (shuttingDown) return;
    const wait = elector.isLeader() ? flags.retryPeriodMs : flags.retryPeriodMs * (1 + (JITTER_FACTOR - 1) * Math.random());
    electionTimer = setTimeout(() => void electionLoop(), wait);
  };
  void electionLoop();

  // ---- shutdown --------------------------------------------------------------------------------
  const done = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  shuttingDown = true;
  log.info('shutting down', { signal: done });
  clearInterval(watchdog);
  clearInterval(renewalTimer);
  await monitor.stop();
  clearTimeout(electionTimer);
  await Promise.all(all.map((i) => i.stop()));
  await queue.stop();
  const released = await elector.release();
  log.info(released ? 'released the leader Lease' : 'no Lease to release', { identity });
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
  log.info('stopped');
  // Whatever the client library still holds open (keep-alive sockets) must not keep us alive.
  setTimeout(() => process.exit(0), 1000).unref();
  return 0;
}

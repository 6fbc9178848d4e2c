/**
 * What a database's pods need, read from the pods themselves (ground truth, whatever was
 * rendered): the certificate Secrets of their `tls-<alias>-config` volumes, and the names the
 * server certificate must cover — computed with the render core's naming code.
 */
import { CERT_ALIASES, CertAlias, LABEL, TLS_VOLUME } from '../model/kubedb';
import { governingServiceName, LOCALHOST, LOOPBACK_IP, memberServerNames } from '../model/names';
import { SCHEDULING_GATE } from '../model/project';
import type { SecretRequirement } from '../tls/verdict';
import type { PodObject } from './types';

/** The alias a pod volume name stands for (`tls-server-config` → `server`). */
const ALIAS_OF_VOLUME: ReadonlyMap<string, CertAlias> = new Map(CERT_ALIASES.map((alias) => [TLS_VOLUME[alias], alias]));

export interface CertificateNeed {
  alias: CertAlias;
  secretName: string;
}

/** The pod's database: its `app.kubernetes.io/instance` label. */
export function databaseOf(pod: PodObject): string | undefined {
  return pod.metadata.labels?.[LABEL.instance];
}

export function isGated(pod: PodObject, gate = SCHEDULING_GATE): boolean {
  return (pod.spec?.schedulingGates ?? []).some((g) => g.name === gate);
}

/** The certificate Secrets the pod mounts, by alias, in CERT_ALIASES order. */
export function certificateNeeds(pod: PodObject): CertificateNeed[] {
  const needs: CertificateNeed[] = [];
  for (const volume of pod.spec?.volumes ?? []) {
    const alias = ALIAS_OF_VOLUME.get(volume.name);
    const secretName = volume.secret?.secretName;
    if (alias && secretName) needs.push({ alias, secretName });
  }
  return needs.sort((a, b) => CERT_ALIASES.indexOf(a.alias) - CERT_ALIASES.indexOf(b.alias));
}

/** `<db>-<ordinal>` → ordinal; undefined for other names. */
function ordinalOf(podName: string, db: string): number | undefined {
  if (!podName.startsWith(`${db}-`)) return undefined;
  const rest = podName.slice(db.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

/** The loopback names every server certificate must cover: the pod's own processes connect over them. */
export const LOOPBACK_DNS_NAMES = [LOCALHOST];
export const LOOPBACK_IP_ADDRESSES = [LOOPBACK_IP];

/**
 * The names the server certificate must cover for one pod: its own DNS name under the governing
 * Service (`<pod>.<db>-pods.<ns>.svc`, which Galera peers and SST use), the same with the cluster
 * domain, `localhost` and `127.0.0.1`. The Service names (`<db>`, `<db>.<ns>.svc`) are what
 * clients use; the render always includes them, the gate does not wait for them.
 */
export function serverNamesFor(pod: PodObject, db: string, clusterDomain: string): { dnsNames: string[]; ipAddresses: string[] } {
  const namespace = pod.metadata.namespace ?? '';
  const ordinal = ordinalOf(pod.metadata.name, db);
  if (ordinal !== undefined) return memberServerNames(db, namespace, ordinal, clusterDomain);
  const peer = `${pod.metadata.name}.${governingServiceName(db)}.${namespace}.svc`;
  return { dnsNames: [peer, `${peer}.${clusterDomain}`, ...LOOPBACK_DNS_NAMES], ipAddresses: [...LOOPBACK_IP_ADDRESSES] };
}

/**
 * The database's certificate Secrets, each with the names it must cover (the union over the
 * given pods; only server certificates carry names, and only the database's), in alias order
 * then Secret name. The pods are one database's, in one namespace.
 */
export function databaseRequirements(pods: readonly PodObject[], db: string, clusterDomain: string): SecretRequirement[] {
  const bySecret = new Map<string, { alias: CertAlias; dns: Set<string>; ips: Set<string> }>();
  for (const pod of pods) {
    for (const need of certificateNeeds(pod)) {
      const entry = bySecret.get(need.secretName) ?? { alias: need.alias, dns: new Set<string>(), ips: new Set<string>() };
      bySecret.set(need.secretName, entry);
      if (need.alias !== 'server') continue;
      const names = serverNamesFor(pod, db, clusterDomain);
      names.dnsNames.forEach((n) => entry.dns.add(n));
      names.ipAddresses.forEach((n) => entry.ips.add(n));
    }
  }
  const namespace = pods[0]?.metadata.namespace ?? '';
  return [...bySecret.entries()]
    .map(([secretName, e]): SecretRequirement => ({
      alias: e.alias,
      secretName,
      dnsNames: [...e.dns].sort(),
      ipAddresses: [...e.ips].sort(),
      // The server certificate is the members' identity: only the database's names, for both ends of TLS.
      ...(e.alias === 'server' ? { member: { name: db, namespace, clusterDomain } } : {}),
    }))
    .sort((a, b) => CERT_ALIASES.indexOf(a.alias) - CERT_ALIASES.indexOf(b.alias) || a.secretName.localeCompare(b.secretName));
}

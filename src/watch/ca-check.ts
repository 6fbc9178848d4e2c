/**
 * The watcher's half of the CA safeguard (src/model/ca-rotation.ts has the check and why): from a
 * database's Certificates (the informer cache) to the issuers they name (read by name, cached for
 * the TTL; a 403 means no RBAC for it: no check, said once), and from each CA issuer's
 * `spec.ca.secretName` to the CA Certificate in the cache — an Issuer's in its namespace, a
 * ClusterIssuer's in --cluster-resource-namespace. Within a round each namespace is indexed once
 * and each issuer's risks computed once: a thousand databases share a few issuers.
 */
import { caRekeyRisks, CLUSTER_ISSUER_KIND, ISSUER_KIND } from '../model/ca-rotation';
import type { Caches } from './controller';
import type { Logger } from './log';
import { CA_REKEYED_AT_RENEWAL, type Warning } from './record';
import { certificateNeeds } from './requirements';
import type { CertificateObject, DatabaseKey, IssuerObject, PodObject } from './types';

/** Issuers by name; throws with `statusCode` when the API refuses (403 without RBAC). */
export interface IssuerLookup {
  get(kind: typeof ISSUER_KIND | typeof CLUSTER_ISSUER_KIND, namespace: string | undefined, name: string): Promise<IssuerObject | undefined>;
}

export interface CaCheckDeps {
  caches: Caches;
  issuers: IssuerLookup;
  apiErrors: { inc(labels: { operation: string }): void };
  log: Logger;
  monotonic(): number;
  options: { clusterResourceNamespace: string; clusterIssuers: boolean; issuerTtlMs: number };
}

export class CaCheck {
  /** The last CA warning per database (kept when the issuer cannot be read this round). */
  private readonly warnings = new Map<DatabaseKey, Warning | undefined>();
  private readonly issuerCache = new Map<string, { issuer: IssuerObject | undefined | 'forbidden'; until: number }>();
  private roundCertificates = new Map<string, CertificateObject[]>();
  private roundRisks = new Map<string, string[]>();
  private roundBySecret = new Map<string, Map<string, CertificateObject[]>>();

  constructor(private readonly deps: CaCheckDeps) {}

  /** A new round: the caches' Certificates are read afresh. */
  newRound(): void {
    this.roundCertificates = new Map();
    this.roundRisks = new Map();
    this.roundBySecret = new Map();
  }

  forget(): void {
    this.warnings.clear();
  }

  /** Drops what it remembers of databases that are gone. */
  keepOnly(keys: ReadonlySet<DatabaseKey>): void {
    for (const k of this.warnings.keys()) if (!keys.has(k)) this.warnings.delete(k);
  }

  /** The database's CA warning; when an issuer cannot be read this round, the last one seen. */
  async check(key: DatabaseKey, namespace: string, pods: PodObject[]): Promise<Warning | undefined> {
    const { deps } = this;
    const secretNames = new Set(pods.flatMap((p) => certificateNeeds(p).map((n) => n.secretName)));
    const bySecret = this.bySecretIn(namespace);
    const refs = new Map<string, { kind: typeof ISSUER_KIND | typeof CLUSTER_ISSUER_KIND; name: string }>();
    for (const c of [...secretNames].flatMap((name) => bySecret.get(name) ?? [])) {
      const ref = c.spec?.issuerRef;
      if (!ref?.name) continue;
      const kind = ref.kind === CLUSTER_ISSUER_KIND ? CLUSTER_ISSUER_KIND : ref.kind === undefined || ref.kind === ISSUER_KIND ? ISSUER_KIND : undefined;
      if (kind && (!ref.group || ref.group === 'cert-manager.io')) refs.set(`${kind}/${ref.name}`, { kind, name: ref.name });
    }
    const messages: string[] = [];
    for (const ref of [...refs.values()].sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`))) {
      if (ref.kind === CLUSTER_ISSUER_KIND && !deps.options.clusterIssuers) continue;
      const issuer = await this.issuer(ref.kind, ref.kind === ISSUER_KIND ? namespace : undefined, ref.name);
      if (issuer === 'unknown') return this.warnings.get(key); // unreadable this round: keep what was seen
      if (!issuer) continue;
      const home = ref.kind === ISSUER_KIND ? namespace : deps.options.clusterResourceNamespace;
      const id = `${ref.kind}/${home}/${ref.name}`;
      let risks = this.roundRisks.get(id);
      if (!risks) this.roundRisks.set(id, (risks = caRekeyRisks(issuer, this.certificatesIn(home)).map((r) => r.message)));
      messages.push(...risks);
    }
    const warning = messages.length ? { reason: CA_REKEYED_AT_RENEWAL, message: messages.join('; ') } : undefined;
    this.warnings.set(key, warning);
    return warning;
  }

  /** A namespace's Certificates by the Secret they write. */
  private bySecretIn(namespace: string): Map<string, CertificateObject[]> {
    let index = this.roundBySecret.get(namespace);
    if (!index) {
      index = new Map();
      for (const c of this.certificatesIn(namespace)) {
        const name = c.spec?.secretName;
        if (name) index.set(name, [...(index.get(name) ?? []), c]);
      }
      this.roundBySecret.set(namespace, index);
    }
    return index;
  }

  private certificatesIn(namespace: string): CertificateObject[] {
    let list = this.roundCertificates.get(namespace);
    if (!list) this.roundCertificates.set(namespace, (list = this.deps.caches.certificates(namespace)));
    return list;
  }

  /** The issuer, from the cache while fresh; undefined when it does not exist or may not be read (403, logged once); 'unknown' on other errors. */
  private async issuer(kind: typeof ISSUER_KIND | typeof CLUSTER_ISSUER_KIND, namespace: string | undefined, name: string): Promise<IssuerObject | undefined | 'unknown'> {
    const { deps } = this;
    const id = `${kind}/${namespace ?? ''}/${name}`;
    const cached = this.issuerCache.get(id);
    if (cached && cached.until > deps.monotonic()) return cached.issuer === 'forbidden' ? undefined : cached.issuer;
    try {
      const issuer = await deps.issuers.get(kind, namespace, name);
      this.issuerCache.set(id, { issuer, until: deps.monotonic() + deps.options.issuerTtlMs });
      return issuer;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 403) {
        if (cached?.issuer !== 'forbidden') deps.log.warn('may not read the issuer: no CA check for it', { issuer: id, status });
        this.issuerCache.set(id, { issuer: 'forbidden', until: deps.monotonic() + deps.options.issuerTtlMs });
        return undefined;
      }
      deps.apiErrors.inc({ operation: kind === ISSUER_KIND ? 'get-issuer' : 'get-clusterissuer' });
      deps.log.warn('could not read the issuer; the CA check keeps its last result', { issuer: id, error });
      return 'unknown';
    }
  }
}

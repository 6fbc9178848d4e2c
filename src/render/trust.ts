/**
 * Who trusts which CA, from the issuers the three certificates come from (issue 15).
 *
 * Galera admits any certificate its CA signed: when the server (Galera) certificate shares its
 * issuer with the client or exporter certificates — KubeDB's usual layout — anyone holding a
 * client certificate can join the cluster and receive a full state transfer. The fix is an issuer
 * of the server certificate's own (`spec.tls.certificates[alias=server].issuerRef`). Then each
 * side must trust the other's CA, and each file a Secret carries is the CA of its own issuer:
 *   - Galera verifies members with the trust bundle the agent keeps (the server's CA), SST with the
 *     server Secret's ca.crt (KubeDB's init image writes that path): only members;
 *   - mysqld verifies client certificates (applications, the exporter) with the client Secret's
 *     ca.crt — KubeDB points ssl-ca at the server's, which with a dedicated issuer would refuse
 *     every client certificate;
 *   - the exporter verifies mysqld with the trust bundle, mounted alone into it (no key) — in
 *     every case, so nothing here depends on the exporter's issuer.
 * With one issuer for all three, mysqld verifies clients with the trust bundle (containers.ts).
 * Two references to different Issuer objects are different issuers here, even if both sign with
 * one CA: that cannot be seen at render time (docs/security.md says so).
 */
import { CertAlias } from '../model/kubedb';
import { isDatabaseDNSName, isInClusterDNSName } from '../model/names';
import { Problem, warning } from './problems';
import { DatabaseModel, IssuerRef } from './resolve';

export function sameIssuer(a: IssuerRef, b: IssuerRef): boolean {
  return a.name === b.name && a.kind === b.kind && a.group === b.group;
}

/** Whether the server certificate has an issuer of its own (not the client certificate's). */
export function hasDedicatedServerIssuer(model: DatabaseModel): boolean {
  return !sameIssuer(model.certificates.server.issuerRef, model.certificates.client.issuerRef);
}

/** Whose ca.crt mysqld verifies client certificates with. */
export function mysqldClientTrust(model: DatabaseModel): CertAlias {
  return hasDedicatedServerIssuer(model) ? 'client' : 'server';
}

/** Where the user set the issuer of an alias: its own issuerRef, else spec.tls.issuerRef. */
export function issuerPath(model: DatabaseModel, alias: CertAlias): string {
  const index = model.source.spec?.tls?.certificates?.findIndex((c) => c.alias === alias && c.issuerRef) ?? -1;
  return index >= 0 ? `spec.tls.certificates[${index}].issuerRef` : 'spec.tls.issuerRef';
}

function describe(ref: IssuerRef): string {
  return `${ref.kind} ${ref.name}`;
}

/** What the user should know about the database's issuers and server names (standalone mode). */
export function trustWarnings(model: DatabaseModel): Problem[] {
  if (model.options.mode !== 'standalone') return [];
  const problems: Problem[] = [];
  const server = model.certificates.server.issuerRef;
  const sharing = (['client', 'metrics-exporter'] as const).filter((alias) => sameIssuer(model.certificates[alias].issuerRef, server));
  if (sharing.length > 0) {
    problems.push(warning(issuerPath(model, 'server'), `the server (Galera) certificate comes from the same issuer (${describe(server)}) as the ${sharing.join(' and ')} certificate${sharing.length > 1 ? 's' : ''}: Galera admits any certificate its CA signed, so holders of those, or of any other certificate that issuer signs, are let into the cluster (docs/security.md); give the server certificate an issuer of its own (spec.tls.certificates[alias=server].issuerRef)`));
  }
  if (model.monitored) {
    const trusted = model.certificates[mysqldClientTrust(model)].issuerRef;
    const exporter = model.certificates['metrics-exporter'].issuerRef;
    if (!sameIssuer(exporter, trusted)) {
      problems.push(warning(issuerPath(model, 'metrics-exporter'), `the exporter's certificate comes from ${describe(exporter)}, but mysqld trusts client certificates of ${describe(trusted)} (the ${mysqldClientTrust(model)} certificate's issuer): mysqld refuses the exporter unless both issuers sign with one CA`));
    }
  }
  problems.push(...foreignServerNames(model));
  return problems;
}

/**
 * DNS names the user added to the server certificate that name another workload of the cluster
 * (src/tls/member.ts's rule): the watcher and the agents refuse such a certificate. External names
 * and IP addresses are allowed (KubeDB documents extra server SANs for outside clients).
 */
function foreignServerNames(model: DatabaseModel): Problem[] {
  const index = model.source.spec?.tls?.certificates?.findIndex((c) => c.alias === 'server') ?? -1;
  if (index < 0) return [];
  const user = model.source.spec!.tls!.certificates![index]!;
  const { name, namespace, options } = model;
  const foreign = (user.dnsNames ?? []).filter((n) => isInClusterDNSName(n, namespace, options.clusterDomain) && !isDatabaseDNSName(n, name, namespace, options.clusterDomain));
  const why = 'names another workload inside the cluster (a Service, database or pod that is not this database\'s): the server certificate is the Galera members\' identity, so the watcher keeps the pods gated (ForeignName) and the agents refuse it as a peer; remove it (external DNS names and load balancer addresses are fine)';
  return foreign.map((n) => warning(`spec.tls.certificates[${index}].dnsNames`, `${n} ${why}`));
}

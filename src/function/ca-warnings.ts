/**
 * The function's cheapest safeguard against a CA change that splits the cluster: a warning on
 * every CA Certificate in the input that writes the Secret of an issuer a rendered database uses
 * and gets a new key at renewal (src/model/ca-rotation.ts has the check and why). Only what the
 * input shows: an issuer or CA Certificate that lives elsewhere is for the watcher to see.
 */
import { groupOf, KubeObject } from '../krm/types';
import { caRekeyRisks, CLUSTER_ISSUER_KIND, ISSUER_KIND, ROTATION_POLICY_NEVER, ROTATION_POLICY_PATH, type CaCertificateLike, type IssuerLike } from '../model/ca-rotation';
import { ISSUER_GROUP } from '../model/kubedb';
import { warning, type Problem } from '../render/problems';

export interface CaWarning {
  /** The CA Certificate the warning is about (its file and index locate it). */
  object: KubeObject;
  problem: Problem;
  rotationPolicy?: string;
  proposedValue: string;
}

const isCertManager = (o: KubeObject, kind: string) => groupOf(o.apiVersion) === ISSUER_GROUP && o.kind === kind;

/** The issuers a database's rendered Certificates name: `Issuer <ns>/<name>` or `ClusterIssuer <name>`. */
function issuersOf(objects: readonly KubeObject[]): Array<{ kind: string; name: string }> {
  const seen = new Map<string, { kind: string; name: string }>();
  for (const o of objects) {
    if (!isCertManager(o, 'Certificate')) continue;
    const ref = (o as { spec?: { issuerRef?: { kind?: string; name?: string } } }).spec?.issuerRef;
    if (ref?.name && ref.kind) seen.set(`${ref.kind}/${ref.name}`, { kind: ref.kind, name: ref.name });
  }
  return [...seen.values()];
}

/**
 * One warning per CA Certificate at risk, naming the databases that depend on it. An Issuer's CA
 * Certificate is looked for in the Issuer's namespace; a ClusterIssuer's anywhere in the input
 * (cert-manager's cluster resource namespace is a flag of its controller, unknown here).
 */
export function caRekeyWarnings(items: readonly KubeObject[], rendered: ReadonlyArray<{ db: KubeObject; objects: readonly KubeObject[] }>): CaWarning[] {
  const certificates = items.filter((o) => isCertManager(o, 'Certificate'));
  const byCertificate = new Map<KubeObject, { risk: ReturnType<typeof caRekeyRisks>[number]; databases: Set<string> }>();
  for (const { db, objects } of rendered) {
    const namespace = db.metadata.namespace ?? '';
    for (const ref of issuersOf(objects)) {
      const issuer = items.find((o) => isCertManager(o, ref.kind) && o.metadata.name === ref.name && (ref.kind === CLUSTER_ISSUER_KIND || (o.metadata.namespace ?? '') === namespace));
      if (!issuer || (ref.kind !== ISSUER_KIND && ref.kind !== CLUSTER_ISSUER_KIND)) continue;
      const candidates = ref.kind === ISSUER_KIND ? certificates.filter((c) => (c.metadata.namespace ?? '') === namespace) : certificates;
      for (const object of candidates) {
        const [risk] = caRekeyRisks(issuer as IssuerLike, [object as CaCertificateLike]);
        if (!risk) continue;
        const entry = byCertificate.get(object) ?? { risk, databases: new Set<string>() };
        entry.databases.add(`${namespace}/${db.metadata.name}`);
        byCertificate.set(object, entry);
      }
    }
  }
  return [...byCertificate.entries()].map(([object, { risk, databases }]) => ({
    object,
    problem: warning(ROTATION_POLICY_PATH, `${risk.message}; PerconaXtraDB ${[...databases].sort().join(', ')} depend${databases.size === 1 ? 's' : ''} on it`),
    ...(risk.rotationPolicy !== undefined ? { rotationPolicy: risk.rotationPolicy } : {}),
    proposedValue: ROTATION_POLICY_NEVER,
  }));
}

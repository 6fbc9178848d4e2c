/**
 * Whether the CA behind a database's issuer gets a new key when it renews — the failure that split
 * whole clusters in other operators (../shared/reference/galera-operations.md §1b, §2b: Percona
 * operator #2411, mariadb-operator #1590). A CA `Issuer`/`ClusterIssuer` signs with the key in
 * `spec.ca.secretName`; when a cert-manager `Certificate` with `isCA: true` writes that Secret and
 * re-keys at renewal, every leaf it signed stops chaining to the new CA at once, and Galera
 * members, which verify each other's chain only, reject each other. A renewed CA that keeps its key
 * still verifies every existing leaf: `privateKey.rotationPolicy: Never`.
 *
 * One check for the KRM function (on its input) and the watcher (on what it can see in the
 * cluster). Pure: objects in, findings out.
 */

/** cert-manager types_certificate.go: "Default is `Always`. The default was changed from `Never` to `Always` in cert-manager >=v1.18.0." */
export const ROTATION_POLICY_NEVER = 'Never';
export const ROTATION_POLICY_ALWAYS = 'Always';
export const CERT_MANAGER_ALWAYS_DEFAULT_SINCE = '1.18';
/** The field a fix sets, kpt style. */
export const ROTATION_POLICY_PATH = 'spec.privateKey.rotationPolicy';
/** cert-manager's issuer kinds (group cert-manager.io). */
export const ISSUER_KIND = 'Issuer';
export const CLUSTER_ISSUER_KIND = 'ClusterIssuer';

/** The fields of an Issuer or ClusterIssuer this check reads. */
export interface IssuerLike {
  kind: string;
  metadata: { name?: string; namespace?: string };
  spec?: { ca?: { secretName?: unknown } | null } | null;
}

/** The fields of a cert-manager Certificate this check reads. */
export interface CaCertificateLike {
  metadata: { name?: string; namespace?: string };
  spec?: { isCA?: unknown; secretName?: unknown; privateKey?: { rotationPolicy?: unknown } | null } | null;
}

export interface CaRekeyRisk {
  /** The CA Certificate, and the issuer that signs with its Secret. */
  certificate: { namespace?: string; name: string };
  issuer: { kind: string; name: string; namespace?: string };
  caSecretName: string;
  /** As written: undefined when unset. */
  rotationPolicy?: string;
  /** One sentence naming the Certificate, the field and the issuer; never material. */
  message: string;
}

const ref = (o: { namespace?: string; name?: string }) => `${o.namespace ? `${o.namespace}/` : ''}${o.name ?? ''}`;

/** The Secret whose key a CA issuer signs with; undefined for other issuer types (ACME, Vault, SelfSigned …). */
export function caSecretOf(issuer: IssuerLike): string | undefined {
  const name = issuer.spec?.ca?.secretName;
  return typeof name === 'string' && name ? name : undefined;
}

/** The policy in words: unset is the version-dependent default. */
export function describePolicy(policy: string | undefined): string {
  return policy === undefined
    ? `unset (${ROTATION_POLICY_ALWAYS} from cert-manager ${CERT_MANAGER_ALWAYS_DEFAULT_SINCE} on, ${ROTATION_POLICY_NEVER} before)`
    : `${policy}`;
}

/**
 * The CA Certificates behind `issuer` whose key a renewal replaces. `candidates` are the
 * Certificates where the issuer's CA Secret lives (an Issuer's own namespace; for a ClusterIssuer,
 * cert-manager's cluster resource namespace, or every namespace when the caller cannot know it).
 */
export function caRekeyRisks(issuer: IssuerLike, candidates: readonly CaCertificateLike[]): CaRekeyRisk[] {
  const caSecretName = caSecretOf(issuer);
  if (!caSecretName) return [];
  const issuerRef = { kind: issuer.kind, name: issuer.metadata.name ?? '', ...(issuer.metadata.namespace && issuer.kind === ISSUER_KIND ? { namespace: issuer.metadata.namespace } : {}) };
  return candidates
    .filter((c) => c.spec?.secretName === caSecretName && c.spec?.isCA === true)
    .filter((c) => c.spec?.privateKey?.rotationPolicy !== ROTATION_POLICY_NEVER)
    .map((c) => {
      const raw = c.spec?.privateKey?.rotationPolicy;
      const rotationPolicy = typeof raw === 'string' ? raw : undefined;
      const certificate = { ...(c.metadata.namespace ? { namespace: c.metadata.namespace } : {}), name: c.metadata.name ?? '' };
      const message =
        `Certificate ${ref(certificate)} (isCA: true) writes Secret ${caSecretName}, the CA of ${issuerRef.kind} ${ref(issuerRef)}, ` +
        `and its ${ROTATION_POLICY_PATH} is ${describePolicy(rotationPolicy)}: a renewal gives the CA a new key, every certificate it signed ` +
        `stops verifying at once and Galera members reject each other; set ${ROTATION_POLICY_PATH}: ${ROTATION_POLICY_NEVER} ` +
        '(a renewed CA that keeps its key still verifies every certificate it signed)';
      return { certificate, issuer: issuerRef, caSecretName, ...(rotationPolicy !== undefined ? { rotationPolicy } : {}), message };
    })
    .sort((a, b) => ref(a.certificate).localeCompare(ref(b.certificate)));
}

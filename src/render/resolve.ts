/**
 * Resolves a validated PerconaXtraDB into everything the renderers need: names, images, labels and
 * the three certificates with KubeDB's defaults merged in. Pure; assumes `validateDatabase` passed.
 */
import { ReplacedImage, resolveImages, VersionImages } from '../model/catalog';
import {
  CERT_ALIASES,
  CertAlias,
  CLIENT_COMMON_NAME,
  CLIENT_USAGES,
  DEFAULT_REPLICAS,
  EXPORTER_PORT,
  ISSUER_GROUP,
  LABEL,
  LABEL_VALUE,
  PROPAGATION_BLOCKED_LABELS,
  PROPAGATION_BLOCKED_PREFIX,
  SERVER_USAGES,
} from '../model/kubedb';
import { certificateName, defaultSecretName, DEFAULT_SERVER_IP_ADDRESSES, defaultServerDNSNames, primaryServiceDNS } from '../model/names';
import { RenderOptions } from '../model/options';
import { CertificateSpec, PerconaXtraDB, TypedObjectRef, X509Subject } from '../model/perconaxtradb';
import { KeyUsage, PrivateKeyEncoding } from '../model/kubedb';

export interface IssuerRef {
  name: string;
  kind: string;
  group: string;
}

/** One cert-manager Certificate as KubeDB would create it for an alias. */
export interface ResolvedCertificate {
  alias: CertAlias;
  /** The Certificate's name: always `<db>-<alias>-cert` (AM CertificateName). */
  name: string;
  /** The Secret cert-manager fills: the user's `secretName`, else the Certificate's name (AM GetCertSecretName). */
  secretName: string;
  issuerRef: IssuerRef;
  commonName?: string;
  subject?: X509Subject;
  duration?: string;
  renewBefore?: string;
  dnsNames: string[];
  ipAddresses: string[];
  uris: string[];
  emailAddresses: string[];
  usages: KeyUsage[];
  privateKeyEncoding?: PrivateKeyEncoding;
}

export interface DatabaseModel {
  source: PerconaXtraDB;
  name: string;
  namespace: string;
  /** `v1` or `v1alpha2`: the pod template's shape differs (offshoot-api v2 against v1). */
  apiVersion: string;
  version: string;
  images: VersionImages;
  /** Catalog images an override replaced (reported with the rendering). */
  replacedImages: ReplacedImage[];
  replicas: number;
  /** KubeDB's `spec.halted`: pods go away, volumes stay. */
  halted: boolean;
  requireSSL: boolean;
  durable: boolean;
  certificates: Record<CertAlias, ResolvedCertificate>;
  monitored: boolean;
  exporterPort: number;
  authSecretName: string;
  monitorSecretName: string;
  replicationSecretName: string;
  /** OffshootSelectors: the labels that select the database's pods. */
  selector: Record<string, string>;
  /** OffshootLabels: selector + component + the database's own propagated labels. */
  labels: Record<string, string>;
  options: RenderOptions;
}

/** X.509 upper bound for a common name (RFC 5280 ub-common-name); cert-manager rejects longer ones. */
export const MAX_COMMON_NAME_LENGTH = 64;

export function resolveDatabase(db: PerconaXtraDB, options: RenderOptions): DatabaseModel {
  const name = db.metadata.name!;
  const namespace = db.metadata.namespace!;
  const spec = db.spec ?? {};
  const version = spec.version!;
  const { images, replaced } = resolveImages(version, options.images);
  const selector = {
    [LABEL.name]: LABEL_VALUE.name,
    [LABEL.instance]: name,
    [LABEL.managedBy]: LABEL_VALUE.managedBy,
  };
  const labels = sortedKeys({ ...propagatedLabels(db.metadata.labels), [LABEL.component]: LABEL_VALUE.component, ...selector });
  const certificates = {} as Record<CertAlias, ResolvedCertificate>;
  for (const alias of CERT_ALIASES) certificates[alias] = resolveCertificate(db, alias, options.clusterDomain);
  return {
    source: db,
    name,
    namespace,
    apiVersion: db.apiVersion.split('/')[1] ?? db.apiVersion,
    version,
    images,
    replacedImages: replaced,
    replicas: spec.replicas ?? DEFAULT_REPLICAS,
    halted: spec.halted === true,
    requireSSL: spec.requireSSL === true,
    durable: (spec.storageType ?? 'Durable') === 'Durable',
    certificates,
    monitored: spec.monitor !== undefined && spec.monitor !== null,
    exporterPort: spec.monitor?.prometheus?.exporter?.port ?? EXPORTER_PORT,
    authSecretName: spec.authSecret?.name || defaultSecretName(name, 'auth'),
    monitorSecretName: spec.systemUserSecrets?.monitorUserSecret?.name || defaultSecretName(name, 'monitor'),
    replicationSecretName: spec.systemUserSecrets?.replicationUserSecret?.name || defaultSecretName(name, 'replication'),
    selector,
    labels,
    options,
  };
}

function sortedKeys(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => byteOrder(a, b)));
}

function propagatedLabels(labels: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (!PROPAGATION_BLOCKED_LABELS.includes(key) && !key.startsWith(PROPAGATION_BLOCKED_PREFIX)) out[key] = value;
  }
  return out;
}

/** AM pkg/lib GetIssuerObjectRef: a per-certificate issuerRef overrides spec.tls.issuerRef. */
function issuerRefOf(ref: TypedObjectRef): IssuerRef {
  return { name: ref.name!, kind: ref.kind!, group: ref.apiGroup || ISSUER_GROUP };
}

/** KubeDB's default spec for an alias (see kubedb.ts and names.ts for the sources of each value). */
function defaultCertificate(name: string, namespace: string, alias: CertAlias, clusterDomain: string): Partial<ResolvedCertificate> {
  if (alias === 'server') {
    const commonName = primaryServiceDNS(name, namespace);
    return {
      // A common name over 64 bytes cannot be issued; the SANs carry the same names.
      ...(Buffer.byteLength(commonName) <= MAX_COMMON_NAME_LENGTH ? { commonName } : {}),
      dnsNames: defaultServerDNSNames(name, namespace, clusterDomain),
      ipAddresses: [...DEFAULT_SERVER_IP_ADDRESSES],
      usages: [...SERVER_USAGES],
    };
  }
  return { commonName: CLIENT_COMMON_NAME, usages: [...CLIENT_USAGES] };
}

function resolveCertificate(db: PerconaXtraDB, alias: CertAlias, clusterDomain: string): ResolvedCertificate {
  const name = db.metadata.name!;
  const tls = db.spec!.tls!;
  const user: CertificateSpec = tls.certificates?.find((c) => c.alias === alias) ?? {};
  const defaults = defaultCertificate(name, db.metadata.namespace!, alias, clusterDomain);
  const certificate: ResolvedCertificate = {
    alias,
    name: certificateName(name, alias),
    secretName: user.secretName || certificateName(name, alias),
    issuerRef: issuerRefOf(user.issuerRef ?? tls.issuerRef!),
    dnsNames: mergeStringSet(user.dnsNames, defaults.dnsNames),
    ipAddresses: mergeStringSet(user.ipAddresses, defaults.ipAddresses),
    uris: mergeStringSet(user.uris, undefined),
    emailAddresses: mergeStringSet(user.emailAddresses, undefined),
    usages: defaults.usages!,
  };
  if (defaults.commonName) certificate.commonName = defaults.commonName;
  if (user.subject) certificate.subject = user.subject;
  if (user.duration) certificate.duration = user.duration;
  if (user.renewBefore) certificate.renewBefore = user.renewBefore;
  if (user.privateKey?.encoding) certificate.privateKeyEncoding = user.privateKey.encoding;
  return certificate;
}

/**
 * KM api/v1/certificates.go stringSetMerger, as SetMissingSpecForCertificate applies it: the
 * user's list is kept when it has at most one entry and there is no default; a single default
 * fills an empty list; otherwise the result is the sorted set union (Go sort: byte order).
 */
export function mergeStringSet(user: readonly string[] | undefined, defaults: readonly string[] | undefined): string[] {
  const dst = user ?? [];
  const src = defaults ?? [];
  if (dst.length <= 1 && src.length === 0) return [...dst];
  if (dst.length === 0 && src.length === 1) return [...src];
  return [...new Set([...dst, ...src])].sort(byteOrder);
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

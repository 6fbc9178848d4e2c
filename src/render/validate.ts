/**
 * Validation of one PerconaXtraDB: an ordered list of named checks, each a pure function of the
 * database and what the rest of the list holds. All problems are reported, not just the first.
 */
import { CATALOG, KNOWN_VERSIONS } from '../model/catalog';
import { CERT_ALIASES, ISSUER_GROUP, KUBEDB_GROUP, ISSUER_KINDS, MIN_REPLICAS, PROMETHEUS_AGENTS } from '../model/kubedb';
import { isDNSName, isEmailAddress, isIPAddress, isLabelName, isSubdomainName, isURI, parseGoDuration } from '../model/formats';
import { checkType, error, isString, Problem, warning } from './problems';
import { CertificateSpec, Monitor, PerconaXtraDB, TypedObjectRef } from '../model/perconaxtradb';
import { isPlainObject } from '../krm/types';
import { checkAgainstSchema } from './schema-check';
import { checkPodTemplate, checkServiceTemplates } from './validate-templates';

/** Issuers and ClusterIssuers present in the ResourceList. */
export interface IssuerIndex {
  /** Namespaces holding an Issuer of that name. */
  readonly issuers: ReadonlyMap<string, ReadonlySet<string>>;
  readonly clusterIssuers: ReadonlySet<string>;
}

export type Check = (db: PerconaXtraDB, issuers: IssuerIndex) => Problem[];

/** cert-manager's limits (cert-manager validation: duration ≥ 1h, renewBefore ≥ 5m and < duration). */
const MIN_DURATION_SECONDS = 3600;
const MIN_RENEW_BEFORE_SECONDS = 300;
const PRIVATE_KEY_ENCODINGS = ['PKCS1', 'PKCS8'];

/** TLS is on when `spec.tls.issuerRef` is set: KubeDB's SetTLSDefaults runs only then. */
export function hasTLS(db: PerconaXtraDB): boolean {
  return isPlainObject(db.spec?.tls) && db.spec.tls.issuerRef !== undefined && db.spec.tls.issuerRef !== null;
}

const checkName: Check = (db) => {
  const name = db.metadata.name;
  if (!isString(name) || name === '') return [error('metadata.name', 'is required')];
  if (!isLabelName(name, true)) {
    return [error('metadata.name', `"${name}" must be a DNS-1035 label (lower case letters, digits and "-", starting with a letter, at most 63 characters): it names the primary Service`)];
  }
  return [];
};

const checkNamespace: Check = (db) => {
  const namespace = db.metadata.namespace;
  if (!isString(namespace) || namespace === '') {
    return [error('metadata.namespace', 'is required: the certificates\' DNS names contain it (run set-namespace before pxc-tls)')];
  }
  return isLabelName(namespace) ? [] : [error('metadata.namespace', `"${namespace}" is not a valid namespace name`)];
};

const checkSpec: Check = (db) => (isPlainObject(db.spec) ? [] : [error('spec', 'is required')]);

const checkVersion: Check = (db) => {
  const version = db.spec?.version;
  if (version === undefined || version === null || version === '') return [error('spec.version', 'is required')];
  if (!isString(version)) return checkType('spec.version', version, 'string');
  const entry = CATALOG[version];
  if (!entry) return [error('spec.version', `unknown PerconaXtraDB version "${version}"; known versions: ${KNOWN_VERSIONS.join(', ')}`)];
  return entry.endOfLife ? [warning('spec.version', `version ${version} is marked endOfLife in the KubeDB catalog`)] : [];
};

const checkReplicas: Check = (db) => {
  const replicas = db.spec?.replicas;
  if (replicas === undefined || replicas === null) return [];
  if (!Number.isInteger(replicas)) return checkType('spec.replicas', replicas, 'integer');
  return replicas < MIN_REPLICAS ? [error('spec.replicas', `must be at least ${MIN_REPLICAS} for a Percona XtraDB cluster, got ${replicas}`)] : [];
};

const checkStorage: Check = (db) => {
  const type = db.spec?.storageType ?? 'Durable';
  if (type !== 'Durable' && type !== 'Ephemeral') return [error('spec.storageType', `must be Durable or Ephemeral, got ${JSON.stringify(type)}`)];
  const storage = db.spec?.storage;
  if (type === 'Durable' && (storage === undefined || storage === null)) return [error('spec.storage', 'is required when spec.storageType is Durable')];
  return checkType('spec.storage', storage, 'object');
};

const checkRequireSSL: Check = (db) => {
  const problems = checkType('spec.requireSSL', db.spec?.requireSSL, 'boolean');
  if (db.spec?.requireSSL === true && !hasTLS(db)) {
    problems.push(error('spec.tls.issuerRef', 'is required when spec.requireSSL is true: without an issuer no certificate can be issued'));
  }
  return problems;
};

function checkIssuerRef(path: string, ref: TypedObjectRef | undefined, db: PerconaXtraDB, issuers: IssuerIndex): Problem[] {
  if (ref === undefined || ref === null) return [];
  if (!isPlainObject(ref)) return checkType(path, ref, 'object');
  return checkIssuerRefFields(path, ref as TypedObjectRef, db, issuers);
}

function checkIssuerRefFields(path: string, ref: TypedObjectRef, db: PerconaXtraDB, issuers: IssuerIndex): Problem[] {
  const problems = [...checkType(`${path}.name`, ref.name, 'string'), ...checkType(`${path}.kind`, ref.kind, 'string'), ...checkType(`${path}.apiGroup`, ref.apiGroup, 'string')];
  if (problems.length > 0) return problems;
  if (!ref.name) problems.push(error(`${path}.name`, 'is required'));
  if (!ref.kind) problems.push(error(`${path}.kind`, 'is required (Issuer or ClusterIssuer)'));
  else if (!(ISSUER_KINDS as readonly string[]).includes(ref.kind)) {
    problems.push(error(`${path}.kind`, `must be Issuer or ClusterIssuer, got "${ref.kind}"`));
  }
  if (ref.apiGroup && ref.apiGroup !== ISSUER_GROUP) {
    problems.push(error(`${path}.apiGroup`, `must be ${ISSUER_GROUP}, got "${ref.apiGroup}"`));
  }
  if ('namespace' in ref) {
    problems.push(error(`${path}.namespace`, 'is not a field of issuerRef: an Issuer is always taken from the database\'s own namespace; use a ClusterIssuer to share one'));
  }
  if (problems.length > 0 || !ref.name) return problems;
  const namespace = db.metadata.namespace ?? '';
  if (ref.kind === 'ClusterIssuer') {
    if (!issuers.clusterIssuers.has(ref.name)) {
      problems.push(warning(`${path}.name`, `ClusterIssuer "${ref.name}" is not in the input; make sure it exists in the cluster`));
    }
    return problems;
  }
  const namespaces = issuers.issuers.get(ref.name);
  if (namespaces?.has(namespace)) return problems;
  if (namespaces && namespaces.size > 0) {
    problems.push(
      error(`${path}.name`, `Issuer "${ref.name}" is in namespace ${[...namespaces].sort().join(', ')}, not in the database's namespace "${namespace}": an Issuer cannot be used across namespaces; use a ClusterIssuer or an Issuer in "${namespace}"`),
    );
  } else {
    problems.push(warning(`${path}.name`, `Issuer "${ref.name}" is not in the input; make sure it exists in namespace "${namespace}" of the cluster`));
  }
  return problems;
}

const checkTLS: Check = (db, issuers) => {
  const tls = db.spec?.tls;
  if (tls === undefined || tls === null) return [];
  if (!isPlainObject(tls)) return checkType('spec.tls', tls, 'object');
  const problems = checkIssuerRef('spec.tls.issuerRef', tls.issuerRef as TypedObjectRef | undefined, db, issuers);
  if (!hasTLS(db) && tls.certificates !== undefined) {
    problems.push(warning('spec.tls.issuerRef', 'is not set, so spec.tls.certificates is ignored (KubeDB enables TLS only with spec.tls.issuerRef)'));
  }
  const certificates = tls.certificates;
  if (certificates === undefined || certificates === null) return problems;
  if (!Array.isArray(certificates)) return [...problems, ...checkType('spec.tls.certificates', certificates, 'list')];
  const seen = new Map<string, number>();
  certificates.forEach((certificate: CertificateSpec, index: number) => {
    const path = `spec.tls.certificates[${index}]`;
    if (!isPlainObject(certificate)) {
      problems.push(...checkType(path, certificate, 'object'));
      return;
    }
    problems.push(...checkCertificate(path, certificate, db, issuers));
    const alias = certificate.alias;
    if (isString(alias) && (CERT_ALIASES as readonly string[]).includes(alias)) {
      const first = seen.get(alias);
      if (first !== undefined) problems.push(error(`${path}.alias`, `duplicate alias "${alias}" (first at spec.tls.certificates[${first}])`));
      else seen.set(alias, index);
    }
  });
  return problems;
};

function checkCertificate(path: string, certificate: CertificateSpec, db: PerconaXtraDB, issuers: IssuerIndex): Problem[] {
  const problems: Problem[] = [];
  const alias = certificate.alias;
  if (alias === undefined || alias === null || alias === '') problems.push(error(`${path}.alias`, 'is required'));
  else if (!isString(alias)) problems.push(...checkType(`${path}.alias`, alias, 'string'));
  else if (!(CERT_ALIASES as readonly string[]).includes(alias)) {
    problems.push(error(`${path}.alias`, `unknown certificate alias "${alias}"; PerconaXtraDB has ${CERT_ALIASES.join(', ')}`));
  }
  problems.push(...checkIssuerRef(`${path}.issuerRef`, certificate.issuerRef, db, issuers));
  if (certificate.secretName !== undefined && certificate.secretName !== '') {
    problems.push(...checkType(`${path}.secretName`, certificate.secretName, 'string'));
    if (isString(certificate.secretName) && !isSubdomainName(certificate.secretName)) {
      problems.push(error(`${path}.secretName`, `"${certificate.secretName}" is not a valid Secret name (RFC 1123 subdomain)`));
    }
  }
  problems.push(...checkDurations(path, certificate));
  problems.push(...checkList(`${path}.dnsNames`, certificate.dnsNames, isDNSName, 'is not a valid DNS name'));
  problems.push(...checkList(`${path}.ipAddresses`, certificate.ipAddresses, isIPAddress, 'is not a valid IP address'));
  problems.push(...checkList(`${path}.uris`, certificate.uris, isURI, 'is not a valid URI'));
  problems.push(...checkList(`${path}.emailAddresses`, certificate.emailAddresses, isEmailAddress, 'is not a valid email address'));
  problems.push(...checkSubject(`${path}.subject`, certificate.subject));
  const privateKey = certificate.privateKey;
  if (privateKey !== undefined && privateKey !== null) {
    if (!isPlainObject(privateKey)) problems.push(...checkType(`${path}.privateKey`, privateKey, 'object'));
    else if (privateKey.encoding !== undefined && !PRIVATE_KEY_ENCODINGS.includes(privateKey.encoding as string)) {
      problems.push(error(`${path}.privateKey.encoding`, `must be PKCS1 or PKCS8, got ${JSON.stringify(privateKey.encoding)}`));
    }
  }
  return problems;
}

function checkDurations(path: string, certificate: CertificateSpec): Problem[] {
  const problems: Problem[] = [];
  const seconds: Record<string, number | undefined> = {};
  for (const field of ['duration', 'renewBefore'] as const) {
    const value = certificate[field];
    if (value === undefined || value === null) continue;
    if (!isString(value)) {
      problems.push(...checkType(`${path}.${field}`, value, 'string'));
      continue;
    }
    const parsed = parseGoDuration(value);
    if (parsed === undefined) problems.push(error(`${path}.${field}`, `"${value}" is not a duration (Go format, e.g. 2160h or 90m)`));
    else seconds[field] = parsed;
  }
  const { duration, renewBefore } = seconds;
  if (duration !== undefined && duration < MIN_DURATION_SECONDS) problems.push(error(`${path}.duration`, `must be at least 1h (cert-manager's minimum), got ${certificate.duration}`));
  if (renewBefore !== undefined && renewBefore < MIN_RENEW_BEFORE_SECONDS) problems.push(error(`${path}.renewBefore`, `must be at least 5m (cert-manager's minimum), got ${certificate.renewBefore}`));
  const effectiveDuration = duration ?? 90 * 24 * 3600;
  if (renewBefore !== undefined && renewBefore >= effectiveDuration) {
    problems.push(error(`${path}.renewBefore`, `must be shorter than the certificate's duration (${certificate.duration ?? '2160h, cert-manager\'s default'})`));
  }
  return problems;
}

function checkList(path: string, list: unknown, valid: (value: string) => boolean, complaint: string): Problem[] {
  if (list === undefined || list === null) return [];
  const typeProblems = checkType(path, list, 'string list');
  if (typeProblems.length > 0) return typeProblems;
  return (list as string[]).flatMap((value, index) => (valid(value) ? [] : [error(`${path}[${index}]`, `"${value}" ${complaint}`)]));
}

function checkSubject(path: string, subject: unknown): Problem[] {
  if (subject === undefined || subject === null) return [];
  if (!isPlainObject(subject)) return checkType(path, subject, 'object');
  return Object.entries(subject).flatMap(([key, value]) => checkType(`${path}.${key}`, value, key === 'serialNumber' ? 'string' : 'string list'));
}

const checkMonitor: Check = (db) => {
  const monitor = db.spec?.monitor;
  if (monitor === undefined || monitor === null) return [];
  if (!isPlainObject(monitor)) return checkType('spec.monitor', monitor, 'object');
  const problems: Problem[] = [];
  const exporter = (monitor as Monitor).prometheus?.exporter;
  if (monitor.agent !== undefined && !PROMETHEUS_AGENTS.includes(monitor.agent as string)) {
    problems.push(error('spec.monitor.agent', `must be one of ${PROMETHEUS_AGENTS.join(', ')}, got ${JSON.stringify(monitor.agent)}`));
  }
  const port = exporter?.port;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    problems.push(error('spec.monitor.prometheus.exporter.port', `must be a port number, got ${JSON.stringify(port)}`));
  }
  problems.push(...checkType('spec.monitor.prometheus.exporter.args', exporter?.args, 'string list'));
  return problems;
};

/** The checks, in the order their findings are reported. */
const CHECKS: readonly Check[] = [
  checkName, // the name every derived object starts from
  checkNamespace, // part of every DNS name in the certificates
  checkSpec,
  checkVersion, // picks the images from the catalog
  checkReplicas,
  checkStorage,
  checkRequireSSL, // requireSSL needs an issuer
  checkTLS, // issuers, aliases, certificate fields
  checkMonitor,
  checkPodTemplate,
  checkServiceTemplates,
];

/**
 * A database without TLS is passed through; what KubeDB's CRD schema refuses and a TLS request that
 * cannot be honoured are problems.
 */
export function validateWithoutTLS(db: PerconaXtraDB, issuers: IssuerIndex): Problem[] {
  return withSchemaProblems(db, [...checkRequireSSL(db, issuers), ...checkTLS(db, issuers)]);
}

export function validateDatabase(db: PerconaXtraDB, issuers: IssuerIndex): Problem[] {
  const problems: Problem[] = [];
  for (const check of CHECKS) {
    problems.push(...check(db, issuers));
    // Without a usable name, namespace or spec the later checks only repeat the same problem.
    if (check === checkSpec && problems.some((p) => p.severity === 'error')) break;
  }
  return withSchemaProblems(db, problems);
}

/**
 * The schema's findings first (the object's shape), then ours. Where both found an error at the same
 * path ours says more and is kept; ours below a path the schema already refused are left out.
 */
function withSchemaProblems(db: PerconaXtraDB, problems: readonly Problem[]): Problem[] {
  const schema = checkAgainstSchema(db, db.apiVersion.slice(KUBEDB_GROUP.length + 1));
  const ours = new Set(problems.filter((p) => p.severity === 'error').map((p) => p.path));
  const refused = schema.flatMap((p) => (p.path === undefined ? [] : [p.path]));
  const below = (path: string | undefined) => path !== undefined && refused.some((r) => path.startsWith(r + '.') || path.startsWith(r + '['));
  return [...schema.filter((p) => !ours.has(p.path)), ...problems.filter((p) => !below(p.path))];
}

/** cert-manager Certificates, one per alias, as KubeDB's operator would create them. */
import { CertAlias } from '../model/kubedb';
import { CERTIFICATE_API_VERSION, CertificateSpec } from '../model/generated/certificate';
import { Certificate } from './kube';
import { renderedMeta } from './meta';
import { DatabaseModel, ResolvedCertificate } from './resolve';
import { CERT_ALIAS_LABEL, CERTIFICATE_SYNC_WAVE } from '../model/project';

/** Labels of an alias's Secret: on the placeholder and, through secretTemplate, on the issued Secret. */
export function certificateSecretLabels(model: DatabaseModel, alias: CertAlias): Record<string, string> {
  return { ...model.labels, [CERT_ALIAS_LABEL]: alias };
}

export function renderCertificate(model: DatabaseModel, certificate: ResolvedCertificate): Certificate {
  const { commonName, subject, duration, renewBefore, dnsNames, ipAddresses, uris, emailAddresses, privateKeyEncoding, issuerRef } = certificate;
  // Optional fields only when set, in this order (the order of the golden outputs).
  const spec: CertificateSpec = {
    secretName: certificate.secretName,
    secretTemplate: { labels: certificateSecretLabels(model, certificate.alias) },
    ...(commonName ? { commonName } : {}),
    ...(subject ? { subject } : {}),
    ...(duration ? { duration } : {}),
    ...(renewBefore ? { renewBefore } : {}),
    ...(dnsNames.length > 0 ? { dnsNames } : {}),
    ...(ipAddresses.length > 0 ? { ipAddresses } : {}),
    ...(uris.length > 0 ? { uris } : {}),
    ...(emailAddresses.length > 0 ? { emailAddresses } : {}),
    usages: certificate.usages,
    ...(privateKeyEncoding ? { privateKey: { encoding: privateKeyEncoding } } : {}),
    issuerRef: { group: issuerRef.group, kind: issuerRef.kind, name: issuerRef.name },
  };
  return {
    apiVersion: CERTIFICATE_API_VERSION,
    kind: 'Certificate',
    metadata: renderedMeta(model, certificate.name, { syncWave: CERTIFICATE_SYNC_WAVE }),
    spec,
  };
}

/** cert-manager Certificates, one per alias, as KubeDB's operator would create them. */
import { KubeObject } from '../krm/types';
import { CertAlias } from '../model/kubedb';
import { renderedMeta } from './meta';
import { DatabaseModel, ResolvedCertificate } from './resolve';
import { CERT_ALIAS_LABEL, CERTIFICATE_SYNC_WAVE } from '../model/project';

export const CERTIFICATE_API_VERSION = 'cert-manager.io/v1';

/** Labels of an alias's Secret: on the placeholder and, through secretTemplate, on the issued Secret. */
export function certificateSecretLabels(model: DatabaseModel, alias: CertAlias): Record<string, string> {
  return { ...model.labels, [CERT_ALIAS_LABEL]: alias };
}

export function renderCertificate(model: DatabaseModel, certificate: ResolvedCertificate): KubeObject {
  const spec: Record<string, unknown> = {
    secretName: certificate.secretName,
    secretTemplate: { labels: certificateSecretLabels(model, certificate.alias) },
  };
  if (certificate.commonName) spec.commonName = certificate.commonName;
  if (certificate.subject) spec.subject = certificate.subject;
  if (certificate.duration) spec.duration = certificate.duration;
  if (certificate.renewBefore) spec.renewBefore = certificate.renewBefore;
  for (const list of ['dnsNames', 'ipAddresses', 'uris', 'emailAddresses'] as const) {
    if (certificate[list].length > 0) spec[list] = certificate[list];
  }
  spec.usages = certificate.usages;
  if (certificate.privateKeyEncoding) spec.privateKey = { encoding: certificate.privateKeyEncoding };
  spec.issuerRef = { group: certificate.issuerRef.group, kind: certificate.issuerRef.kind, name: certificate.issuerRef.name };
  return {
    apiVersion: CERTIFICATE_API_VERSION,
    kind: 'Certificate',
    metadata: renderedMeta(model, certificate.name, { syncWave: CERTIFICATE_SYNC_WAVE }),
    spec,
  };
}

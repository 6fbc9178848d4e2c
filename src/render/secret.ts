/**
 * Placeholder Secrets: the object lives in Git, cert-manager fills it. Type Opaque and no
 * data/stringData, so a GitOps tool owns no key cert-manager writes (cert-manager keeps the type of
 * a Secret that exists before issuance), and Prune=false so Argo CD never deletes issued material.
 */
import { certificateSecretLabels } from './certificate';
import { Secret } from './kube';
import { renderedMeta } from './meta';
import { DatabaseModel, ResolvedCertificate } from './resolve';
import { ARGO_NO_PRUNE, ARGO_SYNC_OPTIONS_ANNOTATION, CERTIFICATE_SYNC_WAVE } from '../model/project';

export function renderPlaceholderSecret(model: DatabaseModel, certificate: ResolvedCertificate): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: renderedMeta(model, certificate.secretName, {
      labels: certificateSecretLabels(model, certificate.alias),
      annotations: { [ARGO_SYNC_OPTIONS_ANNOTATION]: ARGO_NO_PRUNE },
      syncWave: CERTIFICATE_SYNC_WAVE,
    }),
    type: 'Opaque',
  };
}

/**
 * Is a renewed server certificate, as the kubelet swapped it into the pod's volume, fit to be
 * loaded? The watcher's own readiness chain (src/tls/checks.ts, one implementation) run on the
 * mounted files as if they were the Secret, with the names this member must cover — every check
 * but the last, which reads cert-manager's Certificate (the agent has no Kubernetes objects; the
 * watcher's verdict covers it). A leaf under another CA than the one served passes here when it
 * chains to the Secret's own ca.crt: that is a CA change, staged by trust-stage.ts. Pure.
 */
import { certificateResourceIsNotReady, evaluate, READINESS_CHAIN, type Violation } from '../tls/checks';
import type { DatabaseIdentity } from '../tls/member';
import type { SecretObject } from '../tls/objects';
import { CA_CRT, TLS_CRT, TLS_KEY } from '../tls/pem';
import { memberServerNames } from '../model/names';
import { TLS_VOLUME } from '../model/kubedb';

export const RENEWAL_CHAIN = READINESS_CHAIN.filter((check) => check !== certificateResourceIsNotReady);

export interface RenewalInput {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
  database: DatabaseIdentity;
  ordinal: number;
  now: Date;
}

/** The volume's files as the Secret the checks read (messages name the volume, never material). */
function asSecret(namespace: string, cert: Buffer, key: Buffer, ca: Buffer): SecretObject {
  return {
    metadata: { name: `${TLS_VOLUME.server} volume`, namespace },
    data: { [TLS_CRT]: cert.toString('base64'), [TLS_KEY]: key.toString('base64'), [CA_CRT]: ca.toString('base64') },
  } as SecretObject;
}

/** The first violation, or null when the renewal may be loaded. */
export function renewalViolation(input: RenewalInput): Violation | null {
  const { database, now } = input;
  const names = memberServerNames(database.name, database.namespace, input.ordinal, database.clusterDomain);
  const secret = asSecret(database.namespace, input.cert, input.key, input.ca);
  const found = evaluate({
    namespace: database.namespace,
    secretName: secret.metadata.name,
    secret,
    certificates: [],
    requiredDNSNames: names.dnsNames,
    requiredIPAddresses: names.ipAddresses,
    member: database,
    now,
  }, RENEWAL_CHAIN);
  return found;
}

/**
 * Is a renewed server certificate, as the kubelet swapped it into the pod's volume, fit to be
 * loaded? The watcher's own readiness chain (src/tls/checks.ts, one implementation) run on the
 * mounted files as if they were the Secret, with the names this member must cover — every check
 * but the last, which reads cert-manager's Certificate (the agent has no Kubernetes objects; the
 * watcher's verdict covers it). Then one more use of the same chain check: the new leaf must chain
 * to the CA the member serves with now (its peers trust that one): a renewal under another CA is a
 * CA change (issue 12.3), never loaded by the agent. Pure: material and the clock in.
 */
import { certificateResourceIsNotReady, evaluate, leafDoesNotChainToCA, READINESS_CHAIN, UNTRUSTED_ISSUER, type Violation } from '../tls/checks';
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
  /** ca.crt of the material the member serves now; undefined on the first look. */
  servedCa: Buffer | undefined;
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
  if (found || !input.servedCa || input.servedCa.equals(input.ca)) return found;
  const againstServed = asSecret(database.namespace, input.cert, input.key, input.servedCa);
  const untrusted = leafDoesNotChainToCA.run({
    namespace: database.namespace, secretName: againstServed.metadata.name, secret: againstServed, certificates: [],
    requiredDNSNames: [], requiredIPAddresses: [], now,
  });
  return untrusted
    ? { reason: UNTRUSTED_ISSUER, message: `the renewed certificate does not chain to the CA this member serves with (its peers trust that one): a CA change is not reloaded by the agent (${untrusted.message})` }
    : null;
}

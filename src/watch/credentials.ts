/**
 * The credentials a database's pods take from Secrets (env `valueFrom.secretKeyRef`: the auth,
 * monitor and replication Secrets KubeDB's entrypoint reads) must be there, non-empty, before the
 * pods start: kubelet starts a container whose env comes from an empty key, and the init image's
 * entrypoint then runs `CREATE USER ''@'localhost'` — an anonymous account — for an empty
 * MONITOR_USERNAME. Pure: the pods' references and each Secret's key presence in, a problem out.
 */
import type { PodObject, SecretEnv } from './types';

/** A Secret's key a pod's env needs, and which variables use it. */
export interface CredentialNeed {
  secretName: string;
  key: string;
  variables: string[];
}

/** A referenced Secret key is missing or empty. */
export const CREDENTIALS_MISSING = 'CredentialsMissing';

/** Non-optional secretKeyRefs of every container (init containers too), merged over the pods, in a stable order. */
export function credentialNeeds(pods: readonly PodObject[]): CredentialNeed[] {
  const needs = new Map<string, CredentialNeed>();
  const visit = (env: SecretEnv[] | undefined) => {
    for (const e of env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (!ref?.name || !ref.key || ref.optional) continue;
      const id = `${ref.name}\u0000${ref.key}`;
      const need = needs.get(id) ?? { secretName: ref.name, key: ref.key, variables: [] };
      if (!need.variables.includes(e.name)) need.variables.push(e.name);
      needs.set(id, need);
    }
  };
  for (const pod of pods) for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) visit(c.env);
  return [...needs.values()].sort((a, b) => a.secretName.localeCompare(b.secretName) || a.key.localeCompare(b.key));
}

/**
 * `keys(secret)`: each key of the Secret → whether its value is non-empty; undefined when the
 * Secret does not exist. The first problem in the needs' order, as a sentence; undefined when all are there.
 */
export function credentialsProblem(namespace: string, needs: readonly CredentialNeed[], keys: (secretName: string) => Record<string, boolean> | undefined): string | undefined {
  for (const need of needs) {
    const present = keys(need.secretName);
    const used = `(${need.variables.join(', ')})`;
    if (!present) return `Secret ${namespace}/${need.secretName} does not exist; the pods take ${need.key} from it ${used}`;
    if (!(need.key in present)) return `Secret ${namespace}/${need.secretName} has no key ${need.key} ${used}`;
    if (!present[need.key]) return `Secret ${namespace}/${need.secretName} has an empty ${need.key} ${used}; the pods must not start with an empty credential`;
  }
  return undefined;
}

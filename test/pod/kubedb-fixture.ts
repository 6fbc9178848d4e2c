// A rendered PerconaXtraDB on the rig, ready for the sandbox kubelet: rendered by the built function
// into a fresh namespace, its objects applied (not its StatefulSet: the test creates the pods, as the
// StatefulSet controller would, from the issue-11 template), its Certificates issued by the rig's
// real cert-manager from a CA Issuer, the auth/monitor/replication Secrets a user provides, and the
// pods created, ungated (standing in for the watcher) and bound to the sandbox node (standing in for
// the scheduler).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { render } from '../db/rendered-wiring';
import { apply } from '../cluster/kube';
import type { Api, KubeObject } from './api';
import { issue11StatefulSet, type Issue11Options } from './kubedb-pod';
import { bindPod, createPod, podFromStatefulSet } from './workloads';
import { LOCAL_CONFIG_ANNOTATION, SCHEDULING_GATE } from '../../src/model/project';

const run = promisify(execFile);

export interface KubedbDatabase {
  namespace: string;
  name: string;
  rendered: KubeObject[];
  statefulSet: KubeObject;
  /** The StatefulSet whose template the pods are made from (issue11StatefulSet of the rendered one). */
  contract: KubeObject;
  rootPassword: string;
  /** The issued server certificate's CA, as a file (for clients from the node). */
  caFile: string;
  podNames: string[];
  governingService: string;
  cleanup(): void;
}

async function makeCA(dir: string): Promise<{ cert: string; key: string }> {
  const key = join(dir, 'ca.key');
  const cert = join(dir, 'ca.crt');
  await run('openssl', ['genrsa', '-out', key, '2048']);
  await run('openssl', ['req', '-x509', '-new', '-key', key, '-out', cert, '-days', '2', '-subj', '/CN=pxc-tls pod-rig CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return { cert, key };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

export async function deployKubedb(api: Api, opts: { namespace: string; name?: string; version?: string; replicas?: number } & Issue11Options): Promise<KubedbDatabase> {
  const { namespace } = opts;
  const name = opts.name ?? 'px';
  const replicas = opts.replicas ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'pxc-pod-db-'));
  const issuerRef = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: `${name}-issuer` };
  const issuer = { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: issuerRef.name, namespace }, spec: { ca: { secretName: `${issuerRef.name}-ca` } } };
  const db = {
    apiVersion: 'kubedb.com/v1',
    kind: 'PerconaXtraDB',
    metadata: { name, namespace },
    spec: {
      version: opts.version ?? '8.4.3',
      replicas,
      storageType: 'Durable',
      storage: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      requireSSL: true,
      tls: { issuerRef },
      deletionPolicy: 'WipeOut',
    },
  };
  const { items } = await render([issuer, db]);
  const sts = items.find((o) => o.kind === 'StatefulSet' && o.metadata.name === name) as KubeObject | undefined;
  if (!sts) throw new Error(`the render has no StatefulSet ${name}`);

  const ca = await makeCA(dir);
  await api.request('POST', `/api/v1/namespaces/${namespace}/secrets`, {
    metadata: { name: `${issuerRef.name}-ca` }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64(readFileSync(ca.cert, 'utf8')), 'tls.key': b64(readFileSync(ca.key, 'utf8')) },
  });
  // What a user applies (kpt live apply / kubectl): everything but local-config; the StatefulSet
  // too is left out here, because the test makes the pods from the issue-11 template itself.
  const toApply = items.filter((o) => (o.metadata.annotations as Record<string, string> | undefined)?.[LOCAL_CONFIG_ANNOTATION] !== 'true' && o.kind !== 'StatefulSet');
  await apply(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: toApply }));
  const rootPassword = randomBytes(12).toString('hex');
  for (const [suffix, user, pw] of [['auth', 'root', rootPassword], ['monitor', 'monitor', randomBytes(12).toString('hex')], ['replication', 'replication', randomBytes(12).toString('hex')]] as const) {
    await api.request('POST', `/api/v1/namespaces/${namespace}/secrets`, { metadata: { name: `${name}-${suffix}` }, type: 'kubernetes.io/basic-auth', data: { username: b64(user), password: b64(pw) } });
  }
  const certificates = items.filter((o) => o.kind === 'Certificate').map((o) => o.metadata.name);
  const end = Date.now() + 120_000;
  for (const c of certificates) {
    for (;;) {
      const obj = await api.get<KubeObject>(`/apis/cert-manager.io/v1/namespaces/${namespace}/certificates/${c}`);
      if ((obj?.status?.conditions ?? []).some((x: any) => x.type === 'Ready' && x.status === 'True')) break;
      if (Date.now() > end) throw new Error(`Certificate ${namespace}/${c} not Ready: ${JSON.stringify(obj?.status ?? {})}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const serverSecret = await api.get<KubeObject>(`/api/v1/namespaces/${namespace}/secrets/${name}-server-cert`);
  const caFile = join(dir, 'server-ca.crt');
  writeFileSync(caFile, Buffer.from(serverSecret!.data['ca.crt'], 'base64'));
  const contract = issue11StatefulSet(sts, opts);
  return {
    namespace,
    name,
    rendered: items,
    statefulSet: sts,
    contract,
    rootPassword,
    caFile,
    podNames: Array.from({ length: replicas }, (_, i) => `${name}-${i}`),
    governingService: contract.spec.serviceName,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Creates pod `ordinal` from the contract template, removes pxc-tls's scheduling gate (standing in
 * for the watcher, which does so once the certificates verify) and binds it to `nodeName` (standing
 * in for the scheduler; pass no node to leave binding to a real kube-scheduler). */
export async function startMember(api: Api, db: KubedbDatabase, ordinal: number, nodeName?: string): Promise<string> {
  const pod = podFromStatefulSet(db.contract, ordinal);
  await createPod(api, pod);
  if ((pod.spec.schedulingGates ?? []).some((g: any) => g.name === SCHEDULING_GATE)) {
    await api.request('PATCH', `/api/v1/namespaces/${db.namespace}/pods/${pod.metadata.name}`, [{ op: 'remove', path: '/spec/schedulingGates' }], 'application/json-patch+json');
  }
  if (nodeName) await bindPod(api, db.namespace, pod.metadata.name, nodeName);
  return pod.metadata.name;
}

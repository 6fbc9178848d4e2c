/** Fixture builders for unit tests: a PerconaXtraDB with modifiers, and ResourceList text. */
import { KubeObject } from '../krm/types';
import { PerconaXtraDB } from '../model/perconaxtradb';

type Mod = (db: { apiVersion: string; kind: string; metadata: Record<string, unknown>; spec: Record<string, unknown> }) => void;

/** The KubeDB docs example (tls/configure), optionally modified. */
export function perconaXtraDB(name = 'sample-pxc', ...mods: Mod[]): PerconaXtraDB {
  const db = {
    apiVersion: 'kubedb.com/v1',
    kind: 'PerconaXtraDB',
    metadata: { name, namespace: 'demo' } as Record<string, unknown>,
    spec: {
      version: '8.4.3',
      replicas: 3,
      storageType: 'Durable',
      storage: { storageClassName: 'standard', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      requireSSL: true,
      tls: {
        issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'px-issuer' },
        certificates: [{ alias: 'server', subject: { organizations: ['kubedb:server'] }, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }],
      },
      deletionPolicy: 'WipeOut',
    } as Record<string, unknown>,
  };
  for (const mod of mods) mod(db);
  return db as unknown as PerconaXtraDB;
}

export const inNamespace = (namespace: string): Mod => (db) => {
  db.metadata.namespace = namespace;
};
export const withSpec = (patch: Record<string, unknown>): Mod => (db) => {
  Object.assign(db.spec, patch);
};
export const withTLS = (tls: Record<string, unknown>): Mod => (db) => {
  db.spec.tls = tls;
};
export const withoutTLS: Mod = (db) => {
  delete db.spec.tls;
  delete db.spec.requireSSL;
};
/** The same database as kubedb.com/v1alpha2 (whose deletionPolicy is called terminationPolicy). */
export const v1alpha2: Mod = (db) => {
  db.apiVersion = 'kubedb.com/v1alpha2';
  if ('deletionPolicy' in db.spec) {
    db.spec.terminationPolicy = db.spec.deletionPolicy;
    delete db.spec.deletionPolicy;
  }
};

export function issuer(name = 'px-issuer', namespace = 'demo'): KubeObject {
  return { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name, namespace }, spec: { ca: { secretName: 'px-ca' } } };
}

export function clusterIssuer(name = 'px-cluster-issuer'): KubeObject {
  return { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name }, spec: { ca: { secretName: 'px-ca' } } };
}

/** A ResourceList as kpt would send it (block YAML). */
export function resourceList(items: readonly unknown[], functionConfig?: unknown): string {
  // Lazy import keeps this module usable from every test without a cycle.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { emitMapping } = require('../krm/yaml-emit') as typeof import('../krm/yaml-emit');
  const list: Record<string, unknown> = { apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items };
  if (functionConfig !== undefined) list.functionConfig = functionConfig;
  return emitMapping(list);
}

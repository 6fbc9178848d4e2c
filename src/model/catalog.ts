/**
 * Images per PerconaXtraDB version: the PerconaXtraDBVersion catalog entries KubeDB ships
 * (kubedb/installer catalog/kubedb/raw/perconaxtradb/perconaxtradb-<version>.yaml @ 0c6e2459).
 * A test compares this table with the copies in ../shared/reference/kubedb/catalog/.
 */
export interface VersionImages {
  readonly db: string;
  readonly coordinator: string;
  readonly init: string;
  readonly exporter: string;
  readonly runAsUser: number;
  readonly endOfLife?: boolean;
}

export type ImageComponent = 'db' | 'coordinator' | 'init' | 'exporter';

const COORDINATOR = 'ghcr.io/kubedb/percona-xtradb-coordinator:v0.40.0-rc.0';
const INIT = 'ghcr.io/kubedb/percona-xtradb-init:0.2.3';
const EXPORTER = 'docker.io/prom/mysqld-exporter:v0.18.0';

export const CATALOG: Readonly<Record<string, VersionImages>> = {
  '5.7.44': { db: 'ghcr.io/appscode-images/percona-xtradb-cluster:5.7.44', coordinator: COORDINATOR, init: INIT, exporter: EXPORTER, runAsUser: 1001, endOfLife: true },
  '8.0.40': { db: 'ghcr.io/appscode-images/percona-xtradb-cluster:8.0.40', coordinator: COORDINATOR, init: INIT, exporter: EXPORTER, runAsUser: 1001 },
  '8.4.3': { db: 'ghcr.io/appscode-images/percona-xtradb-cluster:8.4.3', coordinator: COORDINATOR, init: INIT, exporter: EXPORTER, runAsUser: 1001 },
};

export const KNOWN_VERSIONS = Object.keys(CATALOG);

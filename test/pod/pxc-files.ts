// /etc/mysql/node.cnf of the PXC image, as the stand-in database image carries it: the settings of
// percona-docker's percona-xtradb-cluster-<major>/dockerdir/etc/mysql/node.cnf at the commits
// kubedb-startup.md names (8.4 @c2a12759, 8.0 @0d44eda8), with ONE change: wsrep_provider points at
// Debian's Galera 4 (/usr/lib/galera/libgalera_smm.so) instead of /usr/lib64/galera4/. KubeDB's
// entrypoint then edits this file as it does in the real image; the mysqld wrapper (standin/mysqld)
// translates what MariaDB lacks when it reads it.
import { writeFileSync } from 'node:fs';

export const DEBIAN_GALERA_PROVIDER = '/usr/lib/galera/libgalera_smm.so';

export function nodeCnf(version: string): string {
  const major = version.split('.').slice(0, 2).join('.');
  if (major !== '8.4' && major !== '8.0') throw new Error(`no node.cnf model for PXC ${version} (8.4 and 8.0 are modelled; 5.7 is refused in standalone mode, issue 11)`);
  // 8.0 keeps skip-host-cache and core-file and flushes the log at each second (0); 8.4 comments
  // coredumper out and flushes at 2.
  const v80 = major === '8.0';
  return `[mysqld]

default_authentication_plugin=mysql_native_password
datadir=/var/lib/mysql
socket=/tmp/mysql.sock
${v80 ? 'skip-host-cache\ncore-file\n' : '\n#coredumper\n'}#server_id=0
binlog_format=ROW
default_storage_engine=InnoDB

innodb_flush_log_at_trx_commit  = ${v80 ? 0 : 2}
innodb_flush_method             = O_DIRECT
innodb_file_per_table           = 1
innodb_autoinc_lock_mode=2

bind_address = 0.0.0.0

wsrep_slave_threads=2
wsrep_cluster_address=gcomm://
wsrep_provider=${DEBIAN_GALERA_PROVIDER}

wsrep_cluster_name=noname
#wsrep_node_address=noname
#wsrep_node_incoming_address=nodeip

wsrep_sst_method=xtrabackup-v2

[client]
socket=/tmp/mysql.sock

[sst]
progress=/var/lib/mysql/sst_in_progress
`;
}

export function writeNodeCnf(path: string, version: string): void {
  writeFileSync(path, nodeCnf(version), { mode: 0o664 });
}

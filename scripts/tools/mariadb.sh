#!/usr/bin/env bash
# Installs MariaDB server + client and the Galera 4 provider from Debian's packages, for the
# database tests in test/db (issue 6).
#
# Why MariaDB: Percona XtraDB Cluster has no Debian package. MariaDB 10.11 with Galera 4 (26.4)
# takes the same mysqld TLS settings (ssl-ca/ssl-cert/ssl-key/ssl-capath, require_secure_transport)
# and the same Galera provider options (socket.ssl_key/ssl_cert/ssl_ca), so the rendered wiring
# can be exercised on it. test/db/README.md says what this proves and what stays PXC-specific.
#
# How: without touching the system. `apt-get download` fetches the packages and whichever of their
# dependencies are not installed, `dpkg -x` unpacks them into
#   ${PXC_TLS_CACHE:-<repo>/.cache}/mariadb-<version>/root
# No maintainer script runs, so no service, user or /etc file is created. If that tree cannot run
# (a library missing), it falls back to `apt-get install -y --no-install-recommends` with a
# policy-rc.d that forbids starting services. `--system` forces that fallback.
#
# Output: progress on stderr; on stdout a single line, the directory that holds `mariadb.env`
# (KEY=VALUE lines: binaries, provider, library path) that test/db/mariadb.ts reads.
# Idempotent: a finished install is marked with `.complete` and reused without any network access.
set -euo pipefail

log() { printf 'mariadb.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

force_system=0
case "${1:-}" in
  --system) force_system=1 ;;
  '') ;;
  *) die "usage: $0 [--system]" ;;
esac

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${PXC_TLS_CACHE:-$repo/.cache}
mkdir -p "$cache"
# The physical path: the cache is shared between checkouts through a .cache symlink, and the env
# file's paths must stay valid when the checkout that wrote them is gone.
cache=$(cd "$cache" && pwd -P)

# The packages we use, by name. The server package brings the wsrep_sst_* scripts; rsync is the
# SST method the tests use (the mariabackup method would need mariadb-backup and socat too).
top=(mariadb-server mariadb-server-core mariadb-client mariadb-client-core mariadb-common galera-4 rsync)

# Serialise concurrent callers (several jest workers may start at once).
exec 9>"$cache/mariadb.lock"
flock 9

# An unpacked install whose env file names another path to it (written through another checkout's
# .cache symlink, before the path was made physical): point the env file at this directory.
repoint_env() {  # $1 = the install's directory
  local env="$1/mariadb.env" old
  old=$(sed -n 's/^MARIADB_ROOT=//p' "$env")
  if [ "$(sed -n 's/^MARIADB_INSTALL_MODE=//p' "$env")" = extracted ] && [ "$old" != "$1/root" ] && [ ! -x "$old/usr/sbin/mariadbd" ] && [ -x "$1/root/usr/sbin/mariadbd" ]; then
    log "the env file names $old, which is gone: pointing it at $1/root"
    sed "s#$old#$1/root#g" "$env" >"$env.tmp" && mv "$env.tmp" "$env"
  fi
}

candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}'; }
upstream() { local v=${1#*:}; printf '%s\n' "${v%%-*}"; }  # 1:10.11.19-0+deb12u1 -> 10.11.19

cand=$(candidate mariadb-server)
if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
  # Without package lists, a finished install is still good enough.
  existing=$(ls -d "$cache"/mariadb-*/.complete 2>/dev/null | sort -V | tail -n1 || true)
  if [ -n "$existing" ]; then
    dir=$(dirname "$existing")
    log "no package lists; reusing $dir"
    repoint_env "$dir"
    printf '%s\n' "$dir"
    exit 0
  fi
  log "no candidate for mariadb-server: running apt-get update"
  apt-get update -qq >&2 || die "apt-get update failed"
  cand=$(candidate mariadb-server)
  [ -n "$cand" ] && [ "$cand" != "(none)" ] || die "Debian has no mariadb-server candidate"
fi
version=$(upstream "$cand")
galera_cand=$(candidate galera-4)
dir="$cache/mariadb-$version"

if [ -f "$dir/.complete" ] && [ "$force_system" = 0 ]; then
  log "already installed: MariaDB $version ($(sed -n 's/^MARIADB_INSTALL_MODE=//p' "$dir/mariadb.env"))"
  repoint_env "$dir"
  printf '%s\n' "$dir"
  exit 0
fi

is_installed() { [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]; }

# Names that installed packages provide (virtual packages such as perl:any, debconf-2.0).
provided=" $(dpkg-query -W -f='${Provides}\n' 2>/dev/null | tr ',' '\n' | sed -E 's/\(.*\)//; s/^ +//; s/ +$//' | sort -u | tr '\n' ' ') "
satisfied() {  # one dependency alternative
  local name=${1#<}; name=${name%>}; name=${name%%:*}
  is_installed "$name" || [[ $provided == *" $name "* ]]
}

# Resolve: the top packages, plus every dependency group that no installed package satisfies
# (first real alternative), recursively. Perl modules are skipped: they serve Perl tools
# (mariadb-hotcopy, mytop, ...) that the tests do not run, and the system perl is not touched.
resolve() {
  local -A seen=()
  local -a queue=("${top[@]}") need=()
  local p line alts dep
  while [ ${#queue[@]} -gt 0 ]; do
    p=${queue[0]}; queue=("${queue[@]:1}")
    [ -n "${seen[$p]:-}" ] && continue
    seen[$p]=1
    need+=("$p")
    alts=()
    while IFS= read -r line; do
      # "  Depends: x" or " |Depends: x" (ORed with the next line)
      [[ $line =~ ^\ ([\ |])(Pre)?Depends:\ (.*)$ ]] || continue
      alts+=("${BASH_REMATCH[3]}")
      [ "${BASH_REMATCH[1]}" = '|' ] && continue
      local ok=0 pick=''
      for dep in "${alts[@]}"; do
        if satisfied "$dep"; then ok=1; break; fi
        [[ $dep == '<'* ]] || { [ -z "$pick" ] && pick=${dep%%:*}; }
      done
      alts=()
      [ "$ok" = 1 ] && continue
      [ -z "$pick" ] && { log "warning: no real package for a dependency of $p"; continue; }
      [[ $pick == *-perl ]] && continue
      [ -z "${seen[$pick]:-}" ] && queue+=("$pick")
    done < <(apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks \
               --no-replaces --no-enhances "$p" 2>/dev/null)
  done
  printf '%s\n' "${need[@]}"
}

write_env() {  # $1 = root of the tree ("" for the system), $2 = mode
  local root=$1 mode=$2 libdir galera plugin
  libdir=$(dirname "$(find "$root/usr/lib" -name 'libmariadb.so.3' -print -quit 2>/dev/null || true)")
  galera=$(find "$root/usr/lib" -name 'libgalera_smm.so' -path '*galera*/*' -print -quit 2>/dev/null || true)
  plugin="$root/usr/lib/mysql/plugin"
  [ -x "$root/usr/sbin/mariadbd" ] || die "no mariadbd under $root/usr/sbin"
  [ -n "$galera" ] || die "no libgalera_smm.so under $root/usr/lib"
  cat >"$dir/mariadb.env" <<EOF
MARIADB_VERSION=$version
MARIADB_PACKAGE_VERSION=$cand
GALERA_PACKAGE_VERSION=$galera_cand
MARIADB_INSTALL_MODE=$mode
MARIADB_ROOT=${root:-/}
MARIADB_BASEDIR=$root/usr
MARIADBD=$root/usr/sbin/mariadbd
MARIADB_CLIENT=$root/usr/bin/mariadb
MARIADB_INSTALL_DB=$root/usr/bin/mariadb-install-db
MARIADB_SHAREDIR=$root/usr/share/mysql
MARIADB_PLUGIN_DIR=$plugin
GALERA_PROVIDER=$galera
MARIADB_PATH=$root/usr/bin:$root/usr/sbin
MARIADB_LD_LIBRARY_PATH=$([ "$mode" = extracted ] && printf '%s' "$libdir")
EOF
}

smoke() {  # $1 = root; every binary the tests run loads with the given library path
  local root=$1 lib f
  lib=$(sed -n 's/^MARIADB_LD_LIBRARY_PATH=//p' "$dir/mariadb.env")
  for f in "$root/usr/sbin/mariadbd" "$root/usr/bin/mariadb" "$root/usr/bin/rsync" \
           "$(sed -n 's/^GALERA_PROVIDER=//p' "$dir/mariadb.env")"; do
    [ -e "$f" ] || { log "smoke: missing $f"; return 1; }
    if LD_LIBRARY_PATH=$lib ldd "$f" 2>&1 | grep -q 'not found'; then
      log "smoke: unresolved libraries in $f:"; LD_LIBRARY_PATH=$lib ldd "$f" | grep 'not found' >&2; return 1
    fi
  done
  LD_LIBRARY_PATH=$lib "$root/usr/sbin/mariadbd" --version >&2 || return 1
}

install_extracted() {
  local tmp root pkgs
  tmp=$(mktemp -d "$cache/.mariadb-$version.XXXXXX")
  chmod 0755 "$tmp"  # the tests run mariadbd as an unprivileged user when they are root
  mkdir -p "$tmp/debs"
  mapfile -t pkgs < <(resolve)
  log "downloading ${#pkgs[@]} packages: ${pkgs[*]}"
  # _apt cannot write into a root-owned private directory; download as root (warning silenced).
  (cd "$tmp/debs" && apt-get download -q "${pkgs[@]}" 2>&1 | grep -v 'unsandboxed' >&2) || true
  local n; n=$(ls "$tmp/debs"/*.deb 2>/dev/null | wc -l)
  if [ "$n" -ne "${#pkgs[@]}" ]; then
    # Stale package lists (a version the mirror no longer has): refresh once and retry.
    log "downloaded $n of ${#pkgs[@]} packages; apt-get update and retry"
    apt-get update -qq >&2 || true
    (cd "$tmp/debs" && apt-get download -q "${pkgs[@]}" 2>&1 | grep -v 'unsandboxed' >&2) || true
    n=$(ls "$tmp/debs"/*.deb 2>/dev/null | wc -l)
  fi
  [ "$n" -eq "${#pkgs[@]}" ] || { log "downloaded $n of ${#pkgs[@]} packages"; rm -rf "$tmp"; return 1; }
  root="$tmp/root"; mkdir -p "$root"
  for f in "$tmp/debs"/*.deb; do dpkg -x "$f" "$root"; done
  rm -rf "$tmp/debs"
  # Move into place, then point the env file at the final path.
  rm -rf "$dir"; mv "$tmp" "$dir"
  write_env "$dir/root" extracted
  smoke "$dir/root" || { rm -rf "$dir"; return 1; }
  log "unpacked into $dir/root (nothing installed on the system)"
}

install_system() {
  log "falling back to apt-get install (system packages; services forbidden to start)"
  local policy=/usr/sbin/policy-rc.d created=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; created=1
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    mariadb-server mariadb-client galera-4 rsync >&2 || rc=$?
  [ "$created" = 1 ] && rm -f "$policy"
  [ "$rc" = 0 ] || die "apt-get install failed ($rc)"
  mkdir -p "$dir"
  write_env "" system
  smoke "" || die "system MariaDB does not run"
}

if [ "$force_system" = 1 ] || ! install_extracted; then
  install_system
fi
touch "$dir/.complete"
log "MariaDB $version, Galera ${galera_cand:-?}: $(sed -n 's/^MARIADB_INSTALL_MODE=//p' "$dir/mariadb.env") -> $dir/mariadb.env"
printf '%s\n' "$dir"

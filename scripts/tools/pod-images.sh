#!/usr/bin/env bash
# Debian packages the pod sandbox's stand-in images need beyond MariaDB itself (test/pod, issues 11
# and 12), unpacked without touching the system:
#   tini            /usr/bin/tini-static becomes the init image's /tmp/scripts/tini. The real image
#                   carries kubedb/tini v0.20.0's static build (tini-static-amd64, a fork of tini);
#                   Debian's is krallin/tini 0.19.0, also static.
#   mariadb-backup  mariabackup + mbstream: the SST method standing in for PXC's xtrabackup-v2
#                   (MariaDB's fork of xtrabackup; its wsrep_sst_mariabackup script is in
#                   mariadb-server, socat in MariaDB's dependencies: scripts/tools/mariadb.sh).
#   pv              the PXC image installs it; KubeDB's entrypoint sets [sst] progress=1, which makes
#                   the SST script pipe through pv.
# Every other library these need is on the system or in MariaDB's tree (checked below with ldd).
#
# How: `apt-get download` of exactly these packages, `dpkg -x` into
#   ${PXC_TLS_CACHE:-<repo>/.cache}/pod-images-<tini>-<mariadb-backup>-<pv>/root
# Output: progress on stderr; on stdout one line, that directory (holding `pod-images.env`).
# Idempotent: a finished tree is marked `.complete` and reused without network access.
set -euo pipefail

log() { printf 'pod-images.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

packages=(tini mariadb-backup pv)

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${PXC_TLS_CACHE:-$repo/.cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd -P)

exec 9>"$cache/pod-images.lock"
flock 9

candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}'; }

versions=()
for p in "${packages[@]}"; do
  v=$(candidate "$p")
  if [ -z "$v" ] || [ "$v" = "(none)" ]; then
    existing=$(ls -d "$cache"/pod-images-*/.complete 2>/dev/null | sort -V | tail -n1 || true)
    if [ -n "$existing" ]; then
      log "no candidate for $p (no package lists?); reusing $(dirname "$existing")"
      dirname "$existing"
      exit 0
    fi
    log "no candidate for $p: apt-get update"
    apt-get update -qq >&2 || die "apt-get update failed"
    v=$(candidate "$p")
    [ -n "$v" ] && [ "$v" != "(none)" ] || die "Debian has no candidate for $p"
  fi
  versions+=("$p=$v")
done
tag=$(printf '%s\n' "${versions[@]}" | sed 's/^[^=]*=//; s/^[0-9]*://; s/[^A-Za-z0-9.+-]/_/g' | paste -sd- -)
dir="$cache/pod-images-$tag"

if [ -f "$dir/.complete" ]; then
  log "already unpacked: ${versions[*]}"
  printf '%s\n' "$dir"
  exit 0
fi

# MariaDB's tree: mariadb-backup must match its server version and finds some libraries there.
mariadb_dir=$(bash "$repo/scripts/tools/mariadb.sh")
mariadb_root=$(sed -n 's/^MARIADB_ROOT=//p' "$mariadb_dir/mariadb.env")
mariadb_lib=$(sed -n 's/^MARIADB_LD_LIBRARY_PATH=//p' "$mariadb_dir/mariadb.env")
mariadb_version=$(sed -n 's/^MARIADB_PACKAGE_VERSION=//p' "$mariadb_dir/mariadb.env")
backup_version=$(printf '%s\n' "${versions[@]}" | sed -n 's/^mariadb-backup=//p')
[ "$backup_version" = "$mariadb_version" ] || die "mariadb-backup $backup_version does not match MariaDB $mariadb_version (run scripts/tools/mariadb.sh after apt-get update)"

tmp=$(mktemp -d "$cache/.pod-images.XXXXXX")
chmod 0755 "$tmp"
mkdir -p "$tmp/debs" "$tmp/root"
(cd "$tmp/debs" && apt-get download -q "${versions[@]}" 2>&1 | grep -v 'unsandboxed' >&2) || true
n=$(ls "$tmp/debs"/*.deb 2>/dev/null | wc -l)
[ "$n" -eq "${#packages[@]}" ] || { rm -rf "$tmp"; die "downloaded $n of ${#packages[@]} packages (${versions[*]})"; }
for f in "$tmp/debs"/*.deb; do dpkg -x "$f" "$tmp/root"; done
rm -rf "$tmp/debs"

# Smoke: every binary loads with the system's libraries plus MariaDB's tree (the image's view).
for f in usr/bin/tini-static usr/bin/mariadb-backup usr/bin/mbstream usr/bin/pv; do
  [ -x "$tmp/root/$f" ] || { rm -rf "$tmp"; die "missing $f"; }
  if LD_LIBRARY_PATH=$mariadb_lib ldd "$tmp/root/$f" 2>&1 | grep -q 'not found'; then
    LD_LIBRARY_PATH=$mariadb_lib ldd "$tmp/root/$f" | grep 'not found' >&2
    rm -rf "$tmp"; die "unresolved libraries in $f"
  fi
done
"$tmp/root/usr/bin/tini-static" --version >&2

{
  for v in "${versions[@]}"; do printf 'PACKAGE_%s=%s\n' "$(printf '%s' "${v%%=*}" | tr 'a-z-' 'A-Z_')" "${v#*=}"; done
  printf 'POD_IMAGES_ROOT=%s\n' "$dir/root"
  printf 'TINI_STATIC=%s\n' "$dir/root/usr/bin/tini-static"
  printf 'MARIADB_ROOT=%s\n' "$(cd "$mariadb_root" && pwd -P)"
} >"$tmp/pod-images.env"
rm -rf "$dir"
mv "$tmp" "$dir"
sed -i "s#$tmp#$dir#g" "$dir/pod-images.env"
touch "$dir/.complete"
log "unpacked ${versions[*]} -> $dir/root"
printf '%s\n' "$dir"

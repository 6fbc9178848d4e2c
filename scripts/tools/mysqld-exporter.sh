#!/usr/bin/env bash
# Installs Debian's mysqld_exporter (package prometheus-mysqld-exporter, 0.14.0 in bookworm) for
# the exporter test in test/db (issue 12.6).
#
# Why Debian's: the catalog's image is prom/mysqld-exporter v0.18.0, but the Go module proxy refuses
# github.com/prometheus/mysqld_exporter here, and no container runtime runs images. Debian's build is
# the real exporter, older: test/db/README.md and docs/rotation.md say what differs.
#
# How, as scripts/tools/mariadb.sh: `apt-get download` the package (a static Go binary; its only
# dependencies, libc6 and adduser, are for the service scripts we never run), `dpkg -x` it into
#   ${PXC_TLS_CACHE:-<repo>/.cache}/mysqld-exporter-<version>/root
# No maintainer script runs, nothing on the system changes.
#
# Output: progress on stderr; on stdout one line, the directory holding `mysqld-exporter.env`
# (MYSQLD_EXPORTER=<binary, relative to that directory: the cache is shared between checkouts>,
# MYSQLD_EXPORTER_VERSION=<upstream version>, the package version).
# Idempotent: a finished install is marked `.complete` and reused without network access.
set -euo pipefail

log() { printf 'mysqld-exporter.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${PXC_TLS_CACHE:-$repo/.cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
package=prometheus-mysqld-exporter

exec 9>"$cache/mysqld-exporter.lock"
flock 9

candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}'; }
upstream() { local v=${1#*:}; printf '%s\n' "${v%%-*}"; }  # 0.14.0-3+b5 -> 0.14.0

cand=$(candidate "$package")
if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
  existing=$(ls -d "$cache"/mysqld-exporter-*/.complete 2>/dev/null | sort -V | tail -n1 || true)
  if [ -n "$existing" ]; then
    dir=$(dirname "$existing"); log "no package lists; reusing $dir"; printf '%s\n' "$dir"; exit 0
  fi
  log "no candidate for $package: running apt-get update"
  apt-get update -qq >&2 || die "apt-get update failed"
  cand=$(candidate "$package")
  [ -n "$cand" ] && [ "$cand" != "(none)" ] || die "Debian has no $package candidate"
fi
version=$(upstream "$cand")
dir="$cache/mysqld-exporter-$version"

if [ -f "$dir/.complete" ]; then
  log "already installed: mysqld_exporter $version ($cand)"
  printf '%s\n' "$dir"
  exit 0
fi

tmp=$(mktemp -d "$cache/.mysqld-exporter-$version.XXXXXX")
chmod 0755 "$tmp"
mkdir -p "$tmp/deb"
# _apt cannot write into a root-owned private directory; download as root (warning silenced).
(cd "$tmp/deb" && apt-get download -q "$package=$cand" 2>&1 | grep -v 'unsandboxed' >&2) || true
deb=$(ls "$tmp/deb"/*.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
  log "download failed; apt-get update and retry"
  apt-get update -qq >&2 || true
  (cd "$tmp/deb" && apt-get download -q "$package=$cand" 2>&1 | grep -v 'unsandboxed' >&2) || true
  deb=$(ls "$tmp/deb"/*.deb 2>/dev/null | head -n1 || true)
fi
[ -n "$deb" ] || { rm -rf "$tmp"; die "could not download $package $cand"; }
dpkg -x "$deb" "$tmp/root"
rm -rf "$tmp/deb"
bin="$tmp/root/usr/bin/prometheus-mysqld-exporter"
[ -x "$bin" ] || { rm -rf "$tmp"; die "no prometheus-mysqld-exporter binary in the package"; }
"$bin" --version >&2 2>&1 || { rm -rf "$tmp"; die "the binary does not run"; }
rm -rf "$dir"; mv "$tmp" "$dir"
cat >"$dir/mysqld-exporter.env" <<EOF
MYSQLD_EXPORTER=root/usr/bin/prometheus-mysqld-exporter
MYSQLD_EXPORTER_VERSION=$version
MYSQLD_EXPORTER_PACKAGE_VERSION=$cand
EOF
touch "$dir/.complete"
log "mysqld_exporter $version ($cand) unpacked into $dir/root (nothing installed on the system)"
printf '%s\n' "$dir"

#!/usr/bin/env bash
# Installs the netfilter userspace tools (iptables with its nft backend, ipset) from Debian's
# packages, for the NetworkPolicy enforcement test (test/cluster/network-policy-enforcement.test.ts):
# kube-router's network-policy controller drives them inside a network namespace of the test's own,
# never the host's.
#
# How: without touching the system, as mariadb.sh does: `apt-get download` the packages, `dpkg -x`
# them into ${PXC_TLS_CACHE:-<repo>/.cache}/netfilter-<iptables version>/root, and write wrappers
# in bin/ (iptables, iptables-save, iptables-restore, their ip6tables twins, ipset) that set the
# library and xtables module paths. Output: progress on stderr; on stdout one line, the bin/
# directory. Idempotent (a finished install is marked `.complete`), serialised with flock.
set -euo pipefail

log() { printf 'netfilter.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${PXC_TLS_CACHE:-$repo/.cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd -P)

# iptables (nft backend: xtables-nft-multi), ipset, and every library they load.
packages=(iptables libip4tc2 libip6tc2 libxtables12 libnftnl11 libnetfilter-conntrack3 libnfnetlink0 libmnl0 ipset libipset13)

exec 9>"$cache/netfilter.lock"
flock 9

candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}'; }
version=$(candidate iptables)
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
  existing=$(ls -d "$cache"/netfilter-*/.complete 2>/dev/null | sort -V | tail -n1 || true)
  if [ -n "$existing" ]; then
    log "no package lists; reusing $(dirname "$existing")"
    printf '%s/bin\n' "$(dirname "$existing")"
    exit 0
  fi
  log "no candidate for iptables: running apt-get update"
  apt-get update -qq >&2 || die "apt-get update failed"
  version=$(candidate iptables)
  [ -n "$version" ] && [ "$version" != "(none)" ] || die "no iptables package available"
fi

dir="$cache/netfilter-${version%%-*}"

# The wrappers find the unpacked tree from where they are (the cache is shared between checkouts
# through .cache symlinks, and a checkout that wrote absolute paths may be gone).
write_wrappers() {  # $1 = the install's directory
  local install=$1 lib multi name
  lib=$(cd "$install/root" && find . -name 'libxtables.so.*' | head -n1)
  [ -n "$lib" ] || die "no libxtables in $install/root"
  lib=${lib#./}; lib=${lib%/*}
  multi=usr/sbin/xtables-nft-multi
  [ -x "$install/root/$multi" ] || die "no xtables-nft-multi in the iptables package"
  wrap() { # wrap <name> <path under root> [args...]
    printf '#!/bin/sh\nroot=$(cd "$(dirname "$0")/../root" && pwd -P)\nexport LD_LIBRARY_PATH="$root/%s${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"\nexport XTABLES_LIBDIR="$root/%s/xtables"\nexec "$root/%s" %s "$@"\n' "$lib" "$lib" "$2" "${*:3}" >"$install/bin/$1.tmp"
    chmod 0755 "$install/bin/$1.tmp"
    mv "$install/bin/$1.tmp" "$install/bin/$1"
  }
  for name in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do wrap "$name" "$multi" "$name"; done
  wrap ipset usr/sbin/ipset
}

if [ -f "$dir/.complete" ]; then
  grep -q 'dirname "$0"' "$dir/bin/iptables" 2>/dev/null || write_wrappers "$dir"
  printf '%s/bin\n' "$dir"
  exit 0
fi

log "installing ${packages[*]} (iptables $version) into $dir"
rm -rf "$dir"
mkdir -p "$dir/debs" "$dir/root" "$dir/bin"
# apt-get download runs as _apt when it can: the folder must be writable for it.
chmod 0777 "$dir/debs"
(cd "$dir/debs" && apt-get download "${packages[@]}" >&2) || die "apt-get download failed"
for deb in "$dir"/debs/*.deb; do dpkg -x "$deb" "$dir/root"; done

write_wrappers "$dir"
"$dir/bin/iptables" --version >&2 || die "the unpacked iptables does not run"
"$dir/bin/ipset" --version >&2 || die "the unpacked ipset does not run"
touch "$dir/.complete"
printf '%s/bin\n' "$dir"

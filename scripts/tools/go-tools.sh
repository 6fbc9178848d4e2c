#!/usr/bin/env bash
# Builds the Go tools the tests run, from the Go module proxy only, cached by version:
#   bash scripts/tools/go-tools.sh kube-apiserver kube-controller-manager kube-scheduler etcd cert-manager kustomize kwok
# Each tool lands in ${PXC_TLS_CACHE:-<repo>/.cache}/tools/<tool>-<version>/ (bin/ and, for
# cert-manager, crds/). Wrapper modules are generated under <cache>/tools/build/, never committed.
# Prints one line per tool: `tool version path (cold build Ns | cached)`.
set -euo pipefail

KUBE_VERSION=v1.37.2            # k8s.io/kubernetes tag for kube-apiserver, -controller-manager, -scheduler: newest served that builds with Go 1.26.8
ETCD_VERSION=v3.7.3             # go.etcd.io/etcd/server/v3: newest 3.x release on the proxy (go 1.26 module)
CERT_MANAGER_VERSION=v1.11.5    # controller: last tag whose cmd/controller is in the root module (see test/cluster/README.md)
CERT_MANAGER_CRDS_VERSION=v1.21.2 # CRDs: newest root module on the proxy; plain controller-gen files in deploy/crds/
KWOK_VERSION=v0.8.0             # sigs.k8s.io/kwok: fake nodes that carry pods through their lifecycle (builds with Go 1.26)
KUSTOMIZE_VERSION=v5.8.2        # sigs.k8s.io/kustomize/kustomize/v5: newest for Go 1.26 (v5.8.3 requires go >= 1.27.0)
KUBE_SCORE_VERSION=v1.20.0      # github.com/zegl/kube-score: newest tag on the proxy (go 1.23 module, no replace directives)
KUBE_ROUTER_VERSION=v2.1.0      # github.com/cloudnativelabs/kube-router/v2: newest tag on the proxy; its network-policy controller enforces in the NetworkPolicy test

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${PXC_TLS_CACHE:-$REPO_ROOT/.cache}"
TOOLS="$CACHE/tools"
BUILD="$TOOLS/build"
# Wrapper modules ignore the dependencies' own replace directives, so -mod=mod lets go resolve and
# write go.sum on first build; the module proxy is the only source reachable here.
export GOFLAGS="-mod=mod -trimpath"
export GOTOOLCHAIN=local

log() { echo "go-tools: $*" >&2; }

# with_lock <name> <cmd...>: serialises concurrent builds of the same tool (e.g. two test runs).
with_lock() {
  local name=$1; shift
  mkdir -p "$TOOLS"
  (
    flock 9
    "$@"
  ) 9>"$TOOLS/.$name.lock"
}

# new_wrapper <dir> <module-path>: a fresh throw-away module to build a dependency's main package.
new_wrapper() {
  rm -rf "$1"
  mkdir -p "$1"
  printf 'module %s\n\ngo 1.26.0\n' "$2" >"$1/go.mod"
}

# report <tool> <version> <path> <start-seconds|"">
report() {
  if [[ -n "$4" ]]; then
    echo "$1 $2 $3 (cold build $((SECONDS - $4))s)"
  else
    echo "$1 $2 $3 (cached)"
  fi
}

# kube_wrapper <dir> <module-path>: a wrapper module requiring k8s.io/kubernetes at KUBE_VERSION.
# k8s.io/kubernetes requires every staging module at v0.0.0 and replaces it with ./staging/...;
# those replaces are ignored in a dependency, so map each one listed in this tag's go.mod to the
# published v0.<minor>.<patch>. kube-apiserver, kube-controller-manager and kube-scheduler all
# build from this same recipe (and share most packages in the Go build cache).
kube_wrapper() {
  local w=$1 gomod staging
  new_wrapper "$w" "$2"
  gomod="$(cd "$w" && go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  staging="$(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9.-]*\)[[:space:]]*=>[[:space:]]*\./staging/src/.*#\1#p' "$gomod")"
  [[ -n "$staging" ]] || { log "no staging replaces found in $gomod"; return 1; }
  {
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    echo "replace ("
    for m in $staging; do echo "	$m => $m v0.${KUBE_VERSION#v1.}"; done
    echo ")"
  } >>"$w/go.mod"
  log "wrapper for k8s.io/kubernetes $KUBE_VERSION: $(wc -w <<<"$staging") staging replaces"
}

# build_kube_component <name>: k8s.io/kubernetes/cmd/<name> (kube-apiserver, kube-controller-manager,
# kube-scheduler) into <cache>/tools/<name>-<KUBE_VERSION>/bin/<name>.
build_kube_component() {
  local name=$1 out="$TOOLS/$1-$KUBE_VERSION" start=$SECONDS
  if [[ -x "$out/bin/$name" ]]; then report "$name" "$KUBE_VERSION" "$out/bin/$name" ""; return; fi
  local w="$BUILD/$name-$KUBE_VERSION"
  kube_wrapper "$w" "pxc-tls.local/$name"
  log "building $name $KUBE_VERSION (this takes a while on 2 cores)"
  local minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
  # version.gitVersion by ldflags, otherwise /version reports a dev version.
  (cd "$w" && go build -o "$w/$name" \
    -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean" \
    "k8s.io/kubernetes/cmd/$name")
  mkdir -p "$out/bin" && mv "$w/$name" "$out/bin/$name"
  report "$name" "$KUBE_VERSION" "$out/bin/$name" "$start"
}

build_etcd() {
  local out="$TOOLS/etcd-$ETCD_VERSION" start=$SECONDS
  if [[ -x "$out/bin/etcd" ]]; then report etcd "$ETCD_VERSION" "$out/bin/etcd" ""; return; fi
  local w="$BUILD/etcd-$ETCD_VERSION"
  # The server module's root package is `package main`; its go.mod has replace directives, so
  # `go install …@version` refuses it and a wrapper module is needed.
  new_wrapper "$w" pxc-tls.local/etcd
  printf '\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >>"$w/go.mod"
  log "building etcd $ETCD_VERSION"
  (cd "$w" && go build -o "$w/etcd" -ldflags "-s -w" go.etcd.io/etcd/server/v3)
  mkdir -p "$out/bin" && mv "$w/etcd" "$out/bin/etcd"
  report etcd "$ETCD_VERSION" "$out/bin/etcd" "$start"
}

build_cert_manager() {
  local out="$TOOLS/cert-manager-$CERT_MANAGER_VERSION" start=$SECONDS
  if [[ -x "$out/bin/controller" && "$(cat "$out/crds/VERSION" 2>/dev/null)" == "$CERT_MANAGER_CRDS_VERSION" ]]; then
    report cert-manager "$CERT_MANAGER_VERSION" "$out" ""; return
  fi
  local w="$BUILD/cert-manager-$CERT_MANAGER_VERSION"
  # From v1.12 cmd/controller is its own module (controller-binary) that is not on the proxy; up to
  # v1.11.x it is a package of the root module, buildable through a wrapper.
  new_wrapper "$w" pxc-tls.local/cert-manager
  printf '\nrequire github.com/cert-manager/cert-manager %s\n' "$CERT_MANAGER_VERSION" >>"$w/go.mod"
  if [[ ! -x "$out/bin/controller" ]]; then
    log "building cert-manager controller $CERT_MANAGER_VERSION"
    (cd "$w" && go build -o "$w/controller" \
      -ldflags "-s -w -X github.com/cert-manager/cert-manager/pkg/util.AppVersion=$CERT_MANAGER_VERSION" \
      github.com/cert-manager/cert-manager/cmd/controller)
    mkdir -p "$out/bin" && mv "$w/controller" "$out/bin/controller"
  fi
  # CRDs: plain controller-gen files exist in deploy/crds/ from v1.19 on (older ones are Helm
  # templates); take them from the newest root module, read through the module cache.
  local dir
  dir="$(cd "$w" && go mod download -json "github.com/cert-manager/cert-manager@$CERT_MANAGER_CRDS_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  rm -rf "$out/crds" && mkdir -p "$out/crds"
  cp "$dir"/deploy/crds/*cert-manager.io_*.yaml "$out/crds/"
  chmod u+w "$out"/crds/*.yaml
  echo "$CERT_MANAGER_CRDS_VERSION" >"$out/crds/VERSION"
  report cert-manager "$CERT_MANAGER_VERSION" "$out" "$start"
}

build_kustomize() {
  local out="$TOOLS/kustomize-$KUSTOMIZE_VERSION" start=$SECONDS
  if [[ -x "$out/bin/kustomize" ]]; then report kustomize "$KUSTOMIZE_VERSION" "$out/bin/kustomize" ""; return; fi
  local w="$BUILD/kustomize-$KUSTOMIZE_VERSION"
  new_wrapper "$w" pxc-tls.local/kustomize
  printf '\nrequire sigs.k8s.io/kustomize/kustomize/v5 %s\n' "$KUSTOMIZE_VERSION" >>"$w/go.mod"
  log "building kustomize $KUSTOMIZE_VERSION"
  (cd "$w" && go build -o "$w/kustomize" \
    -ldflags "-s -w -X sigs.k8s.io/kustomize/api/provenance.version=kustomize/$KUSTOMIZE_VERSION" \
    sigs.k8s.io/kustomize/kustomize/v5)
  # Argo CD and our e2e tests run KRM functions as exec plugins: fail the build if this binary lacks it.
  "$w/kustomize" build --help | grep -q -- '--enable-exec' || { log "kustomize $KUSTOMIZE_VERSION has no --enable-exec"; return 1; }
  mkdir -p "$out/bin" && mv "$w/kustomize" "$out/bin/kustomize"
  report kustomize "$KUSTOMIZE_VERSION" "$out/bin/kustomize" "$start"
}

# kube-score: a linter nobody here wrote, run on every rendered example (test/e2e/kube-score.test.ts).
build_kube_score() {
  local out="$TOOLS/kube-score-$KUBE_SCORE_VERSION" start=$SECONDS
  if [[ -x "$out/bin/kube-score" ]]; then report kube-score "$KUBE_SCORE_VERSION" "$out/bin/kube-score" ""; return; fi
  local w="$BUILD/kube-score-$KUBE_SCORE_VERSION"
  new_wrapper "$w" pxc-tls.local/kube-score
  printf '\nrequire github.com/zegl/kube-score %s\n' "$KUBE_SCORE_VERSION" >>"$w/go.mod"
  log "building kube-score $KUBE_SCORE_VERSION"
  # main.version is what goreleaser sets; `kube-score version` then reports the pinned tag.
  (cd "$w" && go build -o "$w/kube-score" -ldflags "-s -w -X main.version=$KUBE_SCORE_VERSION" \
    github.com/zegl/kube-score/cmd/kube-score)
  mkdir -p "$out/bin" && mv "$w/kube-score" "$out/bin/kube-score"
  report kube-score "$KUBE_SCORE_VERSION" "$out/bin/kube-score" "$start"
}

# kube-router: a real NetworkPolicy engine (iptables + ipset), run with only its firewall on, inside
# a network namespace of the test's own (test/cluster/network-policy-enforcement.test.ts).
build_kube_router() {
  local out="$TOOLS/kube-router-$KUBE_ROUTER_VERSION" start=$SECONDS
  if [[ -x "$out/bin/kube-router" ]]; then report kube-router "$KUBE_ROUTER_VERSION" "$out/bin/kube-router" ""; return; fi
  local w="$BUILD/kube-router-$KUBE_ROUTER_VERSION"
  new_wrapper "$w" pxc-tls.local/kube-router
  printf '\nrequire github.com/cloudnativelabs/kube-router/v2 %s\n' "$KUBE_ROUTER_VERSION" >>"$w/go.mod"
  log "building kube-router $KUBE_ROUTER_VERSION"
  (cd "$w" && go build -o "$w/kube-router" -ldflags "-s -w" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router)
  mkdir -p "$out/bin" && mv "$w/kube-router" "$out/bin/kube-router"
  report kube-router "$KUBE_ROUTER_VERSION" "$out/bin/kube-router" "$start"
}

build_kwok() {
  local out="$TOOLS/kwok-$KWOK_VERSION" start=$SECONDS
  if [[ -x "$out/bin/kwok" && -s "$out/stages/pod-ready.yaml" ]]; then report kwok "$KWOK_VERSION" "$out" ""; return; fi
  local w="$BUILD/kwok-$KWOK_VERSION"
  # A wrapper like the others (kwok's go.mod has no replaces today, but the wrapper keeps the
  # build independent of that and of `go install`'s rules).
  new_wrapper "$w" pxc-tls.local/kwok
  printf '\nrequire sigs.k8s.io/kwok %s\n' "$KWOK_VERSION" >>"$w/go.mod"
  if [[ ! -x "$out/bin/kwok" ]]; then
    log "building kwok $KWOK_VERSION"
    (cd "$w" && go build -o "$w/kwok" \
      -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" \
      sigs.k8s.io/kwok/cmd/kwok)
    mkdir -p "$out/bin" && mv "$w/kwok" "$out/bin/kwok"
  fi
  # kwok does nothing without Stages: take kwok's own "fast" node and pod stages and the node
  # heartbeat from the same module (read through the module cache, like cert-manager's CRDs).
  local dir
  dir="$(cd "$w" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  rm -rf "$out/stages" && mkdir -p "$out/stages"
  cp "$dir"/kustomize/stage/node/fast/node-initialize.yaml "$dir"/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    "$dir"/kustomize/stage/pod/fast/pod-*.yaml "$out/stages/"
  chmod u+w "$out"/stages/*.yaml
  report kwok "$KWOK_VERSION" "$out" "$start"
}

[[ $# -gt 0 ]] || { echo "usage: $0 kube-apiserver|kube-controller-manager|kube-scheduler|etcd|cert-manager|kustomize|kwok|kube-score|kube-router..." >&2; exit 2; }
for tool in "$@"; do
  case "$tool" in
    kube-apiserver|kube-controller-manager|kube-scheduler) with_lock "$tool" build_kube_component "$tool" ;;
    etcd) with_lock "$tool" build_etcd ;;
    cert-manager) with_lock "$tool" build_cert_manager ;;
    kustomize) with_lock "$tool" build_kustomize ;;
    kwok) with_lock "$tool" build_kwok ;;
    kube-score) with_lock "$tool" build_kube_score ;;
    kube-router) with_lock "$tool" build_kube_router ;;
    *) echo "go-tools: unknown tool: $tool" >&2; exit 2 ;;
  esac
done

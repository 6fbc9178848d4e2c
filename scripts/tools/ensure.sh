#!/usr/bin/env bash
# Builds (or finds cached) every tool the test suite needs. Idempotent; run before `jest`.
# One tool script per line; add new ones here.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

bash "$here/go-tools.sh" kube-apiserver kube-controller-manager kube-scheduler etcd cert-manager kustomize kwok kube-score kube-router
bash "$here/mariadb.sh" >/dev/null
bash "$here/netfilter.sh" >/dev/null
bash "$here/mysqld-exporter.sh" >/dev/null
bash "$here/pod-images.sh" >/dev/null

#!/usr/bin/env bash
# Builds the upstream Kubernetes node and control-plane binaries (and CoreDNS) from source through the Go module
# proxy, cached by version: a second run does not rebuild.
#   k8s-tests/cluster/build/build.sh [OUT_DIR]      (default ~/.cache/supermarket-k8s/<version>/bin)
set -euo pipefail
cd "$(dirname "$0")"
K8S_VERSION=$(sed -n 's/^require k8s.io\/kubernetes \(v[0-9.]*\)$/\1/p' go.mod)
COREDNS_VERSION=v1.14.7
OUT=${1:-$HOME/.cache/supermarket-k8s/$K8S_VERSION/bin}
mkdir -p "$OUT"
export GOFLAGS=-trimpath
# The version stamps upstream's release build sets: components parse major/minor (Pod Security admission panics
# on an empty minor).
minor=$(echo "$K8S_VERSION" | cut -d. -f2)
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags="$ldflags -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
for cmd in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy; do
  if [ ! -x "$OUT/$cmd" ]; then
    started=$SECONDS
    # Static like the upstream release binaries, except the kubelet (built with cgo upstream too).
    cgo=0; [ "$cmd" = kubelet ] && cgo=1
    CGO_ENABLED=$cgo go build -ldflags "$ldflags" -o "$OUT/$cmd" "k8s.io/kubernetes/cmd/$cmd"
    echo "built $cmd $K8S_VERSION in $((SECONDS - started)) s"
  fi
done
if [ ! -x "$OUT/coredns" ]; then
  CGO_ENABLED=0 GOBIN=$OUT go install "github.com/coredns/coredns@$COREDNS_VERSION"
  echo "built coredns $COREDNS_VERSION"
fi
ls "$OUT"

#!/usr/bin/env bash
# Builds a Go program whose source (with its vendor tree) comes from ../shared/third_party, cached by version:
#   scripts/build-third-party.sh git-sync|skaffold      prints the path of the binary
# SHARED_DIR (default: ../shared beside the repository) holds the tarballs and their SHA256SUMS; the checksum is
# verified before anything is unpacked. Nothing of the source enters the repository: it is unpacked and built
# under ~/.cache/supermarket-build/<name>-<version>/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
SHARED_DIR=${SHARED_DIR:-$root/../shared}
name=${1:?usage: build-third-party.sh git-sync|skaffold}
case "$name" in
  git-sync)
    version=v4.7.1; pkg=.
    ldflags="-s -w -X k8s.io/git-sync/pkg/version.VERSION=$version" ;;
  skaffold)
    version=v2.24.0; pkg=./cmd/skaffold
    ldflags="-s -w -X github.com/GoogleContainerTools/skaffold/v2/pkg/skaffold/version.version=$version" ;;
  *) echo "build-third-party.sh: unknown program '$name' (git-sync or skaffold)" >&2; exit 2 ;;
esac
tarball=$name-$version.tar.gz
cache=${SUPERMARKET_BUILD_CACHE:-$HOME/.cache/supermarket-build}/$name-$version
bin=$cache/bin/$name
if [ ! -x "$bin" ]; then
  [ -f "$SHARED_DIR/third_party/$tarball" ] || {
    echo "build-third-party.sh: $SHARED_DIR/third_party/$tarball not found (set SHARED_DIR)" >&2; exit 1; }
  (cd "$SHARED_DIR/third_party" && grep " $tarball\$" SHA256SUMS | sha256sum --check --quiet -) || {
    echo "build-third-party.sh: checksum of $tarball does not match SHA256SUMS" >&2; exit 1; }
  rm -rf "$cache/src"; mkdir -p "$cache/src" "$cache/bin"
  tar -C "$cache/src" --strip-components=1 -xzf "$SHARED_DIR/third_party/$tarball"
  started=$SECONDS
  (cd "$cache/src" && GOFLAGS="-mod=vendor -trimpath" CGO_ENABLED=0 go build -ldflags "$ldflags" -o "$bin" "$pkg")
  rm -rf "$cache/src"
  echo "built $name $version in $((SECONDS - started)) s" >&2
fi
echo "$bin"

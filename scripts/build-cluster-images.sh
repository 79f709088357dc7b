#!/usr/bin/env bash
# The images the in-cluster Airflow needs besides ours, built here from Debian packages and source, never pulled:
#   supermarket-git-sync:v4.7.1      git-sync (source from ../shared, scripts/build-third-party.sh) + git + ssh
#   supermarket-e2e-postgresql:15    the e2e cluster's metadata database (k8s-tests/services/postgresql)
#   supermarket-e2e-git-server:1     the e2e cluster's SSH git server (k8s-tests/services/git-server)
# IMAGE_BASES=local (default) builds on local/debian:bookworm (scripts/make-base-images.sh); upstream: Debian's
# image from a registry. Skips nothing: docker's layer cache makes a rebuild take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${IMAGE_BASES:-local}" in
  local) bash scripts/make-base-images.sh >/dev/null; base=(--build-arg BASE_IMAGE=local/debian:bookworm) ;;
  upstream) base=() ;;
  *) echo "IMAGE_BASES must be 'local' or 'upstream'" >&2; exit 2 ;;
esac
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp images/git-sync/Dockerfile "$ctx/"
cp "$(bash scripts/build-third-party.sh git-sync)" "$ctx/git-sync"
build() {  # build TAG CONTEXT
  local started=$SECONDS
  docker build -q "${base[@]}" -t "$1" "$2" >/dev/null
  echo "$1 $(docker image inspect -f '{{.Size}}' "$1" | awk '{printf "%.0f MB", $1/1e6}') ($((SECONDS - started)) s)"
}
build supermarket-git-sync:v4.7.1 "$ctx"
build supermarket-e2e-postgresql:15 k8s-tests/services/postgresql
build supermarket-e2e-git-server:1 k8s-tests/services/git-server

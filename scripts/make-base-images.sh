#!/usr/bin/env bash
# Base images for machines without a container registry, made from Debian packages only:
#   local/debian:bookworm          debootstrap --variant=minbase bookworm
#   local/python:3.11-bookworm     + Debian's python3 (3.11), venv, ca-certificates
# Outside, the Dockerfiles' defaults (python:3.11-slim-bookworm, apache/airflow) are used instead.
# Skips an image that already exists; FORCE=1 rebuilds.
set -euo pipefail
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [ "${FORCE:-0}" != 1 ] && docker image inspect local/python:3.11-bookworm >/dev/null 2>&1; then
  echo "base images present"; exit 0
fi
command -v debootstrap >/dev/null || { apt-get update -q; DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase bookworm "$root" "$MIRROR" >/dev/null
chroot "$root" apt-get clean
# Documentation, man pages and translations are not needed in containers (about 15 MB).
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/usr/share/doc/* "$root"/usr/share/man/* \
  "$root"/usr/share/info/* "$root"/usr/share/locale/* "$root"/var/cache/debconf/*-old
tar -C "$root" -c . | docker import --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' - local/debian:bookworm
docker build -q -t local/python:3.11-bookworm - <<'DOCKERFILE'
FROM local/debian:bookworm
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/* /usr/share/locale/*
DOCKERFILE
docker images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^local/'

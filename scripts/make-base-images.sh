#!/usr/bin/env bash
# Base images for machines without a container registry, made from Debian packages only:
#   local/debian:bookworm          debootstrap --variant=minbase bookworm
#   local/python:3.11-bookworm     + Debian's python3 (3.11), ca-certificates: runtime stages
#   local/python-build:3.11-bookworm  + python3-venv: build stages (keeps pip/setuptools wheels out of images)
# Outside, the Dockerfiles' defaults (python:3.11-slim-bookworm, apache/airflow) are used instead.
# Skips an image that already exists; FORCE=1 rebuilds.
set -euo pipefail
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [ "${FORCE:-0}" != 1 ] && docker image inspect local/python-build:3.11-bookworm >/dev/null 2>&1; then
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
# The image trusts the same extra CAs as this machine (/usr/local/share/ca-certificates, e.g. the TLS proxy
# that is the only way to PyPI here), so builds FROM it can reach PyPI the way the host does.
ctx=$(mktemp -d)
trap 'rm -rf "$root" "$ctx"' EXIT
mkdir -p "$ctx/ca"
cp /usr/local/share/ca-certificates/*.crt "$ctx/ca/" 2>/dev/null || true
cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM local/debian:bookworm
COPY ca/ /usr/local/share/ca-certificates/
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 ca-certificates \
 && update-ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/* /usr/share/locale/* \
      /usr/lib/python3.11/pydoc_data /usr/share/bash-completion
# pip ships its own CA list; point it (and Python's ssl) at the system store.
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
DOCKERFILE
docker build -q -t local/python:3.11-bookworm "$ctx"
docker build -q -t local/python-build:3.11-bookworm - <<'DOCKERFILE'
FROM local/python:3.11-bookworm
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
DOCKERFILE
docker images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^local/'

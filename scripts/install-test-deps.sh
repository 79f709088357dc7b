#!/usr/bin/env bash
# System packages the tests use, from Debian: Docker engine, debootstrap (local base images), PostgreSQL
# (the Airflow image's metadata database test). Idempotent; starts dockerd.
set -euo pipefail
need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
# Debian's postgresql package starts a default cluster; the tests start their own on a free port.
bash "$(dirname "$0")/start-docker.sh"

#!/usr/bin/env bash
# Make sure a Docker engine runs here: install docker.io from Debian if missing, start dockerd if not running.
# Idempotent; leaves a running engine (CI and developers' machines are disposable).
set -euo pipefail
if ! command -v dockerd >/dev/null; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io
fi
if ! docker info >/dev/null 2>&1; then
  mkdir -p /var/log
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
fi
docker info --format 'docker {{.ServerVersion}} ({{.Driver}}, cgroup v{{.CgroupVersion}})'

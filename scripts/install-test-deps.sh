#!/usr/bin/env bash
# System packages the tests use, from Debian: Docker engine, debootstrap (local base images), PostgreSQL
# (the Airflow image's metadata database test), and the air-gapped cluster's node parts (containerd, runc,
# CNI plugins, conntrack, iptables; etcd comes from Debian trixie, see k8s-tests/cluster/cluster.py).
# Idempotent; starts dockerd.
set -euo pipefail
need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v containerd >/dev/null || need+=(containerd)
command -v runc >/dev/null || need+=(runc)
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
command -v conntrack >/dev/null || need+=(conntrack)
command -v iptables >/dev/null || need+=(iptables)
command -v ip >/dev/null || need+=(iproute2)
command -v openssl >/dev/null || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
# Debian's postgresql package starts a default cluster; the tests start their own on a free port.
bash "$(dirname "$0")/start-docker.sh"

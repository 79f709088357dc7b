"""Where things are and which versions and addresses the cluster uses: set once, read by every component."""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # k8s-tests/cluster
ROOT = HERE.parents[1]  # the repository
STATE = Path(os.environ.get("SUPERMARKET_CLUSTER_DIR", "/var/lib/supermarket-k8s"))
BUILD_DIR = HERE / "build"
K8S_VERSION = next(
    line.split()[-1]
    for line in (BUILD_DIR / "go.mod").read_text().splitlines()
    if line.startswith("require k8s.io/kubernetes ")
)
BIN = Path(os.environ.get("SUPERMARKET_K8S_BIN", Path.home() / ".cache/supermarket-k8s" / K8S_VERSION / "bin"))

API_PORT = 6443  # the same fixed local port as the kind cluster (k8s-tests/cluster/kind.yaml)
ETCD_CLIENT, ETCD_PEER, ETCD_METRICS = 12379, 12380, 12381  # not the defaults: never collide with a system etcd
SERVICE_CIDR, SERVICE_API_IP, DNS_IP = "10.96.0.0/16", "10.96.0.1", "10.96.0.10"
POD_CIDR = "10.244.0.0/24"
BRIDGE = "supermarket0"
CNI_DIR = Path("/usr/lib/cni")
PAUSE_IMAGE = "supermarket.local/pause:1.0"
COREDNS_IMAGE = "supermarket.local/coredns:v1.14.7"
CONTEXT = "supermarket-airgapped"
# Static volumes offered to claims of the default StorageClass (the cluster has no provisioner).
STORAGE_CLASS = "standard"
VOLUMES, VOLUME_SIZE = 8, "20Gi"


def path(*parts: str) -> Path:
    """A path under the state directory."""
    return STATE.joinpath(*parts)

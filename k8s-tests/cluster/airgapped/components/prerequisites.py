"""Root, Debian packages, kubectl and a running Docker engine, named when missing; the Kubernetes build."""

from __future__ import annotations

import os
import shutil
import subprocess

from airgapped.components.base import Component, Host
from airgapped.kubectl import kubectl
from airgapped.proc import ClusterError, log, run
from airgapped.settings import BIN, BUILD_DIR, CNI_DIR, K8S_VERSION

DEBIAN = {  # executable -> bookworm package (etcd: see etcd.py)
    "apt-get": "apt",
    "dpkg": "dpkg",
    "containerd": "containerd",
    "containerd-shim-runc-v2": "containerd",
    "ctr": "containerd",
    "runc": "runc",
    "iptables": "iptables",
    "iptables-save": "iptables",
    "conntrack": "conntrack",
    "openssl": "openssl",
    "ip": "iproute2",
    "docker": "docker.io",
    "go": "golang (Go >= 1.24; build.sh builds Kubernetes from source)",
}
CNI_PLUGINS = ("bridge", "host-local", "portmap", "loopback", "firewall")


class Prerequisites(Component):
    name = "prerequisites"

    def up(self, host: Host) -> None:
        problems = []
        if os.geteuid() != 0:
            problems.append("run as root: the kubelet, containerd and kube-proxy need it")
        missing = {pkg for exe, pkg in DEBIAN.items() if shutil.which(exe) is None}
        if any(not (CNI_DIR / p).exists() for p in CNI_PLUGINS):
            missing.add("containernetworking-plugins")
        if missing:
            problems.append("missing, install with apt-get: " + " ".join(sorted(missing)))
        if not kubectl():
            problems.append("kubectl not found (make tools installs it into .cache/tools/bin)")
        if shutil.which("docker") and run("docker", "info", check=False).returncode != 0:
            problems.append("the Docker daemon is not running (scripts/start-docker.sh); images are built with it")
        if problems:
            raise ClusterError("cannot bring the cluster up:\n  - " + "\n  - ".join(problems))


class Binaries(Component):
    """Kubernetes and CoreDNS built from source by build/build.sh, cached by version."""

    name = "binaries"

    def up(self, host: Host) -> None:
        if not all((BIN / b).exists() for b in ("kube-apiserver", "kubelet", "kube-proxy", "coredns")):
            log(f"building Kubernetes {K8S_VERSION} and CoreDNS from source (once; cached in {BIN})")
        subprocess.run(["bash", str(BUILD_DIR / "build.sh"), str(BIN)], check=True, stdout=subprocess.DEVNULL)

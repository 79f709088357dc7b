"""CoreDNS (built from source, FROM scratch) as a Deployment behind the kube-dns Service."""

from __future__ import annotations

from airgapped.components.base import Component, Host
from airgapped.kubectl import kube
from airgapped.proc import ClusterError
from airgapped.settings import COREDNS_IMAGE, DNS_IP, HERE


class Dns(Component):
    name = "dns"

    def up(self, host: Host) -> None:
        manifest = (HERE / "manifests" / "coredns.yaml").read_text()
        manifest = manifest.replace("${DNS_IP}", DNS_IP).replace("${COREDNS_IMAGE}", COREDNS_IMAGE)
        kube("apply", "-f", "-", stdin=manifest)
        out = kube("-n", "kube-system", "rollout", "status", "deployment/coredns", "--timeout=120s", check=False)
        if out.returncode != 0:
            pods = kube("-n", "kube-system", "describe", "pods", "-l", "k8s-app=kube-dns", check=False).stdout
            raise ClusterError(f"CoreDNS did not become ready: {out.stderr}\n{pods}")

    def status(self, host: Host) -> list[tuple[str, bool]]:
        ready = kube("-n", "kube-system", "get", "deployment", "coredns", "-o",
                     "jsonpath={.status.readyReplicas}", check=False).stdout.strip()  # fmt: skip
        return [(f"{'coredns':24s} {ready or 0} ready", bool(ready) and ready != "0")]

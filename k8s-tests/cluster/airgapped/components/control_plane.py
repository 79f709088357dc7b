"""kube-apiserver, kube-controller-manager and kube-scheduler, as processes on this machine."""

from __future__ import annotations

from contextlib import suppress

from airgapped.components.base import Component, Host
from airgapped.pki import api_ready, kubeconfig
from airgapped.proc import alive, process_line, start, stop, wait_for
from airgapped.settings import API_PORT, BIN, ETCD_CLIENT, SERVICE_CIDR, path

PROCESSES = ("kube-apiserver", "kube-controller-manager", "kube-scheduler")


class ControlPlane(Component):
    name = "control-plane"

    def up(self, host: Host) -> None:
        pki = path("pki")
        start("kube-apiserver", BIN / "kube-apiserver",
              "--advertise-address", host.ip, "--bind-address", "0.0.0.0", "--secure-port", str(API_PORT),
              "--etcd-servers", f"http://127.0.0.1:{ETCD_CLIENT}",
              "--service-cluster-ip-range", SERVICE_CIDR, "--allow-privileged=true",
              "--authorization-mode", "Node,RBAC", "--enable-admission-plugins", "NodeRestriction",
              "--client-ca-file", pki / "ca.crt",
              "--tls-cert-file", pki / "apiserver.crt", "--tls-private-key-file", pki / "apiserver.key",
              "--kubelet-client-certificate", pki / "apiserver-kubelet-client.crt",
              "--kubelet-client-key", pki / "apiserver-kubelet-client.key",
              "--kubelet-certificate-authority", pki / "ca.crt",
              # The node's name does not resolve on these machines: reach the kubelet (logs, exec) by its IP.
              "--kubelet-preferred-address-types", "InternalIP,Hostname",
              "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
              "--service-account-key-file", pki / "sa.pub", "--service-account-signing-key-file", pki / "sa.key",
              "--profiling=false")  # fmt: skip
        wait_for("kube-apiserver /readyz", api_ready, 120, "kube-apiserver")
        start("kube-controller-manager", BIN / "kube-controller-manager",
              "--kubeconfig", kubeconfig("controller-manager", "system:kube-controller-manager"),
              "--authentication-kubeconfig", path("controller-manager.kubeconfig"),
              "--authorization-kubeconfig", path("controller-manager.kubeconfig"),
              "--bind-address", "127.0.0.1", "--leader-elect=false", "--use-service-account-credentials=true",
              "--service-account-private-key-file", pki / "sa.key", "--root-ca-file", pki / "ca.crt",
              "--cluster-signing-cert-file", pki / "ca.crt", "--cluster-signing-key-file", pki / "ca.key",
              "--service-cluster-ip-range", SERVICE_CIDR, "--profiling=false")  # fmt: skip
        start("kube-scheduler", BIN / "kube-scheduler",
              "--kubeconfig", kubeconfig("scheduler", "system:kube-scheduler"),
              "--authentication-kubeconfig", path("scheduler.kubeconfig"),
              "--authorization-kubeconfig", path("scheduler.kubeconfig"),
              "--bind-address", "127.0.0.1", "--leader-elect=false", "--profiling=false")  # fmt: skip

    def status(self, host: Host) -> list[tuple[str, bool]]:
        ready = False
        with suppress(Exception):
            ready = api_ready()
        lines = [(process_line(p), alive(p)) for p in PROCESSES]
        return [*lines, (f"{'kube-apiserver /readyz':24s} {'ok' if ready else 'not ready'}", ready)]

    def down(self) -> None:
        for process in reversed(PROCESSES):
            stop(process)

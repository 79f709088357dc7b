"""The kubelet and kube-proxy: this machine as the cluster's one node."""

from __future__ import annotations

import json

from airgapped.components.base import Component, Host
from airgapped.kubectl import kube
from airgapped.pki import kubeconfig
from airgapped.proc import alive, process_line, start, stop, wait_for, write
from airgapped.settings import BIN, DNS_IP, POD_CIDR, path

PROCESSES = ("kubelet", "kube-proxy")


def node_ready(node: str) -> bool:
    out = kube("get", "node", node, "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].status}", check=False)
    return out.stdout.strip() == "True"


class Node(Component):
    name = "node"

    def up(self, host: Host) -> None:
        pki = path("pki")
        kubelet_config = {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            "authentication": {
                "anonymous": {"enabled": False},
                "webhook": {"enabled": True},
                "x509": {"clientCAFile": str(pki / "ca.crt")},
            },
            "authorization": {"mode": "Webhook"},
            "cgroupDriver": "cgroupfs",
            "failCgroupV1": False,  # these hosts are cgroup v1; kubelet >= 1.35 refuses it unless told
            "failSwapOn": False,
            "containerRuntimeEndpoint": f"unix://{path('containerd', 'containerd.sock')}",
            "clusterDNS": [DNS_IP],
            "clusterDomain": "cluster.local",
            "resolvConf": "/etc/resolv.conf",
            "tlsCertFile": str(pki / "kubelet.crt"),
            "tlsPrivateKeyFile": str(pki / "kubelet.key"),
            "readOnlyPort": 0,
            # Images cannot be pulled again here: never garbage-collect them.
            "imageGCHighThresholdPercent": 100,
            "imageGCLowThresholdPercent": 99,
            "evictionHard": {"memory.available": "100Mi", "nodefs.available": "2%", "imagefs.available": "2%"},
            "maxPods": 110,
        }
        config_file = path("kubelet-config.json")
        write(config_file, json.dumps(kubelet_config, indent=2))
        start("kubelet", BIN / "kubelet",
              "--config", config_file, "--kubeconfig", kubeconfig("kubelet-client", f"system:node:{host.name}"),
              "--root-dir", path("kubelet"), "--hostname-override", host.name, "--node-ip", host.ip)  # fmt: skip
        proxy_config = {
            "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
            "kind": "KubeProxyConfiguration",
            "mode": "iptables",
            "clientConnection": {"kubeconfig": str(kubeconfig("kube-proxy", "system:kube-proxy"))},
            "clusterCIDR": POD_CIDR,
            "hostnameOverride": host.name,
            "bindAddress": "127.0.0.1",
            "metricsBindAddress": "127.0.0.1:10249",
            "healthzBindAddress": "127.0.0.1:10256",
            "conntrack": {"maxPerCore": 0},  # leave the host's conntrack table size alone
        }
        write(path("kube-proxy-config.json"), json.dumps(proxy_config, indent=2))
        start("kube-proxy", BIN / "kube-proxy", "--config", path("kube-proxy-config.json"))
        wait_for(f"node {host.name} Ready", lambda: node_ready(host.name), 180, "kubelet")

    def status(self, host: Host) -> list[tuple[str, bool]]:
        lines = [(process_line(p), alive(p)) for p in PROCESSES]
        ready = alive("kubelet") and node_ready(host.name)
        return [*lines, (f"{'node ' + host.name:24s} {'Ready' if ready else 'not ready'}", ready)]

    def down(self) -> None:
        for process in reversed(PROCESSES):
            stop(process)

"""Pod networking: forwarding and bridged iptables, the CNI configuration (bridge, host-local, firewall,
portmap); at `down`, every rule, chain, namespace and link the cluster's networking left behind."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from airgapped.components.base import Component, Host
from airgapped.proc import run, write
from airgapped.settings import BIN, BRIDGE, POD_CIDR, path


class Network(Component):
    name = "network"

    def up(self, host: Host) -> None:
        for key, value in (("net/ipv4/ip_forward", "1"), ("net/bridge/bridge-nf-call-iptables", "1")):
            Path("/proc/sys", key).write_text(value)  # pod traffic is routed and bridged through iptables
        conf = {
            "cniVersion": "0.4.0",
            "name": "supermarket",
            "plugins": [
                {
                    "type": "bridge",
                    "bridge": BRIDGE,
                    "isGateway": True,
                    "ipMasq": True,
                    "hairpinMode": True,
                    "ipam": {
                        "type": "host-local",
                        "ranges": [[{"subnet": POD_CIDR}]],
                        "routes": [{"dst": "0.0.0.0/0"}],
                        "dataDir": str(path("cni", "ipam")),
                    },
                },
                # Docker sets the FORWARD policy to DROP: accept traffic from and to pod addresses.
                {"type": "firewall", "backend": "iptables"},
                {"type": "portmap", "capabilities": {"portMappings": True}},
            ],
        }
        path("cni", "net.d").mkdir(parents=True, exist_ok=True)
        write(path("cni", "net.d", "10-supermarket.conflist"), json.dumps(conf, indent=2))

    def down(self) -> None:
        if (BIN / "kube-proxy").exists():
            run(BIN / "kube-proxy", "--cleanup", check=False)
        # What kube-proxy leaves and the CNI plugins' chains (CNI-*): drop every rule and chain that names them.
        for save, restore in (("iptables-save", "iptables-restore"), ("ip6tables-save", "ip6tables-restore")):
            if shutil.which(save) is None:
                continue
            rules = run(save, check=False).stdout
            kept = "\n".join(line for line in rules.splitlines() if "KUBE-" not in line and "CNI-" not in line)
            if kept != rules.rstrip("\n"):
                run(restore, input=kept + "\n", check=False)
        # Network namespaces of pods whose sandboxes were force-removed (containerd names them cni-<uuid>).
        netns_dir = Path("/var/run/netns")
        for netns in netns_dir.glob("cni-*") if netns_dir.exists() else []:
            run("ip", "netns", "delete", netns.name, check=False)
        run("ip", "link", "delete", BRIDGE, check=False)

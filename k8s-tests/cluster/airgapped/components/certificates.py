"""The cluster's PKI and the admin kubeconfig (airgapped.pki makes them)."""

from __future__ import annotations

from airgapped.components.base import Component, Host
from airgapped.pki import certificates, kubeconfig


class Certificates(Component):
    name = "certificates"

    def up(self, host: Host) -> None:
        certificates(host.ip, host.name)
        kubeconfig("admin", "supermarket-admin")

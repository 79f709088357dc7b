"""The cluster's parts in the order `up` brings them up; `down` takes them down in the reverse order (node side
first, so pods stop while the API is still up; the datastore last; the state directory after everything)."""

from __future__ import annotations

from airgapped.components.base import Component, Host
from airgapped.components.certificates import Certificates
from airgapped.components.containerd import Containerd
from airgapped.components.control_plane import ControlPlane
from airgapped.components.dns import Dns
from airgapped.components.etcd import Etcd
from airgapped.components.network import Network
from airgapped.components.node import Node
from airgapped.components.prerequisites import Binaries, Prerequisites
from airgapped.components.state import StateDir
from airgapped.components.storage import Storage

COMPONENTS: list[Component] = [
    Prerequisites(),
    Binaries(),
    StateDir(),
    Network(),
    Certificates(),
    Etcd(),
    ControlPlane(),
    Containerd(),
    Node(),
    Dns(),
    Storage(),
]

__all__ = ["COMPONENTS", "Component", "Host"]

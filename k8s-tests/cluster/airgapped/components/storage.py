"""Volumes for claims: the cluster has no provisioner, so `up` offers a fixed set of hostPath volumes of the
default StorageClass `standard` (kind's name for its default class), one directory each under the state
directory. A claim binds to any free one that is large enough; what a claim wrote goes with `down`.

Static volumes instead of a provisioner: nothing to build or run, and a single-node test cluster never needs more
than a handful (PostgreSQL, the triggerer's logs, ...)."""

from __future__ import annotations

import json

from airgapped.components.base import Component, Host
from airgapped.kubectl import kube
from airgapped.settings import STORAGE_CLASS, VOLUME_SIZE, VOLUMES, path

LABEL = "supermarket.local/static-volume"


def manifests() -> list[dict[str, object]]:
    objects: list[dict[str, object]] = [
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {
                "name": STORAGE_CLASS,
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
            },
            "provisioner": "kubernetes.io/no-provisioner",
            "volumeBindingMode": "Immediate",
            "reclaimPolicy": "Retain",
        }
    ]
    for index in range(VOLUMES):
        directory = path("volumes", f"pv-{index}")
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o777)  # pods run as many non-root UIDs; the volume is theirs to own
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolume",
                "metadata": {"name": f"static-{index}", "labels": {LABEL: "true"}},
                "spec": {
                    "capacity": {"storage": VOLUME_SIZE},
                    "accessModes": ["ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany"],
                    "persistentVolumeReclaimPolicy": "Retain",
                    "storageClassName": STORAGE_CLASS,
                    "hostPath": {"path": str(directory), "type": "Directory"},
                },
            }
        )
    return objects


class Storage(Component):
    name = "storage"

    def up(self, host: Host) -> None:
        kube("apply", "-f", "-", stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": manifests()}))

    def status(self, host: Host) -> list[tuple[str, bool]]:
        phases = kube("get", "pv", "-l", LABEL, "-o", "jsonpath={.items[*].status.phase}", check=False).stdout.split()
        free = phases.count("Available")
        return [(f"{'static volumes':24s} {len(phases)} ({free} free)", len(phases) == VOLUMES)]

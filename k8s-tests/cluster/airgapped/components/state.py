"""The state directory: everything the cluster makes lives under it, and `down` removes it last."""

from __future__ import annotations

import shutil
from contextlib import suppress
from pathlib import Path

from airgapped.components.base import Component, Host
from airgapped.proc import log, run
from airgapped.settings import STATE


class StateDir(Component):
    name = "state"

    def up(self, host: Host) -> None:
        STATE.mkdir(parents=True, exist_ok=True)

    def down(self) -> None:
        if not STATE.exists():
            return
        unmount_under(STATE)
        remove_cgroups()
        shutil.rmtree(STATE)
        log(f"removed {STATE}")


def unmount_under(root: Path) -> None:
    mounts = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()]
    ours = sorted((m for m in mounts if m == str(root) or m.startswith(f"{root}/")), key=len, reverse=True)
    for mount in ours:
        run("umount", "-l", mount, check=False)
    if ours:
        log(f"unmounted {len(ours)} mounts")


def remove_cgroups() -> None:
    """The kubelet's pod cgroups (cgroupfs driver): /kubepods in each v1 hierarchy, deepest first."""
    for top in Path("/sys/fs/cgroup").glob("*/kubepods*"):
        for directory in sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
            with suppress(OSError):
                directory.rmdir()
        with suppress(OSError):
            top.rmdir()

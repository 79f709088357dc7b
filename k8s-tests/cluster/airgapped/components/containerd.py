"""containerd (Debian's) with the CRI plugin, its images (pause and CoreDNS built here, the rest loaded from
Docker), and at `down` every container and shim it left."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from contextlib import suppress
from pathlib import Path

from airgapped.components.base import Component, Host
from airgapped.proc import ClusterError, alive, log, process_line, run, start, stop, wait_for, write
from airgapped.settings import BIN, CNI_DIR, COREDNS_IMAGE, HERE, PAUSE_IMAGE, path


def config() -> Path:
    runc = shutil.which("runc") or "runc"
    text = f"""\
version = 2
root = "{path("containerd", "root")}"
state = "{path("containerd", "state")}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
                    "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "{path("containerd", "containerd.sock")}"
[plugins."io.containerd.internal.v1.opt"]
  path = "{path("containerd", "opt")}"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{PAUSE_IMAGE}"
  # These VMs drop CAP_SYS_RESOURCE: without this every sandbox fails ("can't get final child's PID from pipe").
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "{runc}"
        Root = "{path("containerd", "runc")}"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{CNI_DIR}"
    conf_dir = "{path("cni", "net.d")}"
"""
    target = path("containerd", "config.toml")
    target.parent.mkdir(parents=True, exist_ok=True)
    write(target, text)
    return target


def ctr_command(*args: str) -> list[str]:
    """`ctr` talking to this cluster's containerd, in the namespace the kubelet's images live in."""
    return ["ctr", "--address", str(path("containerd", "containerd.sock")), "--namespace", "k8s.io", *args]


def ctr(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run(*ctr_command(*args), check=check)


def cluster_images() -> set[str]:
    return set(ctr("images", "ls", "-q").stdout.split())


def load(*images: str) -> None:
    """docker save | ctr import: the cluster's containerd gets the images without any registry."""
    for image in images:
        started = time.monotonic()
        save = subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE)
        imported = run(*ctr_command("images", "import", "-"), check=False, stdin=save.stdout)
        if save.wait() != 0 or imported.returncode != 0:
            raise ClusterError(f"could not load {image} into the cluster: {imported.stderr.strip()}")
        log(f"loaded {image} in {time.monotonic() - started:.1f} s")


def build_local_images() -> None:
    """The pause and CoreDNS images, FROM scratch, unless containerd has them already."""
    if {PAUSE_IMAGE, COREDNS_IMAGE} <= cluster_images():
        return
    work = path("images")
    shutil.rmtree(work, ignore_errors=True)
    (work / "pause").mkdir(parents=True)
    run("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", work / "pause" / "pause", ".",
        cwd=HERE / "images" / "pause", env={**os.environ, "CGO_ENABLED": "0"})  # fmt: skip
    shutil.copy(HERE / "images" / "pause" / "Dockerfile", work / "pause")
    (work / "coredns").mkdir()
    shutil.copy(BIN / "coredns", work / "coredns")
    shutil.copy(HERE / "images" / "coredns" / "Dockerfile", work / "coredns")
    for name, tag in (("pause", PAUSE_IMAGE), ("coredns", COREDNS_IMAGE)):
        run("docker", "build", "-q", "-t", tag, work / name)
    load(PAUSE_IMAGE, COREDNS_IMAGE)


class Containerd(Component):
    name = "containerd"

    def up(self, host: Host) -> None:
        start("containerd", shutil.which("containerd") or "containerd", "--config", config())
        wait_for("containerd", lambda: ctr("version", check=False).returncode == 0, 60, "containerd")
        build_local_images()

    def status(self, host: Host) -> list[tuple[str, bool]]:
        return [(process_line("containerd"), alive("containerd"))]

    def down(self) -> None:
        remove_containers()
        stop("containerd")
        kill_shims()


def remove_containers() -> None:
    """Every container of the cluster, through runc directly: works whether containerd still runs or not."""
    runc = shutil.which("runc") or "runc"
    root = path("containerd", "runc", "k8s.io")
    if not root.exists():
        return
    listing = run(runc, "--root", root, "list", "-q", check=False).stdout.split()
    for container in listing:
        run(runc, "--root", root, "delete", "--force", container, check=False)
    log(f"removed {len(listing)} containers")


def kill_shims() -> None:
    """Shims of this containerd (their argv names its socket) outlive it: kill them."""
    sock = str(path("containerd", "containerd.sock"))
    for proc in (p for p in Path("/proc").iterdir() if p.name.isdigit()):
        with suppress(OSError):  # gone meanwhile
            argv = proc.joinpath("cmdline").read_bytes().decode(errors="replace").split("\0")
            if argv[0].endswith("containerd-shim-runc-v2") and sock in argv:
                os.kill(int(proc.name), signal.SIGKILL)

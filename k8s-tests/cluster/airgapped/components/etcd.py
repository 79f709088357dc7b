"""etcd >= 3.5.13 from Debian trixie, in a private directory, listening on loopback only."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from airgapped.components.base import Component, Host
from airgapped.proc import ClusterError, alive, log, process_line, run, start, stop, wait_for
from airgapped.settings import BIN, ETCD_CLIENT, ETCD_METRICS, ETCD_PEER, K8S_VERSION, path

ETCD_SUITE, ETCD_MINIMUM = "trixie", (3, 5, 13)
ETCD_DIR = BIN.parent / f"etcd-{ETCD_SUITE}"


def etcd_binary() -> Path:
    """etcd >= 3.5.13, the first with working watch-progress requests. Kubernetes 1.35's watch cache needs them:
    with bookworm's 3.4.23 the cache of a quiet resource never advances, and every watch without a resource
    version fails with "Too large resource version". Taken from Debian trixie with apt (signatures checked) and
    unpacked with dpkg -x into a private directory: nothing is installed system-wide."""
    etcd = ETCD_DIR / "root" / "usr" / "bin" / "etcd"
    if etcd.exists():
        return etcd
    log(f"fetching etcd from Debian {ETCD_SUITE} into {ETCD_DIR} (once)")
    apt_dir = ETCD_DIR / "apt"
    for sub in ("lists/partial", "cache/archives/partial"):
        (apt_dir / sub).mkdir(parents=True, exist_ok=True)
    (apt_dir / "sources.list").write_text(f"deb http://deb.debian.org/debian {ETCD_SUITE} main\n")
    options = [f"-oDir::Etc::SourceList={apt_dir / 'sources.list'}", "-oDir::Etc::SourceParts=/dev/null",
               f"-oDir::State::Lists={apt_dir / 'lists'}", f"-oDir::Cache={apt_dir / 'cache'}",
               "-oDir::State::status=/dev/null", "-oAPT::Sandbox::User=root"]  # fmt: skip
    run("apt-get", *options, "update")
    run("apt-get", *options, "download", "etcd-server", cwd=apt_dir)
    (deb,) = apt_dir.glob("etcd-server_*.deb")
    run("dpkg", "-x", deb, ETCD_DIR / "root")
    version = run(etcd, "--version").stdout.split()[2]
    if tuple(int(v) for v in version.split(".")[:3]) < ETCD_MINIMUM:
        minimum = ".".join(map(str, ETCD_MINIMUM))
        raise ClusterError(f"Debian {ETCD_SUITE} has etcd {version}; Kubernetes {K8S_VERSION} needs >= {minimum}")
    return etcd


def healthy() -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{ETCD_CLIENT}/health", timeout=2) as r:
        return bool(json.loads(r.read()).get("health") == "true")


class Etcd(Component):
    name = "etcd"

    def up(self, host: Host) -> None:
        start("etcd", etcd_binary(),
              "--name", "supermarket", "--data-dir", path("etcd"),
              "--listen-client-urls", f"http://127.0.0.1:{ETCD_CLIENT}",
              "--advertise-client-urls", f"http://127.0.0.1:{ETCD_CLIENT}",
              "--listen-peer-urls", f"http://127.0.0.1:{ETCD_PEER}",
              "--initial-advertise-peer-urls", f"http://127.0.0.1:{ETCD_PEER}",
              "--initial-cluster", f"supermarket=http://127.0.0.1:{ETCD_PEER}",
              "--listen-metrics-urls", f"http://127.0.0.1:{ETCD_METRICS}")  # fmt: skip
        wait_for("etcd health", healthy, 60, "etcd")

    def status(self, host: Host) -> list[tuple[str, bool]]:
        return [(process_line("etcd"), alive("etcd"))]

    def down(self) -> None:
        stop("etcd")

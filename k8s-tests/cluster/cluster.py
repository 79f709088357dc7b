#!/usr/bin/env python3
"""A single-node Kubernetes cluster from upstream binaries, for machines that cannot pull kind's node image.

    k8s-tests/cluster/cluster.py up        build (cached) + start; idempotent; prints the KUBECONFIG to use
    k8s-tests/cluster/cluster.py status    each part, and whether it is healthy
    k8s-tests/cluster/cluster.py load IMG  copy local Docker images into the cluster's containerd
    k8s-tests/cluster/cluster.py down      stop what `up` started, remove what it created

The parts, in order, are in airgapped/components/ (one module each: how it comes up, how it is, how it goes
down). Kubernetes and CoreDNS are built from source by build/build.sh; containerd, runc and the CNI plugins come
from Debian bookworm packages, etcd from Debian trixie; the pause and CoreDNS images are built here FROM scratch.
Everything lives under one state directory ($SUPERMARKET_CLUSTER_DIR, default /var/lib/supermarket-k8s). Needs
root (kubelet, containerd, iptables). Standard library only: it runs before any virtual environment exists.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time

from airgapped.components import COMPONENTS, Host
from airgapped.components.containerd import load
from airgapped.proc import ClusterError, log, run
from airgapped.settings import K8S_VERSION, STATE, path


def this_host() -> Host:
    out = run("ip", "-4", "route", "get", "1.1.1.1").stdout.split()
    return Host(ip=out[out.index("src") + 1], name=socket.gethostname().lower())


def up() -> None:
    started = time.monotonic()
    host = this_host()
    for component in COMPONENTS:
        step = time.monotonic()
        component.up(host)
        if time.monotonic() - step > 5:
            log(f"{component.name} up in {time.monotonic() - step:.0f} s")
    log(f"cluster is up in {time.monotonic() - started:.0f} s; Kubernetes {K8S_VERSION}")
    print(f"export KUBECONFIG={path('admin.kubeconfig')}")


def down() -> None:
    if not STATE.exists():
        log(f"nothing to do: {STATE} does not exist")
        return
    for component in reversed(COMPONENTS):
        component.down()


def status() -> int:
    if not STATE.exists():
        print(f"down ({STATE} does not exist)")
        return 1
    host = this_host()
    healthy = True
    for component in COMPONENTS:
        for line, ok in component.status(host):
            print(line)
            healthy = healthy and ok
    if healthy:
        print(f"export KUBECONFIG={path('admin.kubeconfig')}")
    return 0 if healthy else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up")
    sub.add_parser("down")
    sub.add_parser("status")
    load_parser = sub.add_parser("load")
    load_parser.add_argument("images", nargs="+")
    args = parser.parse_args()
    try:
        if args.command == "up":
            up()
        elif args.command == "down":
            down()
        elif args.command == "load":
            load(*args.images)
        else:
            return status()
    except ClusterError as error:
        print(f"cluster: {error}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(f"cluster: {' '.join(map(str, error.cmd))} failed ({error.returncode}):\n{error.stderr}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Kubeconfigs for clients that are not kubectl's current context: a ServiceAccount token against the current
context's API server (an Airflow next to the cluster launches task pods with it, with exactly the rights
Airflow's pods get in the cluster)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from .tools import tool


def current_cluster() -> dict[str, Any]:
    """The current context's cluster entry (server, certificate authority) from `kubectl config view`."""
    out = subprocess.run(
        [tool("kubectl"), "config", "view", "--minify", "--raw", "-o", "json"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    [cluster] = json.loads(out)["clusters"]  # --minify: the current context's cluster only
    return dict(cluster["cluster"])


def token_kubeconfig(target: Path, server: str, ca_data: str, token: str, user: str = "launcher") -> Path:
    """Writes a kubeconfig (mode 0600) that authenticates with `token`; `ca_data` is base64 PEM."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "cluster", "cluster": {"server": server, "certificate-authority-data": ca_data}}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": user, "context": {"cluster": "cluster", "user": user}}],
        "current-context": user,
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(config))
    target.chmod(0o600)
    return target

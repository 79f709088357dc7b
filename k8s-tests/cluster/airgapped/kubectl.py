"""kubectl against the cluster, as its admin."""

from __future__ import annotations

import shutil
import subprocess

from airgapped.proc import run
from airgapped.settings import ROOT, path


def kubectl() -> str | None:
    return shutil.which("kubectl") or shutil.which("kubectl", path=str(ROOT / ".cache/tools/bin"))


def kube(*args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    kc = kubectl()
    assert kc is not None, "kubectl not found (checked by the prerequisites)"
    return run(kc, "--kubeconfig", path("admin.kubeconfig"), *args, check=check, input=stdin)

"""Command-line tools the repository installs itself (make tools: helm, kubectl, actionlint into .cache/tools)."""

from __future__ import annotations

import shutil

from . import ROOT

TOOLS_BIN = ROOT / ".cache" / "tools" / "bin"


def tool(name: str) -> str:
    """The tool on PATH, else the one `make tools` installed; a clear error when neither exists."""
    found = shutil.which(name) or shutil.which(name, path=str(TOOLS_BIN))
    if found is None:
        raise RuntimeError(f"{name} not found on PATH or in {TOOLS_BIN} (make tools installs it)")
    return found

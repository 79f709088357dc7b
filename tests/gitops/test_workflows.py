"""The GitHub Actions workflow cannot run here: actionlint checks it, and its steps run the README's commands."""

from __future__ import annotations

import subprocess

import yaml

from supermarket_dev import ROOT
from supermarket_dev.tools import tool

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yaml"))


def test_actionlint_is_clean():
    actionlint = tool("actionlint")
    assert WORKFLOWS
    proc = subprocess.run([actionlint, "-no-color", *map(str, WORKFLOWS)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_steps_are_the_documented_commands():
    workflow = yaml.safe_load((ROOT / ".github/workflows/ci.yaml").read_text())
    runs = "\n".join(s.get("run", "") for job in workflow["jobs"].values() for s in job["steps"])
    for command in (
        "make test",
        "scripts/dev.sh kind-up",
        "scripts/dev.sh run",
        "scripts/dev.sh e2e",
        "scripts/dev.sh down",
    ):
        assert command in runs, command
    readme = (ROOT / "README.md").read_text()
    for command in ("make test", "scripts/dev.sh kind-up", "scripts/dev.sh run"):
        assert command in readme, command

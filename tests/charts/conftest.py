"""helm-tests style: one `render_chart()` that runs `helm template` and validates every object against the
Kubernetes schemas (kubernetes-validate, strict, offline)."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

from supermarket_dev import AIRFLOW_CHART as AIRFLOW_CHART  # re-exported to the chart tests
from supermarket_dev import ROOT
from supermarket_dev.tools import tool

CHARTS = ROOT / "charts"
# The Kubernetes version we deploy to (the air-gapped test cluster runs 1.35).
KUBERNETES_VERSION = os.environ.get("KUBERNETES_VERSION", "1.35.0")
# The official chart (AIRFLOW_CHART, supermarket_dev): its values.schema.json validates our values, and the tests
# render it with them; where it is missing, `helm pull` fills .cache/charts (needs network).
AIRFLOW_CHART_VERSION = "1.22.0"
AIRFLOW_CHART_REPO = "https://airflow.apache.org"


def helm() -> str:
    return tool("helm")


def validate(objects: list[dict[str, Any]]) -> None:
    for obj in objects:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def render_chart(
    chart: str | Path = "supermarket-pipeline",
    values: dict[str, Any] | None = None,
    values_files: list[Path] | None = None,
    name: str = "supermarket",
    namespace: str = "airflow",
    show_only: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Renders a chart with `helm template` and returns its objects, each validated against Kubernetes."""
    chart_path = chart if isinstance(chart, Path) else CHARTS / chart
    cmd = [helm(), "template", name, str(chart_path), "--namespace", namespace, "--kube-version", KUBERNETES_VERSION]
    for f in values_files or []:
        cmd += ["-f", str(f)]
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as tmp:
        if values:
            yaml.safe_dump(values, tmp)
            tmp.flush()
            cmd += ["-f", tmp.name]
        for template in show_only or []:
            cmd += ["--show-only", template]
        proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        # --show-only of a template that renders nothing (a disabled feature) is an error to helm, not to us.
        empty = [t for t in show_only or [] if f"could not find template {t}" in proc.stderr]
        if empty and all((chart_path / t).is_file() for t in empty) and len(empty) == len(show_only or []):
            return []
        raise HelmError(proc.stderr)
    objects = [o for o in yaml.safe_load_all(proc.stdout) if o]
    validate(objects)
    return objects


class HelmError(Exception):
    pass


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def one(objects: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    found = [o for o in by_kind(objects, kind) if name is None or o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def dump(objects: list[dict[str, Any]]) -> str:
    return json.dumps(objects, indent=1, sort_keys=True)

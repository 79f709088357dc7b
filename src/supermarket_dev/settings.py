"""The pipeline's settings for runs without the chart (demo, tests, Airflow next to a cluster).

The chart's `pipeline:` block is their one owner: this renders the chart's ConfigMap with `helm template` (so
every default, derived name and check is the chart's), lays the run's own keys over it, and writes the file
that dags/supermarket_pipeline/config.py reads through SUPERMARKET_CONFIG_FILE.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from . import CHART
from .tools import tool

CONFIG_MAP_TEMPLATE = "templates/pipeline-configmap.yaml"
CONFIG_FILE_VARIABLE = "SUPERMARKET_CONFIG_FILE"


def chart_settings(values: Mapping[str, Any] | None = None, release: str = "supermarket") -> dict[str, Any]:
    """The settings the chart's ConfigMap holds for these chart values."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as values_file:
        yaml.safe_dump(dict(values or {}), values_file)
        values_file.flush()
        proc = subprocess.run(
            [tool("helm"), "template", release, str(CHART), "--namespace", "airflow", "-f", values_file.name,
             "--show-only", CONFIG_MAP_TEMPLATE],
            capture_output=True, text=True,
        )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"helm template of {CHART} failed:\n{proc.stderr}")
    config_map = yaml.safe_load(proc.stdout)
    return dict(json.loads(config_map["data"]["pipeline.json"]))


def write_settings(
    target: Path, overrides: Mapping[str, Any] | None = None, chart_values: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """Writes the chart's settings with `overrides` (keys as in the file: storageUrl, executionMode...) on top
    and returns the environment that points the DAGs at them."""
    settings = chart_settings(chart_values)
    unknown = set(overrides or {}) - set(settings) - {"kubeConfigFile"}
    if unknown:
        raise ValueError(f"unknown pipeline settings {sorted(unknown)}; known: {sorted(settings)}")
    settings.update(overrides or {})
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n")
    return {CONFIG_FILE_VARIABLE: str(target)}


def local_settings(target: Path, storage: Path | str, **overrides: Any) -> dict[str, str]:
    """Local execution mode (steps as subprocesses) on a folder: the demo and the DAG tests."""
    return write_settings(target, {"executionMode": "local", "storageUrl": str(storage), **overrides})

"""Development support for the tests, the benchmarks and the demo: never part of an image.

It lives in `src/` beside the task package so the project's editable install makes it importable everywhere
(pytest, `python scripts/demo.py`, benchmarks, k8s-tests) without touching sys.path; the wheel the images
install ships `src/supermarket` only (pyproject.toml).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository (this package is only ever used from a checkout)."""
DAGS = ROOT / "dags"
CHART = ROOT / "charts" / "supermarket-pipeline"
SHARED = Path(os.environ.get("SHARED_DIR", ROOT.parent / "shared"))
"""Third-party sources and reference data beside the repository (../shared): never copied into it."""
AIRFLOW_CHART = Path(os.environ.get("AIRFLOW_CHART", SHARED / "reference" / "airflow-chart"))
"""The official Airflow chart (a directory or .tgz) the tests render and the e2e installs. Default: the complete
chart in ../shared (it cannot be downloaded on our machines); users with network may point it at a pulled .tgz."""

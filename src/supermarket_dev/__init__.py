"""Development support for the tests, the benchmarks and the demo: never part of an image.

It lives in `src/` beside the task package so the project's editable install makes it importable everywhere
(pytest, `python scripts/demo.py`, benchmarks, k8s-tests) without touching sys.path; the wheel the images
install ships `src/supermarket` only (pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository (this package is only ever used from a checkout)."""
DAGS = ROOT / "dags"
CHART = ROOT / "charts" / "supermarket-pipeline"

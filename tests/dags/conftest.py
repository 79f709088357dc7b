"""Real Airflow for the DAG tests: a private AIRFLOW_HOME, the project's dags/ as the DAG bundle."""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
SCRIPTS = ROOT / "scripts"

# Set before Airflow is imported anywhere in this session.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-home-"))
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "false"
for path in (DAGS, SCRIPTS):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


@pytest.fixture(scope="session")
def parsed() -> tuple[Any, list[warnings.WarningMessage]]:
    """The DagBag as the DAG processor builds it (default configuration: kubernetes mode)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from airflow.dag_processing.dagbag import BundleDagBag

        bag = BundleDagBag(dag_folder=str(DAGS), bundle_path=DAGS)
    return bag, list(caught)


@pytest.fixture(scope="session")
def dags(parsed: tuple[Any, list[warnings.WarningMessage]]) -> dict[str, Any]:
    bag, _ = parsed
    assert bag.import_errors == {}
    return dict(bag.dags)

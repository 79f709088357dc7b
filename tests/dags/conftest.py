"""Real Airflow for the DAG tests: a private AIRFLOW_HOME, the project's dags/ as the DAG bundle, and the pipeline
settings the chart renders by default (kubernetes mode), as a deployment's Airflow reads them."""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest

from supermarket_dev import DAGS
from supermarket_dev.settings import chart_settings, write_settings

# Set before Airflow or the DAG helpers are imported anywhere in this session.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-home-"))
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "false"
os.environ.update(write_settings(Path(os.environ["AIRFLOW_HOME"]) / "pipeline-settings.json"))


@pytest.fixture(scope="session")
def chart_defaults() -> dict[str, Any]:
    """What the chart's ConfigMap holds by default: what the DAGs under test were parsed with."""
    return chart_settings()


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

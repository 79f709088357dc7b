"""The local scenario of the demo and the DAG tests: `airflow standalone` in local execution mode on a folder,
one day of deliveries with supermarkets arriving at different times and one never arriving."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from .settings import local_settings
from .simulate import start_simulate

NEVER_DELIVERS = 4


def scenario_env(storage: Path, poke: int, timeout: int, **settings: Any) -> dict[str, str]:
    """The environment for `standalone()`: the chart's settings in local mode on `storage` (written next to it)."""
    return {
        **local_settings(
            storage.parent / "pipeline-settings.json",
            storage,
            sensorPokeInterval=poke,
            sensorTimeout=timeout,
            retries=1,
            **settings,
        ),
        # Only the runs the demo and tests start: no scheduled run appears when a DAG is unpaused (a scheduled
        # report run would hold the report DAG's single active run while waiting for an ingest run that
        # never comes).
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
    }


def start_deliveries(storage: Path, date: str, delay: float, rows: int) -> subprocess.Popen[bytes]:
    """Supermarkets 1, 2, 3 arrive `delay` seconds apart, a file a second; 4 never delivers."""
    return start_simulate(
        storage, date, never_deliver=[NEVER_DELIVERS], rows=rows, supermarket_delay=delay, file_delay=1
    )

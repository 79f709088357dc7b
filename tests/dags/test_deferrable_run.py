"""The deferrable variant for real: SUPERMARKET_SENSOR_DEFERRABLE=true on `airflow standalone`, so the wait runs in
the triggerer (which imports the trigger by class path from installed packages, not from the DAG bundle)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow

DATE = "2026-11-19"
INGEST = "ingest_supermarket_data"


def test_sensors_defer_then_complete_when_the_delivery_arrives(tmp_path):
    from airflow_standalone import standalone
    from demo import scenario_env

    storage = tmp_path / "data"
    env = {
        **scenario_env(storage, poke=60, timeout=300),
        "SUPERMARKET_SENSOR_DEFERRABLE": "true",
        "SUPERMARKET_SUPERMARKETS": "1,2",
    }
    with standalone(tmp_path / "airflow", env) as af:
        r = af.trigger(INGEST, logical_date=f"{DATE}T16:00:00+00:00")
        assert r.status_code == 200, r.text
        run_id = r.json()["dag_run_id"]
        for dag_id in (INGEST, "create_metrics"):
            af.unpause(dag_id)
        deadline = time.monotonic() + 120
        states: dict[str, str | None] = {}
        while time.monotonic() < deadline:
            states = {k: v["state"] for k, v in af.task_instances(INGEST, run_id).items() if k.startswith("wait_for")}
            if set(states.values()) == {"deferred"}:
                break
            time.sleep(2)
        assert set(states.values()) == {"deferred"}, states  # waiting in the triggerer, holding no worker slot
        subprocess.run(
            [
                sys.executable,
                "-m",
                "supermarket",
                "simulate",
                "--storage",
                str(storage),
                "--date",
                DATE,
                "--supermarkets",
                "1,2",
                "--rows",
                "100",
            ],
            check=True,
            capture_output=True,
        )
        run = af.wait_for_run(INGEST, run_id, timeout=300)
        tis = af.task_instances(INGEST, run_id)
        assert run["state"] == "success", {k: v["state"] for k, v in tis.items()}
        assert tis["wait_for_supermarket_1"]["try_number"] == 1  # resumed from the trigger, not retried
        assert (storage / "metrics" / "supermarket_2" / DATE / "summary.json").exists()

"""The deferrable variant for real: sensorDeferrable on `airflow standalone`, so the wait runs in
the triggerer (which imports the trigger by class path from installed packages, not from the DAG bundle)."""

from __future__ import annotations

import pytest

from supermarket_dev.airflow import standalone
from supermarket_dev.scenario import scenario_env
from supermarket_dev.simulate import simulate
from supermarket_dev.waiting import wait_until
from supermarket_pipeline.schedule import INGEST_DAG_ID as INGEST
from supermarket_pipeline.schedule import INGEST_HOUR, METRICS_DAG_ID

pytestmark = pytest.mark.slow

DATE = "2026-11-19"


def test_sensors_defer_then_complete_when_the_delivery_arrives(tmp_path):
    storage = tmp_path / "data"
    env = scenario_env(storage, poke=60, timeout=300, sensorDeferrable=True, supermarkets=[1, 2])
    with standalone(tmp_path / "airflow", env) as af:
        r = af.trigger(INGEST, logical_date=f"{DATE}T{INGEST_HOUR:02d}:00:00+00:00")
        assert r.status_code == 200, r.text
        run_id = r.json()["dag_run_id"]
        for dag_id in (INGEST, METRICS_DAG_ID):
            af.unpause(dag_id)

        def sensor_states() -> dict[str, str | None]:
            tis = af.task_instances(INGEST, run_id)
            return {k: v["state"] for k, v in tis.items() if k.startswith("wait_for")}

        # Waiting in the triggerer, holding no worker slot.
        wait_until("both sensors deferred", lambda: set(sensor_states().values()) == {"deferred"}, timeout=120)
        simulate(storage, DATE, [1, 2], rows=100)
        run = af.wait_for_run(INGEST, run_id, timeout=300)
        tis = af.task_instances(INGEST, run_id)
        assert run["state"] == "success", {k: v["state"] for k, v in tis.items()}
        assert tis["wait_for_supermarket_1"]["try_number"] == 1  # resumed from the trigger, not retried
        assert (storage / "metrics" / "supermarket_2" / DATE / "summary.json").exists()

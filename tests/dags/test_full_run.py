"""The DAGs for real: `airflow standalone` (scheduler, triggerer, API server), local execution mode, one day
of deliveries with supermarkets arriving at different times and one never arriving; triggers from the REST API
v2 and the CLI. The same harness runs the README's demo."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from supermarket_pipeline.schedule import INGEST_DAG_ID as INGEST
from supermarket_pipeline.schedule import METRICS_DAG_ID as METRICS
from supermarket_pipeline.schedule import REPORT_DAG_ID as REPORT

pytestmark = pytest.mark.slow

DATE = "2026-11-20"
SENSOR_TIMEOUT = 150
ROWS = 2000


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    from supermarket_dev.airflow import standalone
    from supermarket_dev.scenario import scenario_env, start_deliveries

    home = tmp_path_factory.mktemp("airflow")
    storage = home / "data"
    with standalone(home / "airflow", scenario_env(storage, poke=60, timeout=SENSOR_TIMEOUT)) as af:
        ingest = af.trigger(INGEST, logical_date=f"{DATE}T16:00:00+00:00")
        report = af.trigger(REPORT, logical_date=f"{DATE}T18:00:00+00:00")
        assert ingest.status_code == 200 and report.status_code == 200, (ingest.text, report.text)
        for dag_id in (INGEST, METRICS, REPORT):
            af.unpause(dag_id)
        deliveries = start_deliveries(storage, DATE, delay=40, rows=ROWS)
        try:
            ingest_run = af.wait_for_run(INGEST, ingest.json()["dag_run_id"], timeout=900)
            report_run = af.wait_for_run(REPORT, report.json()["dag_run_id"], timeout=600)
        finally:
            deliveries.kill()
            deliveries.wait()
        yield {
            "af": af,
            "ingest": ingest_run,
            "report": report_run,
            "storage": storage,
            "db": home / "airflow" / "airflow.db",
        }


def test_delivered_branches_succeed_and_the_missing_one_fails_at_its_timeout(day):
    af, run = day["af"], day["ingest"]
    tis = af.task_instances(INGEST, run["dag_run_id"])
    for sm in (1, 2, 3):
        for task in ("wait_for", "copy_to_raw", "process", "trigger_create_metrics"):
            assert tis[f"{task}_supermarket_{sm}"]["state"] == "success", (task, sm)
    assert tis["wait_for_supermarket_4"]["state"] == "failed"
    for task in ("copy_to_raw", "process", "trigger_create_metrics"):
        assert tis[f"{task}_supermarket_4"]["state"] == "upstream_failed"
    assert run["state"] == "failed"  # one branch failed; the others were not blocked by it


def test_sensors_waited_by_rescheduling(day):
    with sqlite3.connect(day["db"]) as db:
        counts = dict(
            db.execute(
                "SELECT ti.task_id, count(tr.id) FROM task_instance ti JOIN task_reschedule tr ON tr.ti_id = ti.id "
                "WHERE ti.dag_id = ? AND ti.run_id = ? GROUP BY ti.task_id",
                (INGEST, day["ingest"]["dag_run_id"]),
            ).fetchall()
        )
        first_start, end = db.execute(
            "SELECT min(tr.start_date), max(ti.end_date) FROM task_instance ti JOIN task_reschedule tr "
            "ON tr.ti_id = ti.id WHERE ti.dag_id = ? AND ti.run_id = ? AND ti.task_id = 'wait_for_supermarket_4'",
            (INGEST, day["ingest"]["dag_run_id"]),
        ).fetchone()
    assert counts.get("wait_for_supermarket_3", 0) >= 1  # arrived ~80 s late: rescheduled while waiting
    assert counts.get("wait_for_supermarket_4", 0) >= 2
    from datetime import datetime

    waited = datetime.fromisoformat(end) - datetime.fromisoformat(first_start)
    assert waited.total_seconds() >= SENSOR_TIMEOUT


def test_data_flowed_to_raw_processed_and_metrics(day):
    storage = day["storage"]
    for sm in (1, 2, 3):
        assert (storage / "raw" / f"supermarket_{sm}" / DATE / "_MANIFEST.json").exists()
        processed = json.loads((storage / "processed" / f"supermarket_{sm}" / DATE / "summary.json").read_text())
        assert processed["accepted"] == ROWS
        metrics = json.loads((storage / "metrics" / f"supermarket_{sm}" / DATE / "summary.json").read_text())
        assert metrics["promotions"] == ROWS
    assert not (storage / "raw" / "supermarket_4").exists()


def test_one_create_metrics_run_per_delivered_supermarket_with_its_conf(day):
    runs = [r for r in day["af"].runs(METRICS) if r["dag_run_id"].startswith("triggered__")]
    assert sorted((r["conf"]["supermarket_id"], r["conf"]["date"]) for r in runs) == [(1, DATE), (2, DATE), (3, DATE)]
    assert {r["state"] for r in runs} == {"success"}
    assert all(day["ingest"]["dag_run_id"] in r["dag_run_id"] for r in runs)


def test_report_waited_for_the_same_days_ingest_run(day):
    af, report = day["af"], day["report"]
    assert report["state"] == "success"
    tis = af.task_instances(REPORT, report["dag_run_id"])
    assert tis["wait_for_ingest"]["state"] == "success" and tis["build_report"]["state"] == "success"
    # It finished after the ingest run it waited for.
    assert tis["wait_for_ingest"]["end_date"] >= day["ingest"]["end_date"]
    summary = json.loads((day["storage"] / "reports" / DATE / "summary.json").read_text())
    assert [r["supermarket_id"] for r in summary["supermarkets"]] == [1, 2, 3]
    assert summary["missing"] == [4]
    # Two charts per supermarket (revenue, units) and the trend over the last report days.
    assert (day["storage"] / "reports" / DATE / "report.html").read_text().count("<svg") == 3


def test_rest_api_trigger_with_conf(day):
    af = day["af"]
    r = af.trigger(METRICS, conf={"supermarket_id": 2, "date": DATE})  # "logical_date": null
    assert r.status_code == 200, r.text
    run = af.wait_for_run(METRICS, r.json()["dag_run_id"], timeout=300)
    assert run["state"] == "success" and run["run_type"] == "manual" and run["logical_date"] is None
    assert run["conf"] == {"supermarket_id": 2, "date": DATE}


@pytest.mark.parametrize(
    "conf", [{"supermarket_id": 7, "date": DATE}, {"date": DATE}, {"supermarket_id": 1, "date": "yesterday"}]
)
def test_rest_api_rejects_bad_conf(day, conf):
    r = day["af"].trigger(METRICS, conf=conf)
    assert r.status_code == 400, r.text
    assert "supermarket_id" in r.text or "date" in r.text


def test_cli_trigger_with_conf_and_rejection(day):
    af = day["af"]
    ok = af.airflow("dags", "trigger", METRICS, "-c", json.dumps({"supermarket_id": 3, "date": DATE}), "-o", "json")
    run_id = json.loads(ok.stdout.strip().splitlines()[-1])[0]["dag_run_id"]
    assert af.wait_for_run(METRICS, run_id, timeout=300)["state"] == "success"
    bad = af.airflow("dags", "trigger", METRICS, "-c", json.dumps({"supermarket_id": 99, "date": DATE}), check=False)
    assert bad.returncode != 0
    assert "99" in bad.stderr + bad.stdout or "supermarket_id" in bad.stderr + bad.stdout


def test_clearing_a_trigger_task_starts_a_new_triggered_run(day):
    af = day["af"]
    run_id = day["ingest"]["dag_run_id"]
    before = {r["dag_run_id"] for r in af.runs(METRICS)}
    r = af.request(
        "POST",
        f"/api/v2/dags/{INGEST}/clearTaskInstances",
        json={
            "dry_run": False,
            "dag_run_id": run_id,
            "task_ids": ["trigger_create_metrics_supermarket_1"],
            "only_failed": False,
            "reset_dag_runs": True,
        },
    )
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 300
    new: set[str] = set()
    while time.monotonic() < deadline and not new:
        new = {r["dag_run_id"] for r in af.runs(METRICS)} - before
        time.sleep(3)
    assert len(new) == 1 and next(iter(new)).endswith("__supermarket_1__try2")
    assert before <= {r["dag_run_id"] for r in af.runs(METRICS)}  # the old run is still there, untouched

"""The DAGs as the DAG processor sees them: imports, structure, schedules, sensors, pools, Params."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest

from supermarket_dev import DAGS
from supermarket_pipeline.schedule import INGEST_DAG_ID as INGEST
from supermarket_pipeline.schedule import METRICS_DAG_ID as METRICS
from supermarket_pipeline.schedule import REPORT_DAG_ID as REPORT

POOLS = json.loads((DAGS / "supermarket_pipeline" / "pools.json").read_text())


def test_all_dags_import_without_errors_or_deprecation_warnings(parsed):
    bag, caught = parsed
    assert bag.import_errors == {}
    assert set(bag.dags) == {INGEST, METRICS, REPORT}
    ours = [w for w in caught if str(DAGS) in str(w.filename) and issubclass(w.category, DeprecationWarning)]
    assert ours == [], [str(w.message) for w in ours]


def test_dag_files_import_only_airflow_and_the_standard_library_at_parse_time():
    import subprocess
    import sys

    code = (
        "import sys, runpy; "
        f"[runpy.run_path(f) for f in {[str(p) for p in sorted(DAGS.glob('*.py'))]!r}]; "
        "print(sorted({'supermarket', 'duckdb', 'pandas', 'pyarrow'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("supermarket", [1, 2, 3, 4])
def test_ingest_has_one_independent_branch_per_supermarket(dags, supermarket):
    dag = dags[INGEST]
    chain = [
        f"wait_for_supermarket_{supermarket}",
        f"copy_to_raw_supermarket_{supermarket}",
        f"process_supermarket_{supermarket}",
        f"trigger_create_metrics_supermarket_{supermarket}",
    ]
    for upstream, downstream in itertools.pairwise(chain):
        assert dag.get_task(downstream).upstream_task_ids == {upstream}
    assert dag.get_task(chain[0]).upstream_task_ids == set()
    assert len(dag.tasks) == 4 * 4


def next_run(dag, after: dt.datetime) -> dt.datetime:
    """The logical date of the first scheduled run at or after `after`, as the scheduler computes it."""
    from airflow.serialization.encoders import coerce_to_core_timetable
    from airflow.timetables.base import TimeRestriction

    timetable = coerce_to_core_timetable(dag.timetable)
    info = timetable.next_dagrun_info(
        last_automated_data_interval=None, restriction=TimeRestriction(earliest=after, latest=None, catchup=True)
    )
    return info.logical_date


def test_schedules(dags):
    day = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    assert next_run(dags[INGEST], day) == day.replace(hour=16)
    assert next_run(dags[REPORT], day) == day.replace(hour=18)
    assert dags[METRICS].schedule is None
    assert {str(d.timezone) for d in dags.values()} == {"UTC"}  # all schedules are UTC
    assert dags[INGEST].max_active_runs == 3 and dags[INGEST].catchup is False


def test_report_sensor_points_at_the_same_days_ingest_run(dags):
    """The runs are at 16:00 and 18:00 UTC, so the same day's ingest run is 2 h before the report run (the
    book's 6 h was a mistake)."""
    day = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    sensor = dags[REPORT].get_task("wait_for_ingest")
    report_logical = next_run(dags[REPORT], day)
    assert report_logical - sensor.execution_delta == next_run(dags[INGEST], day)
    assert sensor.execution_delta == dt.timedelta(hours=2)
    assert sensor.external_dag_id == INGEST and sensor.mode == "reschedule"
    assert set(sensor.allowed_states) == {"success", "failed"}


def test_sensors_reschedule_in_their_pool_and_time_out_before_the_next_run(dags):
    sensors = [t for d in dags.values() for t in d.tasks if t.task_id.startswith("wait_for_")]
    assert len(sensors) == 5
    for sensor in sensors:
        assert sensor.mode == "reschedule"
        assert sensor.pool == "supermarket_sensors"
        assert sensor.poke_interval >= 60  # issue 71172: shorter reschedule intervals race
        assert dt.timedelta(seconds=sensor.timeout) < dt.timedelta(days=1)


def test_every_pipeline_step_runs_in_the_pod_pool_and_pools_exist(dags):
    steps = [
        t for d in dags.values() for t in d.tasks if type(t).__name__ in ("SupermarketPodOperator", "LocalCliStep")
    ]
    assert len(steps) == 4 * 2 + 1 + 1
    assert {t.pool for t in steps} == {"supermarket_pods"}
    used = {t.pool for d in dags.values() for t in d.tasks} - {"default_pool"}
    assert used <= set(POOLS)
    for step in steps:
        assert step.retries >= 1 and step.retry_exponential_backoff


def test_triggers_pass_supermarket_and_date_as_conf(dags):
    trigger = dags[INGEST].get_task("trigger_create_metrics_supermarket_3")
    assert trigger.trigger_dag_id == METRICS
    assert trigger.conf["supermarket_id"] == 3
    assert "params.date" in trigger.conf["date"]
    assert "{{ run_id }}" in trigger.trigger_run_id and "ti.try_number" in trigger.trigger_run_id
    assert trigger.wait_for_completion and trigger.deferrable


@pytest.mark.parametrize(
    "name,value",
    [
        ("supermarket_id", 9),
        ("supermarket_id", "one"),
        ("supermarket_id", None),
        ("date", "24/11/2026"),
        ("date", None),
    ],
)
def test_create_metrics_params_reject_bad_conf(dags, name, value):
    from airflow.sdk.exceptions import ParamValidationError

    param = dags[METRICS].params.get_param(name)
    with pytest.raises(ParamValidationError):
        param.resolve(value)


def test_create_metrics_params_accept_good_conf(dags):
    params = dags[METRICS].params
    assert params.get_param("supermarket_id").resolve(4) == 4
    assert params.get_param("date").resolve("2026-11-24") == "2026-11-24"

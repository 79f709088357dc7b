"""The daily cross-supermarket report: waits for that day's ingest run, then builds table + HTML page."""

import datetime as dt

from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.sdk import DAG

from supermarket_pipeline.config import CONFIG, DATA_DATE, SENSOR_POOL
from supermarket_pipeline.steps import pipeline_step

INGEST_DAG, INGEST_HOUR, REPORT_HOUR = "ingest_supermarket_data", 16, 18

with DAG(
    dag_id="supermarket_report",
    description="Daily report across supermarkets, after that day's ingest run",
    schedule=f"0 {REPORT_HOUR} * * *",
    start_date=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    tags=["supermarket"],
) as dag:
    wait = ExternalTaskSensor(
        task_id="wait_for_ingest",
        external_dag_id=INGEST_DAG,
        external_task_id=None,  # the whole run: every branch processed and its metrics triggered
        # Cron schedules in Airflow 3 put the logical date at the run time: 18:00 - 16:00 = 2 h back.
        execution_delta=dt.timedelta(hours=REPORT_HOUR - INGEST_HOUR),
        # A supermarket that never delivered fails its branch; the report still shows the others.
        allowed_states=["success", "failed"],
        mode="reschedule",
        poke_interval=CONFIG.poke_interval,
        # The ingest run may wait its sensors' full timeout, then process; 2 h of slack on top still ends
        # long before the next day's report run.
        timeout=CONFIG.sensor_timeout + dt.timedelta(hours=2),
        pool=SENSOR_POOL,
    )
    wait >> pipeline_step("build_report", "report", date=DATA_DATE, supermarkets=CONFIG.supermarkets)

"""The daily cross-supermarket report (18:00 UTC): waits for that day's ingest run, then builds table + HTML page."""

import datetime as dt

from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.sdk import DAG

from supermarket_pipeline.config import CONFIG, DATA_DATE, SENSOR_POOL
from supermarket_pipeline.links import ReportLink
from supermarket_pipeline.schedule import (
    INGEST_DAG_ID,
    REPORT_DAG_ID,
    REPORT_HOUR,
    REPORT_LOOKS_BACK,
    START_DATE,
    daily_at,
)
from supermarket_pipeline.steps import pipeline_step

with DAG(
    dag_id=REPORT_DAG_ID,
    description="Daily report across supermarkets, after that day's ingest run",
    schedule=daily_at(REPORT_HOUR),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    tags=["supermarket"],
) as dag:
    wait = ExternalTaskSensor(
        task_id="wait_for_ingest",
        external_dag_id=INGEST_DAG_ID,
        external_task_id=None,  # the whole run: every branch processed and its metrics triggered
        # The same day's ingest run: 18:00 - 16:00 = 2 h back (both logical dates are the run times).
        execution_delta=REPORT_LOOKS_BACK,
        # A supermarket that never delivered fails its branch; the report still shows the others.
        allowed_states=["success", "failed"],
        mode="reschedule",
        poke_interval=CONFIG.sensor_poke_interval,
        # The ingest run may wait its sensors' full timeout, then process; 2 h of slack on top still ends
        # long before the next day's report run.
        timeout=CONFIG.sensor_timeout + dt.timedelta(hours=2),
        pool=SENSOR_POOL,
    )
    build = pipeline_step("build_report", "report", date=DATA_DATE, supermarkets=CONFIG.supermarkets)
    # The day's report in the UI, next to the task's logs.
    build.operator_extra_links = (*build.operator_extra_links, ReportLink())
    wait >> build

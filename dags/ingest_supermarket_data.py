"""Waits for each supermarket's delivery (16:00-02:00), copies it to raw, processes it, then triggers
`create_metrics` for that supermarket. One independent branch per supermarket. Runs daily at 16:00 UTC."""

from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import DAG, Param

from supermarket_pipeline.config import CONFIG, DATA_DATE
from supermarket_pipeline.schedule import INGEST_DAG_ID, INGEST_HOUR, METRICS_DAG_ID, START_DATE, daily_at
from supermarket_pipeline.sensors import delivery_sensor
from supermarket_pipeline.steps import pipeline_step

with DAG(
    dag_id=INGEST_DAG_ID,
    description="Supermarket deliveries -> raw -> processed, then create_metrics per supermarket",
    schedule=daily_at(INGEST_HOUR),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=3,  # a few days of backlog at once; sensors in reschedule mode hold no slot
    max_active_tasks=4 * len(CONFIG.supermarkets),
    params={
        "date": Param(
            None,
            type=["null", "string"],
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            description="Data date YYYY-MM-DD (default: the run's logical date)",
        )
    },
    tags=["supermarket"],
) as dag:
    for supermarket_id in CONFIG.supermarkets:
        wait = delivery_sensor(supermarket_id, DATA_DATE)
        copy = pipeline_step(
            f"copy_to_raw_supermarket_{supermarket_id}", "copy-to-raw", date=DATA_DATE, supermarket_id=supermarket_id
        )
        process = pipeline_step(
            f"process_supermarket_{supermarket_id}", "process", date=DATA_DATE, supermarket_id=supermarket_id
        )
        trigger = TriggerDagRunOperator(
            task_id=f"trigger_create_metrics_supermarket_{supermarket_id}",
            trigger_dag_id=METRICS_DAG_ID,
            # Unique per try: clearing this task starts a new create_metrics run and leaves the old one be.
            trigger_run_id=f"triggered__{{{{ run_id }}}}__supermarket_{supermarket_id}__try{{{{ ti.try_number }}}}",
            conf={"supermarket_id": supermarket_id, "date": DATA_DATE},
            logical_date=None,
            # Wait in the triggerer (no worker slot) so the ingest run ends only when the metrics exist:
            # the report DAG's sensor relies on that.
            wait_for_completion=True,
            deferrable=True,
            poke_interval=CONFIG.sensor_poke_interval.total_seconds(),
            allowed_states=["success"],
            failed_states=["failed"],
        )
        wait >> copy >> process >> trigger

"""Computes one supermarket's metrics for a date. Started by the ingest DAG (one run per supermarket), or by
hand: `airflow dags trigger create_metrics -c '{"supermarket_id": 1, "date": "2026-11-24"}'`."""

from airflow.sdk import DAG, Param

from supermarket_pipeline.config import CONFIG
from supermarket_pipeline.schedule import METRICS_DAG_ID, START_DATE
from supermarket_pipeline.steps import pipeline_step

with DAG(
    dag_id=METRICS_DAG_ID,
    description="Per-supermarket promotion metrics for one date",
    schedule=None,
    start_date=START_DATE,
    max_active_runs=2 * len(CONFIG.supermarkets),
    params={
        # Validated when a run is triggered: a bad or missing id or date is refused with a clear message.
        "supermarket_id": Param(
            type="integer",
            enum=list(CONFIG.supermarkets),
            description=f"One of the configured supermarkets {list(CONFIG.supermarkets)}",
        ),
        "date": Param(type="string", pattern=r"^\d{4}-\d{2}-\d{2}$", description="Data date YYYY-MM-DD"),
    },
    tags=["supermarket"],
) as dag:
    pipeline_step("compute_metrics", "metrics", date="{{ params.date }}", supermarket_id="{{ params.supermarket_id }}")

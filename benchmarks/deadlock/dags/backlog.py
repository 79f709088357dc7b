"""The book's deadlock: a week of backlog of deliveries that never come, waited for by sensors that share the
worker slots with everything else. BENCH_SENSOR_MODE=poke|reschedule."""

import datetime as dt
import os

from airflow.providers.standard.operators.python import PythonOperator
from airflow.providers.standard.sensors.python import PythonSensor
from airflow.sdk import DAG

MODE = os.environ.get("BENCH_SENSOR_MODE", "reschedule")
POKE = float(os.environ.get("BENCH_POKE_INTERVAL", "300"))
DAYS = 7

with DAG(
    dag_id="backlog",
    schedule="@daily",
    start_date=dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=DAYS),
    catchup=True,
    max_active_runs=DAYS,
    max_active_tasks=4,
) as backlog:
    for supermarket in (1, 2, 3, 4):
        PythonSensor(
            task_id=f"wait_for_supermarket_{supermarket}",
            python_callable=lambda: False,  # never delivers
            mode=MODE,
            poke_interval=POKE,
            timeout=6 * 3600,
        )

with DAG(dag_id="healthy", schedule=None, start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) as healthy:
    # Real tasks (an EmptyOperator would be marked done by the scheduler without taking a slot).
    extract = PythonOperator(task_id="extract", python_callable=lambda: None)
    load = PythonOperator(task_id="load", python_callable=lambda: None)
    extract >> load

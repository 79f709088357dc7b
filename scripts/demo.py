"""The main job on an embedded default: Airflow standalone (SQLite) in `local` execution mode, one day of
simulated deliveries (supermarkets arriving at different times, one never), the ingest run triggered through
the REST API v2, progress printed, the results shown at the end. Stops every process it started.

    make demo            (= .venv/bin/python scripts/demo.py)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

from supermarket_dev import DAGS, ROOT
from supermarket_dev.airflow import Airflow, standalone
from supermarket_dev.scenario import scenario_env, start_deliveries
from supermarket_pipeline.schedule import INGEST_DAG_ID, INGEST_HOUR, METRICS_DAG_ID, REPORT_DAG_ID, REPORT_HOUR

INGEST, METRICS, REPORT = INGEST_DAG_ID, METRICS_DAG_ID, REPORT_DAG_ID


def progress(af: Airflow, run_id: str, seen: dict[str, str]) -> None:
    for task_id, ti in sorted(af.task_instances(INGEST, run_id).items()):
        state = ti["state"]
        if state and seen.get(task_id) != state:
            seen[task_id] = state
            note = " (sensor waiting: rescheduled, holds no slot)" if state == "up_for_reschedule" else ""
            print(f"  {time.strftime('%H:%M:%S')} {task_id:42s} {state}{note}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--home", type=Path, default=ROOT / ".demo")
    parser.add_argument("--date", default=(dt.date.today() - dt.timedelta(days=1)).isoformat())
    parser.add_argument("--poke-interval", type=int, default=60, help="sensor poke interval (>= 60 s)")
    parser.add_argument("--sensor-timeout", type=int, default=180, help="how long to wait for a delivery")
    parser.add_argument("--delivery-delay", type=float, default=45, help="seconds between supermarkets")
    parser.add_argument("--rows", type=int, default=20000)
    args = parser.parse_args()
    started = time.monotonic()
    storage = args.home / "data"
    env = scenario_env(storage, args.poke_interval, args.sensor_timeout)
    print(f"Starting Airflow standalone (SQLite) in {args.home} on port {args.port} ...", flush=True)
    with standalone(args.home / "airflow", env, port=args.port) as af:
        print(
            f"Airflow is up at {af.url} (user admin / admin); pools imported: "
            f"{', '.join(json.loads((DAGS / 'supermarket_pipeline/pools.json').read_text()))}"
        )
        deliveries = start_deliveries(storage, args.date, args.delivery_delay, args.rows)
        try:
            logical = f"{args.date}T{INGEST_HOUR:02d}:00:00+00:00"
            r = af.trigger(INGEST, logical_date=logical)
            r.raise_for_status()
            run_id = r.json()["dag_run_id"]
            print(f"Triggered {INGEST} through POST /api/v2/dags/{INGEST}/dagRuns: run {run_id}")
            report = af.trigger(REPORT, logical_date=f"{args.date}T{REPORT_HOUR:02d}:00:00+00:00")
            report.raise_for_status()
            report_run = report.json()["dag_run_id"]
            print(f"Triggered {REPORT}: run {report_run} (its sensor waits for the ingest run at {INGEST_HOUR}:00 UTC)")
            # Unpaused only now: the scheduler sees the runs above and creates no duplicate scheduled run.
            for dag_id in (INGEST, METRICS, REPORT):
                af.unpause(dag_id)
            seen: dict[str, str] = {}
            ingest = af.wait_for_run(INGEST, run_id, timeout=900, on_poll=lambda _: progress(af, run_id, seen))
            print(f"{INGEST} finished: {ingest['state']}")
            final = af.wait_for_run(REPORT, report_run, timeout=300)
            print(f"{REPORT} finished: {final['state']}")
        finally:
            deliveries.kill()
            deliveries.wait()
        show_results(af, run_id, storage, args.date)
    print(f"Demo done in {time.monotonic() - started:.0f} s; every process it started is stopped.")


def show_results(af: Airflow, run_id: str, storage: Path, date: str) -> None:
    print("\nTask states of the ingest run:")
    for task_id, ti in sorted(af.task_instances(INGEST, run_id).items()):
        print(f"  {task_id:42s} {ti['state']}  (tries: {ti['try_number']})")
    print(f"\n{METRICS} runs:")
    for run in af.runs(METRICS):
        print(f"  {run['dag_run_id']:80s} {run['state']:8s} conf={json.dumps(run['conf'])}")
    page = storage / "reports" / date / "report.html"
    print(f"\nReport: {page}")
    summary_file = storage / "reports" / date / "summary.json"
    if summary_file.exists():
        summary: dict[str, Any] = json.loads(summary_file.read_text())
        cols = ("supermarket_id", "promotions", "avg_discount_pct", "units_sold", "promo_revenue")
        print("  " + "  ".join(f"{c:>16s}" for c in cols))
        for row in summary["supermarkets"]:
            print("  " + "  ".join(f"{row[c]:>16}" for c in cols))
        print(f"  missing: {summary['missing']}")


if __name__ == "__main__":
    main()

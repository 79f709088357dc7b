"""The demo's day, shared by `make demo` (scripts/demo.py) and the UI tests (tests/ui), which explore the same
Airflow the demo leaves behind: Airflow standalone (SQLite) in `local` execution mode, one day of simulated
deliveries (supermarkets arriving at different times, one never), the ingest and report runs triggered through
the REST API v2, progress printed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from supermarket_pipeline.schedule import INGEST_DAG_ID, INGEST_HOUR, METRICS_DAG_ID, REPORT_DAG_ID, REPORT_HOUR

from . import DAGS
from .airflow import Airflow, standalone
from .scenario import scenario_env, start_deliveries

INGEST, METRICS, REPORT = INGEST_DAG_ID, METRICS_DAG_ID, REPORT_DAG_ID


@dataclass(frozen=True)
class DemoDay:
    af: Airflow
    storage: Path
    date: str
    ingest_run: str
    report_run: str
    ingest_state: str
    report_state: str

    @property
    def report_dir(self) -> Path:
        return self.storage / "reports" / self.date


def progress(af: Airflow, run_id: str, seen: dict[str, str], out: Callable[[str], None]) -> None:
    for task_id, ti in sorted(af.task_instances(INGEST, run_id).items()):
        state = ti["state"]
        if state and seen.get(task_id) != state:
            seen[task_id] = state
            note = " (sensor waiting: rescheduled, holds no slot)" if state == "up_for_reschedule" else ""
            out(f"  {time.strftime('%H:%M:%S')} {task_id:42s} {state}{note}")


@contextmanager
def demo_day(
    home: Path,
    date: str,
    *,
    port: int | None = None,
    poke_interval: int = 60,
    sensor_timeout: int = 180,
    delivery_delay: float = 45,
    rows: int = 20000,
    out: Callable[[str], None] = lambda line: print(line, flush=True),
) -> Iterator[DemoDay]:
    """Runs the day to the end of its report run; Airflow keeps running until the block ends."""
    storage = home / "data"
    env = scenario_env(storage, poke_interval, sensor_timeout)
    out(f"Starting Airflow standalone (SQLite) in {home} on port {port or 'a free port'} ...")
    with standalone(home / "airflow", env, port=port) as af:
        pools = ", ".join(json.loads((DAGS / "supermarket_pipeline/pools.json").read_text()))
        out(f"Airflow is up at {af.url} (user admin / admin); pools imported: {pools}")
        deliveries = start_deliveries(storage, date, delivery_delay, rows)
        try:
            r = af.trigger(INGEST, logical_date=f"{date}T{INGEST_HOUR:02d}:00:00+00:00")
            r.raise_for_status()
            run_id = r.json()["dag_run_id"]
            out(f"Triggered {INGEST} through POST /api/v2/dags/{INGEST}/dagRuns: run {run_id}")
            report = af.trigger(REPORT, logical_date=f"{date}T{REPORT_HOUR:02d}:00:00+00:00")
            report.raise_for_status()
            report_run = report.json()["dag_run_id"]
            out(f"Triggered {REPORT}: run {report_run} (its sensor waits for the ingest run at {INGEST_HOUR}:00 UTC)")
            # Unpaused only now: the scheduler sees the runs above and creates no duplicate scheduled run.
            for dag_id in (INGEST, METRICS, REPORT):
                af.unpause(dag_id)
            seen: dict[str, str] = {}
            ingest = af.wait_for_run(INGEST, run_id, timeout=900, on_poll=lambda _: progress(af, run_id, seen, out))
            out(f"{INGEST} finished: {ingest['state']}")
            final = af.wait_for_run(REPORT, report_run, timeout=300)
            out(f"{REPORT} finished: {final['state']}")
        finally:
            deliveries.kill()
            deliveries.wait()
        yield DemoDay(af, storage, date, run_id, report_run, ingest["state"], final["state"])

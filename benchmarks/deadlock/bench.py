"""poke vs reschedule, measured on a real Airflow (standalone, LocalExecutor with 16 worker slots).

Same backlog both times: 7 days x 4 supermarkets that never deliver (28 sensors, more than the 16 slots), then a
healthy DAG triggered one minute in. Reports the slot-seconds held by waiting sensors (sampled twice a second
from the metadata database: sensor task instances in state `running`, i.e. with a live task process holding a
worker slot) and whether the healthy DAG ran.

    .venv/bin/python benchmarks/deadlock/bench.py [--window 480] [--poke-interval 300]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from supermarket_dev.airflow import standalone

DAGS = Path(__file__).resolve().parent / "dags"
SLOTS = 16


def running_sensors(db: Path) -> int:
    """Sensor task instances holding a worker slot right now (state running: their process is alive)."""
    with sqlite3.connect(db) as con:
        row = con.execute("SELECT count(*) FROM task_instance WHERE dag_id = 'backlog' AND state = 'running'")
        return int(row.fetchone()[0])


@dataclass
class Result:
    mode: str
    window_s: float
    slot_seconds: float
    healthy_state: str
    healthy_started_after_s: float | None


def run(mode: str, window: float, poke_interval: float) -> Result:
    home = Path(tempfile.mkdtemp(prefix=f"deadlock-{mode}-"))
    env = {
        "BENCH_SENSOR_MODE": mode,
        "BENCH_POKE_INTERVAL": str(poke_interval),
        "AIRFLOW__CORE__PARALLELISM": str(SLOTS),
        "AIRFLOW__CORE__DEFAULT_POOL_TASK_SLOT_COUNT": "128",
    }
    with standalone(home / "airflow", env, dags=DAGS, expected_dags=frozenset({"backlog", "healthy"})) as af:
        db = home / "airflow" / "airflow.db"
        af.unpause("healthy")
        af.unpause("backlog")  # catchup: 7 runs x 4 sensors
        started = last = time.monotonic()
        held = 0.0  # slot-seconds, sampled: running sensors x the time since the previous sample
        healthy_run, healthy_started = None, None
        while time.monotonic() < started + window:
            now = time.monotonic()
            held += running_sensors(db) * (now - last)
            last = now
            if healthy_run is None and now - started >= 60:  # the backlog is in place: now the healthy DAG
                r = af.trigger("healthy")
                r.raise_for_status()
                healthy_run, triggered = r.json()["dag_run_id"], now
            elif healthy_run is not None and healthy_started is None:
                tis = af.task_instances("healthy", healthy_run).values()
                if any(t["state"] in ("running", "success") for t in tis):
                    healthy_started = now - triggered
            time.sleep(0.5)
        assert healthy_run is not None
        return Result(mode, time.monotonic() - started, held, af.run("healthy", healthy_run)["state"], healthy_started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--window", type=float, default=480, help="seconds to watch each mode")
    parser.add_argument("--poke-interval", type=float, default=300)
    args = parser.parse_args()
    results = [run(mode, args.window, args.poke_interval) for mode in ("poke", "reschedule")]
    for r in results:
        started = r.healthy_started_after_s
        print(
            f"{r.mode:10s} slot-seconds held by waiting sensors: {r.slot_seconds:8.0f} "
            f"over {r.window_s:.0f} s; healthy DAG: {r.healthy_state}, "
            f"started {'never' if started is None else f'{started:.0f} s after its trigger'}"
        )
    poke, reschedule = results
    print(
        f"reschedule holds {100 * reschedule.slot_seconds / poke.slot_seconds:.2f} % of poke's "
        "slot-seconds (goal <= 2 %)"
    )


if __name__ == "__main__":
    main()

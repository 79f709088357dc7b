"""poke vs reschedule, measured on a real Airflow (standalone, LocalExecutor with 16 worker slots).

Same backlog both times: 7 days x 4 supermarkets that never deliver (28 sensors, more than the 16 slots), then a
healthy DAG triggered one minute in. Reports the slot-seconds held by waiting sensors (from the metadata
database: time the sensor task instances spent running, every poke included) and whether the healthy DAG ran.

    .venv/bin/python benchmarks/deadlock/bench.py [--window 480] [--poke-interval 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from airflow_standalone import standalone

DAGS = Path(__file__).resolve().parent / "dags"
SLOTS = 16


def slot_seconds(db: Path, until: dt.datetime) -> tuple[float, int]:
    """Seconds sensor task instances held a slot (finished pokes + the poke running now), and the poke count."""
    with sqlite3.connect(db) as con:
        pokes = con.execute(
            "SELECT tr.start_date, tr.end_date FROM task_reschedule tr JOIN task_instance ti ON ti.id = tr.ti_id "
            "WHERE ti.dag_id = 'backlog'"
        ).fetchall()
        running = con.execute(
            "SELECT start_date FROM task_instance WHERE dag_id = 'backlog' AND state = 'running' "
            "AND start_date IS NOT NULL"
        ).fetchall()
    total = sum((_ts(end) - _ts(start)).total_seconds() for start, end in pokes)
    total += sum((until - _ts(start)).total_seconds() for (start,) in running)
    return total, len(pokes) + len(running)


def _ts(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def run(mode: str, window: float, poke_interval: float) -> dict[str, object]:
    home = Path(tempfile.mkdtemp(prefix=f"deadlock-{mode}-"))
    env = {
        "BENCH_SENSOR_MODE": mode,
        "BENCH_POKE_INTERVAL": str(poke_interval),
        "AIRFLOW__CORE__PARALLELISM": str(SLOTS),
        "AIRFLOW__CORE__DEFAULT_POOL_TASK_SLOT_COUNT": "128",
    }
    with standalone(home / "airflow", env, dags=DAGS, expected_dags=frozenset({"backlog", "healthy"})) as af:
        af.unpause("healthy")
        af.unpause("backlog")  # catchup: 7 runs x 4 sensors
        started = dt.datetime.now(dt.UTC)
        time.sleep(60)
        r = af.trigger("healthy")
        r.raise_for_status()
        healthy_run = r.json()["dag_run_id"]
        deadline = time.monotonic() + window - 60
        healthy_started = None
        while time.monotonic() < deadline:
            tis = af.task_instances("healthy", healthy_run)
            if healthy_started is None and any(t["state"] in ("running", "success") for t in tis.values()):
                healthy_started = (dt.datetime.now(dt.UTC) - started).total_seconds() - 60
            time.sleep(5)
        end = dt.datetime.now(dt.UTC)
        held, pokes = slot_seconds(home / "airflow" / "airflow.db", end)
        state = af.run("healthy", healthy_run)["state"]
    return {
        "mode": mode,
        "window_s": (end - started).total_seconds(),
        "slot_seconds": held,
        "pokes": pokes,
        "healthy_state": state,
        "healthy_started_after_s": healthy_started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--window", type=float, default=480, help="seconds to watch each mode")
    parser.add_argument("--poke-interval", type=float, default=300)
    args = parser.parse_args()
    results = [run(mode, args.window, args.poke_interval) for mode in ("poke", "reschedule")]
    for r in results:
        started = r["healthy_started_after_s"]
        print(
            f"{r['mode']:10s} slot-seconds held by waiting sensors: {r['slot_seconds']:8.0f} "
            f"({r['pokes']} pokes/tries) over {r['window_s']:.0f} s; healthy DAG: {r['healthy_state']}, "
            f"started {'never' if started is None else f'{started:.0f} s after its trigger'}"
        )
    poke, reschedule = results
    print(
        f"reschedule holds {100 * reschedule['slot_seconds'] / poke['slot_seconds']:.2f} % of poke's "
        "slot-seconds (goal <= 2 %)"
    )


if __name__ == "__main__":
    main()

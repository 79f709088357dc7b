"""The main job on an embedded default: Airflow standalone (SQLite) in `local` execution mode, one day of
simulated deliveries (supermarkets arriving at different times, one never), the ingest run triggered through
the REST API v2, progress printed, the results shown at the end (src/supermarket_dev/demo.py runs the day).
Stops every process it started; with --explore, only when you press Ctrl-C, so the UI stays up to look around.

    make demo            (= .venv/bin/python scripts/demo.py)
    make demo-explore    (= .venv/bin/python scripts/demo.py --explore)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import time
from pathlib import Path
from typing import Any

from supermarket_dev import ROOT
from supermarket_dev.airflow import PASSWORD, USER, Airflow
from supermarket_dev.demo import INGEST, METRICS, demo_day


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--home", type=Path, default=ROOT / ".demo")
    parser.add_argument("--date", default=(dt.date.today() - dt.timedelta(days=1)).isoformat())
    parser.add_argument("--poke-interval", type=int, default=60, help="sensor poke interval (>= 60 s)")
    parser.add_argument("--sensor-timeout", type=int, default=180, help="how long to wait for a delivery")
    parser.add_argument("--delivery-delay", type=float, default=45, help="seconds between supermarkets")
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--explore", action="store_true", help="keep Airflow running afterwards (Ctrl-C stops it)")
    args = parser.parse_args()
    started = time.monotonic()
    with demo_day(
        args.home,
        args.date,
        port=args.port,
        poke_interval=args.poke_interval,
        sensor_timeout=args.sensor_timeout,
        delivery_delay=args.delivery_delay,
        rows=args.rows,
    ) as day:
        show_results(day.af, day.ingest_run, day.storage, args.date)
        print(f"Demo done in {time.monotonic() - started:.0f} s.")
        if args.explore:
            explore(day.af, args.date)
    print("Every process the demo started is stopped.")


def explore(af: Airflow, date: str) -> None:
    print(
        f"\nAirflow keeps running for you to explore (Ctrl-C stops everything):\n"
        f"  UI          {af.url}/  (login {USER} / {PASSWORD})\n"
        f"  report      {af.url}/reports/{date}  (menu Browse > Supermarket reports; the build_report task's"
        f" 'Report' link)\n"
        f"  all reports {af.url}/reports/",
        flush=True,
    )

    # Ctrl-C, or a SIGTERM (a supervisor, `kill`), ends the wait; SIGINT is set explicitly because a shell
    # starting us in the background would have it ignored.
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    try:
        assert af.proc is not None
        code = af.proc.wait()  # returns only if Airflow itself ends
        print(f"Airflow exited on its own (code {code}); see {af.home / 'standalone.log'}")
    except KeyboardInterrupt:
        print("\nCtrl-C: stopping Airflow ...", flush=True)


def show_results(af: Airflow, run_id: str, storage: Path, date: str) -> None:
    print("\nTask states of the ingest run:")
    for task_id, ti in sorted(af.task_instances(INGEST, run_id).items()):
        print(f"  {task_id:42s} {ti['state']}  (tries: {ti['try_number']})")
    print(f"\n{METRICS} runs:")
    for run in af.runs(METRICS):
        print(f"  {run['dag_run_id']:80s} {run['state']:8s} conf={json.dumps(run['conf'])}")
    page = storage / "reports" / date / "report.html"
    print(f"\nReport: {page}\n  in Airflow's UI: {af.url}/reports/{date}")
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

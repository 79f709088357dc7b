"""process + metrics on a generated delivery, side by side with (a) a straightforward pandas row-by-row
implementation of the same rules and (b) DuckDB's plain CSV parse of the same files (the practical limit).

    .venv/bin/python benchmarks/process/bench.py --rows 5000000

Each contender runs in its own interpreter so that peak RSS (ru_maxrss) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from supermarket_dev.simulate import simulate

DATE = "2026-11-24"

CONTENDERS = {
    "supermarket process + metrics (DuckDB)": """
from supermarket.process import process
from supermarket.metrics import metrics
import datetime as dt
d = dt.date.fromisoformat(DATE)
r = process(STORAGE, 1, d)
m = metrics(STORAGE, 1, d)
RESULT = {"accepted": r.accepted, "quarantined": r.quarantined, "units_sold": m["units_sold"]}
""",
    "(a) pandas row by row, same rules": """
import glob, pandas as pd
from decimal import Decimal, InvalidOperation
import datetime as dt
files = sorted(glob.glob(f"{STORAGE}/raw/supermarket_1/{DATE}/data-*.csv"))
good, bad, seen = [], [], set()
for f in files:
    df = pd.read_csv(f, dtype=str, keep_default_na=False)
    for _, row in df.iterrows():
        reasons = []
        key = tuple(row)
        if key in seen:
            reasons.append("duplicate")
        seen.add(key)
        try:
            reg, promo = Decimal(row["regular_price"]), Decimal(row["promo_price"])
            if reg <= 0 or promo <= 0: reasons.append("price <= 0")
            if promo > reg: reasons.append("promo above regular")
        except InvalidOperation:
            reasons.append("price not a number")
        try:
            start, end = dt.date.fromisoformat(row["promo_start"]), dt.date.fromisoformat(row["promo_end"])
            if end < start: reasons.append("end before start")
        except ValueError:
            reasons.append("bad date")
        try:
            units = int(row["units_sold"])
            if units < 0: reasons.append("units < 0")
        except ValueError:
            reasons.append("units not int")
        if int(row["supermarket_id"]) != 1: reasons.append("wrong supermarket")
        (bad if reasons else good).append(key)
out = pd.DataFrame(good, columns=df.columns)
for c in ("regular_price", "promo_price"):
    out[c] = out[c].astype(float)
out["units_sold"] = out["units_sold"].astype(int)
out.to_parquet(f"{STORAGE}/pandas.parquet")
units = int(out["units_sold"].sum())
discount = (1 - out["promo_price"] / out["regular_price"]) * 100
_ = (len(out), discount.mean(), discount.max(), (out["promo_price"] * out["units_sold"]).sum())
RESULT = {"accepted": len(out), "quarantined": len(bad), "units_sold": units}
""",
    "(b) DuckDB plain CSV parse -> Parquet": """
import duckdb
con = duckdb.connect(config={"memory_limit": "512MB"})
src = f"{STORAGE}/raw/supermarket_1/{DATE}/data-*.csv"
con.execute(f"COPY (SELECT * FROM read_csv('{src}', header=true)) TO '{STORAGE}/plain.parquet' (FORMAT parquet)")
RESULT = {"rows": con.execute(f"SELECT count(*) FROM '{STORAGE}/plain.parquet'").fetchone()[0]}
""",
}

RUNNER = """
import json, resource, sys, time
STORAGE, DATE = sys.argv[1], sys.argv[2]
started = time.perf_counter()
exec(sys.stdin.read())
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "result": RESULT}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--skip-pandas", action="store_true", help="leave out (a), the slow one")
    args = parser.parse_args()
    storage = tempfile.mkdtemp(prefix="supermarket-bench-")
    try:
        cli = [sys.executable, "-m", "supermarket"]
        started = time.perf_counter()
        simulate(storage, DATE, [1], rows=args.rows, files=args.files)
        subprocess.run(
            [*cli, "copy-to-raw", "--storage", storage, "--supermarket", "1", "--date", DATE],
            check=True,
            capture_output=True,
        )
        size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(f"{storage}/raw") for f in fs)
        print(
            f"delivery: {args.rows:,} rows in {args.files} files, {size / 2**20:.0f} MiB "
            f"(generated in {time.perf_counter() - started:.1f} s)"
        )
        results = {}
        for name, code in CONTENDERS.items():
            if args.skip_pandas and name.startswith("(a)"):
                continue
            proc = subprocess.run(
                [sys.executable, "-c", RUNNER, storage, DATE], input=code, text=True, capture_output=True, check=True
            )
            results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
            r = results[name]
            print(
                f"{name:42s} {r['seconds']:8.1f} s  {args.rows / r['seconds'] / 1e6:6.2f} M rows/s  "
                f"peak RSS {r['peak_rss_mib']:6.0f} MiB  {r['result']}",
                flush=True,
            )
        ours = results["supermarket process + metrics (DuckDB)"]["seconds"]
        if "(a) pandas row by row, same rules" in results:
            print(
                f"speed-up over (a): {results['(a) pandas row by row, same rules']['seconds'] / ours:.1f}x "
                "(goal >= 10x)"
            )
        print(
            f"fraction of (b)'s speed: {results['(b) DuckDB plain CSV parse -> Parquet']['seconds'] / ours:.2f} "
            "(goal >= 0.3)"
        )
    finally:
        shutil.rmtree(storage, ignore_errors=True)


if __name__ == "__main__":
    main()

"""process + metrics on a generated delivery, side by side with what a user would pick instead:
(a) a straightforward pandas row-by-row implementation of the same rules (slow; --skip-pandas leaves it out),
(b) DuckDB's plain CSV parse of the same files (the practical limit, no rules),
(c) a vectorised pandas implementation of the same rules and (d) a polars one (lazy, streaming engine).

    .venv/bin/python benchmarks/process/bench.py --rows 5000000 --skip-pandas

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

# The same rules as supermarket.process (strict grammar, whitespace-only text is empty, bounds, exact
# duplicates, reasons for every rejected row, exact decimals), columns by name, as a competent engineer writes
# them with each library: whole-column operations, no per-row Python. Neither keeps the raw bytes of lines the
# parser refuses (pandas' C reader can only skip or fail them; polars fails), which the generated delivery has
# none of, so the comparison is fair on this input.
RULES = r"""
COLUMNS = ["promotion_id", "supermarket_id", "product_id", "product_name", "category", "regular_price",
           "promo_price", "promo_start", "promo_end", "units_sold"]
TEXT = ["promotion_id", "product_id", "product_name", "category"]
BLANK = r"[\t\n\x0b\x0c\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000 ]*"
PRICE = r"-?[0-9]{1,10}(\.[0-9]{1,2})?"
DATE_RE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
INT = r"-?[0-9]+"
"""

PANDAS_VECTORISED = (
    RULES
    + """
import glob, pandas as pd, pyarrow as pa, pyarrow.parquet as pq
files = sorted(glob.glob(f"{STORAGE}/raw/supermarket_1/{DATE}/data-*.csv"))
df = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False, na_filter=False, engine="c")[COLUMNS]
                for f in files], ignore_index=True)
checks = {}
for c in TEXT:
    checks[f"{c} is empty"] = df[c].str.fullmatch(BLANK)
prices = {}
for c in ("regular_price", "promo_price"):
    ok = df[c].str.fullmatch(PRICE)
    prices[c] = pd.to_numeric(df[c].where(ok), errors="coerce")
    checks[f"{c} is not a valid price"] = ~ok
    checks[f"{c} must be > 0"] = ok & (prices[c] <= 0)
dates = {}
for c in ("promo_start", "promo_end"):
    dates[c] = pd.to_datetime(df[c].where(df[c].str.fullmatch(DATE_RE)), format="%Y-%m-%d", errors="coerce")
    checks[f"{c} is not a date"] = dates[c].isna() | (dates[c] < "2000-01-01") | (dates[c] > "2099-12-31")
units_ok = df["units_sold"].str.fullmatch(INT) & (df["units_sold"].str.lstrip("-0").str.len() <= 10)
units = pd.to_numeric(df["units_sold"].where(units_ok), errors="coerce")
checks["units_sold is not an integer"] = ~units_ok
checks["units_sold out of range"] = units_ok & ((units < 0) | (units > 1_000_000_000))
sid_ok = df["supermarket_id"].str.fullmatch("[0-9]{1,9}")
checks["supermarket_id does not match"] = ~sid_ok | (pd.to_numeric(df["supermarket_id"].where(sid_ok)) != 1)
checks["promo_price is above regular_price"] = prices["promo_price"] > prices["regular_price"]
checks["promo_end is before promo_start"] = dates["promo_end"] < dates["promo_start"]
checks["exact duplicate of an earlier row"] = df.duplicated(keep="first")
mask = pd.DataFrame(checks)
bad = mask.any(axis=1).to_numpy()
rejected = df[bad].copy()
m = mask[bad]
reason = pd.Series("", index=m.index)
for name in m.columns:  # one vectorised step per rule, over the rejected rows only
    reason = reason.where(~m[name], reason + name + "; ")
rejected["reason"] = reason.str.removesuffix("; ")
good = df[~bad]
table = pa.Table.from_pandas(good, preserve_index=False)
types = {"supermarket_id": pa.int32(), "regular_price": pa.decimal128(12, 2), "promo_price": pa.decimal128(12, 2),
         "promo_start": pa.date32(), "promo_end": pa.date32(), "units_sold": pa.int64()}
table = pa.table({c: table[c].cast(types.get(c, pa.string())) for c in COLUMNS})
pq.write_table(table, f"{STORAGE}/pandas.parquet", compression="zstd")
pq.write_table(pa.Table.from_pandas(rejected, preserve_index=False), f"{STORAGE}/pandas-rejected.parquet",
               compression="zstd")
g = table.to_pandas()
for c in ("regular_price", "promo_price"):
    g[c] = g[c].astype(float)
g["discount"] = (1 - g["promo_price"] / g["regular_price"]) * 100
g["revenue"] = g["promo_price"] * g["units_sold"]
per_category = g.groupby("category").agg(promotions=("promotion_id", "size"), avg=("discount", "mean"),
                                          mx=("discount", "max"), units=("units_sold", "sum"), rev=("revenue", "sum"))
RESULT = {"accepted": len(good), "quarantined": int(bad.sum()), "units_sold": int(g["units_sold"].sum())}
"""
)

POLARS = (
    RULES
    + """
import glob, polars as pl
files = sorted(glob.glob(f"{STORAGE}/raw/supermarket_1/{DATE}/data-*.csv"))
lf = pl.concat([pl.scan_csv(f, infer_schema=False).select(COLUMNS)
                for f in files])
def full(c, pattern):
    return pl.col(c).str.contains(f"^(?:{pattern})$").fill_null(False)  # an empty field reads as null
price = {c: pl.when(full(c, PRICE)).then(pl.col(c).cast(pl.Decimal(12, 2), strict=False)) for c in
         ("regular_price", "promo_price")}
date = {c: pl.when(full(c, DATE_RE)).then(pl.col(c).str.to_date("%Y-%m-%d", strict=False)) for c in
        ("promo_start", "promo_end")}
units_ok = full("units_sold", INT) & (pl.col("units_sold").str.strip_chars_start("-0").str.len_chars() <= 10)
units = pl.when(units_ok).then(pl.col("units_sold").cast(pl.Int64, strict=False))
lo, hi = pl.date(2000, 1, 1), pl.date(2099, 12, 31)
checks = [(pl.col(c).is_null() | full(c, BLANK), f"{c} is empty") for c in TEXT]
checks += [(~full(c, PRICE), f"{c} is not a valid price") for c in price]
checks += [(price[c] <= 0, f"{c} must be > 0") for c in price]
checks += [(date[c].is_null() | (date[c] < lo) | (date[c] > hi), f"{c} is not a date") for c in date]
checks += [(~units_ok, "units_sold is not an integer"), (units < 0, "units_sold must be >= 0"),
           (units > 1_000_000_000, "units_sold out of range"),
           (~full("supermarket_id", "[0-9]{1,9}") | (pl.col("supermarket_id").cast(pl.Int64, strict=False) != 1),
            "supermarket_id does not match"),
           (price["promo_price"] > price["regular_price"], "promo_price is above regular_price"),
           (date["promo_end"] < date["promo_start"], "promo_end is before promo_start"),
           (~pl.struct(COLUMNS).is_first_distinct(), "exact duplicate of an earlier row")]
reason = pl.concat_str([pl.when(cond.fill_null(False)).then(pl.lit(text)) for cond, text in checks],
                       separator="; ", ignore_nulls=True)
checked = lf.with_columns(reason.alias("reason")).collect(engine="streaming")
good = checked.filter(pl.col("reason") == "").select(
    *[pl.col(c) for c in ("promotion_id",)], pl.col("supermarket_id").cast(pl.Int32), pl.col("product_id"),
    pl.col("product_name"), pl.col("category"), price["regular_price"], price["promo_price"], date["promo_start"],
    date["promo_end"], units.alias("units_sold"))
bad = checked.filter(pl.col("reason") != "")
good.write_parquet(f"{STORAGE}/polars.parquet", compression="zstd")
bad.write_parquet(f"{STORAGE}/polars-rejected.parquet", compression="zstd")
discount = (1 - pl.col("promo_price").cast(pl.Float64) / pl.col("regular_price").cast(pl.Float64)) * 100
per_category = good.group_by("category").agg(
    pl.len().alias("promotions"), discount.mean().alias("avg"), discount.max().alias("max"),
    pl.col("units_sold").sum(), (pl.col("promo_price") * pl.col("units_sold")).sum().alias("revenue"))
RESULT = {"accepted": good.height, "quarantined": bad.height, "units_sold": int(good["units_sold"].sum())}
"""
)

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
    "(c) pandas vectorised, same rules": PANDAS_VECTORISED,
    "(d) polars, same rules": POLARS,
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
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.perf_counter() - started, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "peak_rss_mib": usage.ru_maxrss / 1024, "result": RESULT}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--skip-pandas", action="store_true", help="leave out (a), the slow one")
    parser.add_argument("--only", action="append", help="run only contenders whose name contains this")
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
            if args.only and not any(o in name for o in args.only):
                continue
            proc = subprocess.run(
                [sys.executable, "-c", RUNNER, storage, DATE], input=code, text=True, capture_output=True
            )
            if proc.returncode != 0:
                raise SystemExit(f"{name} failed:\n{proc.stderr}")
            results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
            r = results[name]
            print(
                f"{name:42s} {r['seconds']:8.1f} s  (CPU {r['cpu_seconds']:6.1f} s)  "
                f"{args.rows / r['seconds'] / 1e6:6.2f} M rows/s  "
                f"peak RSS {r['peak_rss_mib']:6.0f} MiB  {r['result']}",
                flush=True,
            )
        ours = results.get("supermarket process + metrics (DuckDB)")
        if ours:
            for name, r in results.items():
                if name.startswith("(") and not name.startswith("(b)"):
                    print(
                        f"vs {name}: {r['seconds'] / ours['seconds']:.2f}x faster, "
                        f"{r['peak_rss_mib'] / ours['peak_rss_mib']:.2f}x the memory of ours"
                    )
            plain = results.get("(b) DuckDB plain CSV parse -> Parquet")
            if plain:
                print(
                    f"fraction of (b)'s speed: {plain['seconds'] / ours['seconds']:.2f} by wall time, "
                    f"{plain['cpu_seconds'] / ours['cpu_seconds']:.2f} by CPU time (goal >= 0.5)"
                )
    finally:
        shutil.rmtree(storage, ignore_errors=True)


if __name__ == "__main__":
    main()

"""metrics: per supermarket and date, what an analyst wants to know about the promotions.

`metrics.parquet` has one row per category; `summary.json` has the totals. Both written atomically.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from . import engine
from .errors import BadInputError
from .layout import METRICS, METRICS_FILE, PROCESSED, PROMOTIONS_FILE, SUMMARY_FILE, Layout
from .logs import log
from .storage import Location

_DISCOUNT = "(1 - promo_price / regular_price) * 100"
_AGGREGATES = f"""
    count(*) AS promotions,
    round(avg({_DISCOUNT}), 2)::DOUBLE AS avg_discount_pct,
    round(max({_DISCOUNT}), 2)::DOUBLE AS max_discount_pct,
    sum(units_sold)::BIGINT AS units_sold,
    round(sum(promo_price * units_sold), 2)::DOUBLE AS promo_revenue,
    round(sum((regular_price - promo_price) * units_sold), 2)::DOUBLE AS customer_savings
"""
TOP_CATEGORIES = 3
# The columns _AGGREGATES produces, in order (the report's table reuses them).
METRIC_NAMES = ("promotions", "avg_discount_pct", "max_discount_pct", "units_sold", "promo_revenue", "customer_savings")


def metrics(storage: str, supermarket_id: int, date: dt.date) -> dict[str, Any]:
    started = time.monotonic()
    layout = Layout(storage)
    processed = Location.of(layout.partition(PROCESSED, supermarket_id, date))
    source = processed.child(PROMOTIONS_FILE)
    # process writes its summary last: without it the processed set is incomplete (or a run was killed).
    if not processed.child(SUMMARY_FILE).exists() or not source.exists():
        raise BadInputError("no processed promotions for this delivery: run process first", file=source.path)
    target = Location.of(layout.partition(METRICS, supermarket_id, date))
    # Same rule for our own outputs: the summary goes first and comes back last; a killed run's leftovers go.
    if target.child(SUMMARY_FILE).exists():
        target.fs.rm(target.child(SUMMARY_FILE).path)
    target.remove_leftovers(".")
    con = engine.connect(source, target)
    con.execute(f"CREATE TEMP VIEW promotions AS SELECT * FROM read_parquet({engine.quote(source.url)})")
    header = f"{supermarket_id}::INTEGER AS supermarket_id, DATE '{date}' AS date"
    with target.child(METRICS_FILE).atomic_local_file() as out:
        con.execute(
            f"COPY (SELECT {header}, category, {_AGGREGATES} FROM promotions GROUP BY category "
            f"ORDER BY units_sold DESC, category) TO {engine.quote(out)} (FORMAT parquet)"
        )
    row = con.execute(f"SELECT {_AGGREGATES} FROM promotions").fetchone()
    assert row is not None
    totals: dict[str, Any] = dict(zip(METRIC_NAMES, row, strict=True))
    top = con.execute(
        "SELECT category FROM promotions GROUP BY category ORDER BY sum(units_sold) DESC, category "
        f"LIMIT {TOP_CATEGORIES}"
    ).fetchall()
    summary = {
        "supermarket_id": supermarket_id,
        "date": date.isoformat(),
        **{k: (v if v is not None else 0) for k, v in totals.items()},
        "top_categories": [c for (c,) in top],
    }
    target.child(SUMMARY_FILE).write_bytes_atomic(json.dumps(summary, indent=2).encode() + b"\n")
    log(
        "metrics",
        supermarket=supermarket_id,
        date=date,
        promotions=summary["promotions"],
        units_sold=summary["units_sold"],
        out=target.path,
        seconds=time.monotonic() - started,
    )
    return summary

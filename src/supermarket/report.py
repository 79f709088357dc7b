"""report: the daily cross-supermarket table (Parquet + JSON) and a page to look at (HTML, inline SVG)."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Sequence
from typing import Any

import duckdb

from . import engine
from .errors import BadInputError
from .layout import (
    LANDING,
    MANIFEST,
    METRICS,
    METRICS_FILE,
    PROCESSED,
    PROMOTIONS_FILE,
    RAW,
    REPORT_PAGE,
    REPORT_TABLE,
    REPORTS,
    SUCCESS_MARKER,
    SUMMARY_FILE,
    Layout,
    parse_date,
)
from .logs import log
from .metrics import METRIC_NAMES
from .report_page import DELIVERED, FAILED, NOT_DELIVERED, Status, page
from .storage import Location

COLUMNS = ("supermarket_id", *METRIC_NAMES, "top_categories")
TREND_DAYS = 7


def _status(layout: Layout, supermarket_id: int, date: dt.date) -> Status:
    """Why a supermarket has no metrics, from what its partitions hold: the first missing output names the step."""
    landing = Location.of(layout.partition(LANDING, supermarket_id, date)).child(SUCCESS_MARKER)
    if not landing.exists():
        return Status(supermarket_id, NOT_DELIVERED)
    steps = (
        (RAW, MANIFEST, "copy_to_raw"),
        (PROCESSED, PROMOTIONS_FILE, "process"),
        (METRICS, SUMMARY_FILE, "create_metrics"),
    )
    for area, marker, step in steps:
        if not Location.of(layout.partition(area, supermarket_id, date)).child(marker).exists():
            return Status(supermarket_id, FAILED, step)
    return Status(supermarket_id, DELIVERED)


def _categories(layout: Layout, supermarket_ids: Sequence[int], date: dt.date) -> list[dict[str, Any]]:
    """Per category across the delivered supermarkets, from their metrics.parquet (one row per category)."""
    files = [Location.of(layout.partition(METRICS, s, date)).child(METRICS_FILE) for s in supermarket_ids]
    files = [f for f in files if f.exists()]
    if not files:
        return []
    con = engine.connect(*files)
    sources = ", ".join(engine.quote(f.url) for f in files)
    cursor = con.execute(
        "SELECT category, sum(promotions)::BIGINT AS promotions, "
        "round(sum(avg_discount_pct * promotions) / sum(promotions), 2)::DOUBLE AS avg_discount_pct, "
        "sum(units_sold)::BIGINT AS units_sold, round(sum(promo_revenue), 2)::DOUBLE AS promo_revenue, "
        "round(sum(customer_savings), 2)::DOUBLE AS customer_savings "
        f"FROM read_parquet([{sources}]) GROUP BY category ORDER BY promo_revenue DESC, category"
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _day_totals(date: str, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "date": date,
        "supermarkets": len(rows),
        "units_sold": sum(int(r["units_sold"]) for r in rows),
        "promo_revenue": round(sum(float(r["promo_revenue"]) for r in rows), 2),
    }


def _trend(layout: Layout, date: dt.date, today: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last TREND_DAYS report days up to this one (earlier days from their summary.json), oldest first."""
    area = Location.of(layout.area(REPORTS))
    earlier = sorted(n for n in area.list_names() if _is_date(n) and n < date.isoformat())
    days = []
    for name in earlier[-(TREND_DAYS - 1) :]:
        summary = area.child(name).child(SUMMARY_FILE)
        if summary.exists():
            days.append(_day_totals(name, json.loads(summary.read_bytes())["supermarkets"]))
    return [*days, _day_totals(date.isoformat(), today)]


def _is_date(name: str) -> bool:
    try:
        parse_date(name)
    except ValueError:
        return False
    return True


def report(storage: str, date: dt.date, supermarkets: Sequence[int]) -> dict[str, Any]:
    started = time.monotonic()
    layout = Layout(storage)
    rows: list[dict[str, Any]] = []
    missing: list[int] = []
    statuses: list[Status] = []
    for supermarket_id in supermarkets:
        metrics_summary = Location.of(layout.partition(METRICS, supermarket_id, date)).child(SUMMARY_FILE)
        if metrics_summary.exists():
            rows.append(json.loads(metrics_summary.read_bytes()))
            statuses.append(Status(supermarket_id, DELIVERED))
        else:
            missing.append(supermarket_id)
            statuses.append(_status(layout, supermarket_id, date))
    if not rows:
        raise BadInputError(
            f"no metrics for any of supermarkets {list(supermarkets)} on {date}: nothing to report",
            file=layout.area(METRICS),
        )
    target = Location.of(layout.report_partition(date))
    con = duckdb.connect()
    table = [{c: r[c] for c in COLUMNS} for r in rows]
    con.execute(
        "CREATE TABLE report (supermarket_id INTEGER, promotions BIGINT, avg_discount_pct DOUBLE, "
        "max_discount_pct DOUBLE, units_sold BIGINT, promo_revenue DOUBLE, customer_savings DOUBLE, "
        "top_categories VARCHAR[])"
    )
    con.executemany("INSERT INTO report VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [[r[c] for c in COLUMNS] for r in table])
    with target.child(REPORT_TABLE).atomic_local_file() as out:
        con.execute(
            f"COPY (SELECT DATE '{date}' AS date, * FROM report ORDER BY supermarket_id) "
            f"TO {engine.quote(out)} (FORMAT parquet)"
        )
    categories = _categories(layout, [r["supermarket_id"] for r in table], date)
    trend = _trend(layout, date, table)
    with target.child(REPORT_PAGE).atomic_local_file() as out, open(out, "w", encoding="utf-8") as fh:
        fh.write(page(date, table, statuses, categories, trend))
    summary = {
        "date": date.isoformat(),
        "supermarkets": table,
        "missing": missing,
        "statuses": [s.as_dict() for s in statuses],
        "categories": categories,
        "trend": trend,
    }
    target.child(SUMMARY_FILE).write_bytes_atomic(json.dumps(summary, indent=2).encode() + b"\n")
    log(
        "report",
        date=date,
        supermarkets=len(rows),
        missing=",".join(map(str, missing)) or "none",
        out=target.path,
        seconds=time.monotonic() - started,
    )
    return summary

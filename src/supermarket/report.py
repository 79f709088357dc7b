"""report: the daily cross-supermarket table (Parquet + JSON) and a page to look at (HTML, inline SVG)."""

from __future__ import annotations

import datetime as dt
import html
import json
import time
from collections.abc import Sequence
from typing import Any

import duckdb

from . import engine
from .errors import BadInputError
from .layout import METRICS, REPORT_PAGE, REPORT_TABLE, SUMMARY_FILE, Layout
from .logs import log
from .metrics import METRIC_NAMES
from .storage import Location

COLUMNS = ("supermarket_id", *METRIC_NAMES, "top_categories")


def _bars(rows: list[dict[str, Any]], key: str, title: str) -> str:
    width, bar_h, gap, label_w = 520, 22, 8, 130
    peak = max((float(r[key]) for r in rows), default=0.0) or 1.0
    height = len(rows) * (bar_h + gap) + 30
    parts = [
        f'<svg width="{width}" height="{height}" role="img" aria-label="{html.escape(title)}">',
        f'<text x="0" y="16" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, r in enumerate(rows):
        y = 26 + i * (bar_h + gap)
        w = (width - label_w - 90) * float(r[key]) / peak
        parts += [
            f'<text x="0" y="{y + 16}">supermarket {r["supermarket_id"]}</text>',
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="#2b7a78"/>',
            f'<text x="{label_w + w + 6:.1f}" y="{y + 16}">{r[key]:,}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts)


def _page(date: dt.date, rows: list[dict[str, Any]], missing: list[int]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(', '.join(r[c]) if isinstance(r[c], list) else f'{r[c]:,}')}</td>" for c in COLUMNS
        )
        + "</tr>"
        for r in rows
    )
    note = f"<p>No metrics (yet) for supermarket(s): {', '.join(map(str, missing))}.</p>" if missing else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Supermarket promotions {date}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}</style></head>
<body><h1>Supermarket promotions — {date}</h1>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}
{_bars(rows, "promo_revenue", "Promo revenue")}
{_bars(rows, "units_sold", "Units sold")}
</body></html>
"""


def report(storage: str, date: dt.date, supermarkets: Sequence[int]) -> dict[str, Any]:
    started = time.monotonic()
    layout = Layout(storage)
    rows: list[dict[str, Any]] = []
    missing: list[int] = []
    for supermarket_id in supermarkets:
        metrics_summary = Location.of(layout.partition(METRICS, supermarket_id, date)).child(SUMMARY_FILE)
        if metrics_summary.exists():
            rows.append(json.loads(metrics_summary.read_bytes()))
        else:
            missing.append(supermarket_id)
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
    with target.child(REPORT_PAGE).atomic_local_file() as out, open(out, "w", encoding="utf-8") as fh:
        fh.write(_page(date, table, missing))
    summary = {"date": date.isoformat(), "supermarkets": table, "missing": missing}
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

"""The report page: one self-contained HTML file (inline CSS and SVG, no script, no external asset).

Every data value goes through `html.escape` on its way in (category names come from the deliveries). Numbers are
shown with units and thousands separators; the SVG charts size themselves to their longest label, so no value
is cut at the chart's edge (tests/ui measures every text element in a real browser).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Column -> (heading, unit kind). The order is the table's.
COLUMNS: dict[str, tuple[str, str]] = {
    "supermarket_id": ("Supermarket", "id"),
    "promotions": ("Promotions", "count"),
    "avg_discount_pct": ("Average discount", "pct"),
    "max_discount_pct": ("Largest discount", "pct"),
    "units_sold": ("Units sold", "count"),
    "promo_revenue": ("Promotion revenue", "eur"),
    "customer_savings": ("Customer savings", "eur"),
    "top_categories": ("Top categories (units sold)", "list"),
}
DELIVERED = "delivered"
NOT_DELIVERED = "not delivered by the deadline"
FAILED = "delivered, failed in the pipeline"

# Chart geometry. FONT_PX text; CHAR_PX is a generous average glyph width for it (DejaVu Sans / Liberation
# digits are ~0.64 em): labels are given at least this much room. Text starts at MARGIN: a glyph's side
# bearing may reach left of its x.
FONT_PX = 13
CHAR_PX = 8.6
BAR_AREA = 360
BAR_H, GAP = 20, 8
MARGIN = 2


@dataclass(frozen=True)
class Status:
    supermarket_id: int
    status: str
    failed_step: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"supermarket_id": self.supermarket_id, "status": self.status, "failed_step": self.failed_step}


def fmt(value: Any, kind: str) -> str:
    """A value as a reader wants it: `€35,443,138.20`, `12.50 %`, `1,234`."""
    if value is None:
        return "—"
    if kind == "eur":
        return f"€{float(value):,.2f}"
    if kind == "pct":
        return f"{float(value):,.2f} %"
    if kind == "count":
        return f"{int(value):,}"
    if kind == "list":
        return ", ".join(str(v) for v in value)
    return str(value)


def e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _text_px(text: str, bold: bool = False) -> float:
    return len(text) * CHAR_PX * (1.1 if bold else 1.0)


def bars(title: str, items: Sequence[tuple[str, float, str]]) -> str:
    """A horizontal bar chart: (label, value, value as text) per bar; wide enough for every label."""
    label_w = MARGIN + max((_text_px(label) for label, _, _ in items), default=0) + 12
    value_w = max((_text_px(text) for _, _, text in items), default=0) + 12
    width = int(max(label_w + BAR_AREA + value_w, MARGIN + _text_px(title, bold=True) + 8))
    height = len(items) * (BAR_H + GAP) + 32
    peak = max((v for _, v, _ in items), default=0.0) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{e(title)}" font-family="sans-serif" font-size="{FONT_PX}">',
        f'<text x="{MARGIN}" y="16" font-weight="bold">{e(title)}</text>',
    ]
    for i, (label, value, text) in enumerate(items):
        y = 28 + i * (BAR_H + GAP)
        w = BAR_AREA * max(value, 0.0) / peak
        parts += [
            f'<text x="{MARGIN}" y="{y + 15}">{e(label)}</text>',
            f'<rect x="{label_w:.1f}" y="{y}" width="{w:.1f}" height="{BAR_H}" fill="#2b7a78"/>',
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}">{e(text)}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts)


def _table(headings: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "") -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _status_text(s: Status) -> str:
    return f"{s.status} (failed at {s.failed_step})" if s.failed_step else s.status


def page(
    date: dt.date,
    rows: Sequence[dict[str, Any]],
    statuses: Sequence[Status],
    categories: Sequence[dict[str, Any]],
    trend: Sequence[dict[str, Any]],
) -> str:
    totals = {
        "promotions": sum(int(r["promotions"]) for r in rows),
        "units_sold": sum(int(r["units_sold"]) for r in rows),
        "promo_revenue": sum(float(r["promo_revenue"]) for r in rows),
        "customer_savings": sum(float(r["customer_savings"]) for r in rows),
    }
    delivered = sum(1 for s in statuses if s.status == DELIVERED)
    headline = (
        f"{delivered} of {len(statuses)} supermarkets in the report · "
        f"{fmt(totals['promotions'], 'count')} promotions · {fmt(totals['units_sold'], 'count')} units sold · "
        f"{fmt(totals['promo_revenue'], 'eur')} promotion revenue · "
        f"{fmt(totals['customer_savings'], 'eur')} saved by customers"
    )
    status_rows = [
        (f"Supermarket {s.supermarket_id}", _status_text(s)) for s in sorted(statuses, key=lambda s: s.supermarket_id)
    ]
    status_cls = {DELIVERED: "ok", NOT_DELIVERED: "missing", FAILED: "failed"}
    status_table = (
        "<table><thead><tr><th>Supermarket</th><th>Status</th></tr></thead><tbody>"
        + "".join(
            f'<tr class="{status_cls[s.status]}"><td>{e(label)}</td><td>{e(text)}</td></tr>'
            for s, (label, text) in zip(sorted(statuses, key=lambda s: s.supermarket_id), status_rows, strict=True)
        )
        + "</tbody></table>"
    )
    metrics_table = _table(
        [h for h, _ in COLUMNS.values()],
        [[fmt(r[c], kind) for c, (_, kind) in COLUMNS.items()] for r in rows],
        "numbers text-last",
    )
    category_table = _table(
        ["Category", "Promotions", "Average discount", "Units sold", "Promotion revenue", "Customer savings"],
        [
            [
                c["category"],
                fmt(c["promotions"], "count"),
                fmt(c["avg_discount_pct"], "pct"),
                fmt(c["units_sold"], "count"),
                fmt(c["promo_revenue"], "eur"),
                fmt(c["customer_savings"], "eur"),
            ]
            for c in categories
        ],
        "numbers",
    )
    label = {r["supermarket_id"]: f"Supermarket {r['supermarket_id']}" for r in rows}
    charts = [
        bars(
            "Promotion revenue (€)",
            [(label[r["supermarket_id"]], float(r["promo_revenue"]), fmt(r["promo_revenue"], "eur")) for r in rows],
        ),
        bars(
            "Units sold",
            [(label[r["supermarket_id"]], float(r["units_sold"]), fmt(r["units_sold"], "count")) for r in rows],
        ),
    ]
    trend_chart = bars(
        f"Promotion revenue (€), last {len(trend)} report day(s)",
        [
            (f"{dt.date.fromisoformat(t['date']):%a %d %b}", float(t["promo_revenue"]), fmt(t["promo_revenue"], "eur"))
            for t in trend
        ],
    )
    trend_table = _table(
        ["Day", "Supermarkets reported", "Units sold", "Promotion revenue"],
        [
            [t["date"], fmt(t["supermarkets"], "count"), fmt(t["units_sold"], "count"), fmt(t["promo_revenue"], "eur")]
            for t in trend
        ],
        "numbers",
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Supermarket promotions {date}</title>
<style>
body{{font-family:sans-serif;margin:2em;color:#1b1b1b;max-width:80em}}
h1{{margin-bottom:.2em}}.headline{{font-size:1.1em;margin-top:0}}
table{{border-collapse:collapse;margin:.5em 0 1.5em}}
td,th{{border:1px solid #ccc;padding:4px 8px}}th{{background:#f2f2f2}}
table.numbers td{{text-align:right}}table.numbers td:first-child,table.text-last td:last-child{{text-align:left}}
tr.ok td:last-child{{color:#1d6b2f}}tr.missing td:last-child{{color:#8a5a00}}tr.failed td:last-child{{color:#b00020}}
.charts{{display:flex;flex-wrap:wrap;gap:2em}}
</style></head>
<body><h1>Supermarket promotions — {date:%A %-d %B %Y}</h1>
<p class="headline">{e(headline)}</p>
<h2>Deliveries</h2>
{status_table}
<h2>Per supermarket</h2>
{metrics_table}
<div class="charts">
{charts[0]}
{charts[1]}
</div>
<h2>Per category (all supermarkets)</h2>
{category_table}
<h2>Trend</h2>
{trend_chart}
{trend_table}
<p><small>Built {e(date.isoformat())} from the metrics of each supermarket (report.parquet and summary.json beside
this page hold the same numbers).</small></p>
</body></html>
"""

"""The report page: statuses, units, per-category breakdown, trend, escaping. Real CLI runs on real files; the
browser-side checks (nothing clipped, numbers visible) are in tests/ui."""

import datetime as dt
import json

from supermarket.report_page import Status, fmt, page

from .conftest import DATE, part, read_table

DAY_BEFORE = (dt.date.fromisoformat(DATE) - dt.timedelta(days=1)).isoformat()


def deliver(cli, date, supermarkets, steps=("copy-to-raw", "process", "metrics")):
    cli("simulate", "--date", date, "--supermarkets", supermarkets, "--rows", "400", check=True)
    for sm in supermarkets.split(","):
        for step in steps:
            cli(step, "--supermarket", sm, "--date", date, check=True)


def test_statuses_categories_and_trend(cli, storage):
    deliver(cli, DAY_BEFORE, "1")
    cli("report", "--date", DAY_BEFORE, "--supermarkets", "1", check=True)
    deliver(cli, DATE, "1,2")
    deliver(cli, DATE, "3", steps=("copy-to-raw",))  # delivered, then its process step never succeeded
    cli("report", "--date", DATE, "--supermarkets", "1,2,3,4", check=True)

    summary = json.loads((storage / "reports" / DATE / "summary.json").read_text())
    assert summary["missing"] == [3, 4]
    assert summary["statuses"] == [
        {"supermarket_id": 1, "status": "delivered", "failed_step": None},
        {"supermarket_id": 2, "status": "delivered", "failed_step": None},
        {"supermarket_id": 3, "status": "delivered, failed in the pipeline", "failed_step": "process"},
        {"supermarket_id": 4, "status": "not delivered by the deadline", "failed_step": None},
    ]
    categories = {c["category"]: c for c in summary["categories"]}
    for sm in (1, 2):
        for row in read_table(part(storage, "metrics", sm) / "metrics.parquet"):
            assert categories[row["category"]]["promotions"] >= row["promotions"]
    assert sum(c["promotions"] for c in summary["categories"]) == sum(r["promotions"] for r in summary["supermarkets"])
    assert [t["date"] for t in summary["trend"]] == [DAY_BEFORE, DATE]
    assert summary["trend"][1]["promo_revenue"] == round(sum(r["promo_revenue"] for r in summary["supermarkets"]), 2)

    html_page = (storage / "reports" / DATE / "report.html").read_text()
    for text in (
        "Supermarket 3",
        "delivered, failed in the pipeline (failed at process)",
        "Supermarket 4",
        "not delivered by the deadline",
        "Promotion revenue",
        "Average discount",
        fmt(summary["supermarkets"][0]["promo_revenue"], "eur"),
        fmt(summary["supermarkets"][0]["units_sold"], "count"),
        fmt(summary["supermarkets"][0]["avg_discount_pct"], "pct"),
        "Per category",
        "Trend",
    ):
        assert text in html_page, text
    assert "avg_discount_pct" not in html_page  # human column names only
    assert "<script" not in html_page and "http" not in html_page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_units_and_separators():
    assert fmt(35443138.2, "eur") == "€35,443,138.20"
    assert fmt(12.5, "pct") == "12.50 %"
    assert fmt(1234567, "count") == "1,234,567"


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>&"\''


def test_every_data_value_is_escaped():
    row = {
        "supermarket_id": 1,
        "promotions": 3,
        "avg_discount_pct": 10.0,
        "max_discount_pct": 20.0,
        "units_sold": 5,
        "promo_revenue": 9.5,
        "customer_savings": 1.25,
        "top_categories": [HOSTILE, "dairy"],
    }
    category = {
        "category": HOSTILE,
        "promotions": 3,
        "avg_discount_pct": 10.0,
        "units_sold": 5,
        "promo_revenue": 9.5,
        "customer_savings": 1.25,
    }
    trend = [{"date": DATE, "supermarkets": 1, "units_sold": 5, "promo_revenue": 9.5}]
    out = page(dt.date.fromisoformat(DATE), [row], [Status(1, "delivered")], [category], trend)
    assert "<script" not in out and "<img" not in out and "onerror=alert(1)>" not in out
    assert out.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") == 2  # the table cell and the category


def test_hostile_category_through_the_cli(cli, storage):
    deliver(cli, DATE, "1")
    summary_file = part(storage, "metrics", 1) / "summary.json"
    summary = json.loads(summary_file.read_text())
    summary["top_categories"] = [HOSTILE]
    summary_file.write_text(json.dumps(summary))
    cli("report", "--date", DATE, "--supermarkets", "1", check=True)
    out = (storage / "reports" / DATE / "report.html").read_text()
    assert "<script" not in out and "<img" not in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out

"""The reports as a person sees them: headless Chromium (Debian's, driven by Playwright's client) logs in to the
demo's Airflow, opens the reports view from the UI and the day's report, and takes screenshots
(.cache/artifacts/; the report's is copied to docs/report.png for the README). The page must show that day's
summary.json numbers, and no SVG text may reach past its chart's edge."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from supermarket.report_page import fmt
from supermarket_dev import ROOT
from supermarket_dev.airflow import PASSWORD, USER

from .conftest import DATE

# Debian's (/usr/bin/chromium); GitHub's Ubuntu runners name theirs chromium-browser.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOCS_SCREENSHOT = ROOT / "docs" / "report.png"

# Every <text> of every <svg>: its box in the SVG's own coordinates, and the SVG's width.
SVG_TEXT_BOXES = """() => [...document.querySelectorAll('svg')].flatMap((svg, i) =>
  [...svg.querySelectorAll('text')].map(t => {
    const b = t.getBBox();
    return {svg: i, text: t.textContent, x: b.x, right: b.x + b.width, width: svg.width.baseVal.value};
  }))"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "no chromium on PATH: make browser (scripts/install-browser.sh) installs Debian's"
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def logged_in(day, browser) -> Any:
    """A page logged in through Airflow's own login form, as a person would."""
    page = browser.new_page()
    page.goto(f"{day.af.url}/reports/{DATE}")
    page.wait_for_url("**/auth/login**")  # no session: sent to the login, and back afterwards
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/reports/{DATE}")
    return page


def test_the_days_report_shows_its_numbers_unclipped(day, logged_in, artifacts):
    page = logged_in
    page.wait_for_load_state("load")
    shot = artifacts / f"report-{DATE}.png"
    page.screenshot(path=str(shot), full_page=True)
    shutil.copyfile(shot, DOCS_SCREENSHOT)

    summary = json.loads((day.report_dir / "summary.json").read_text())
    body = page.inner_text("body")
    assert summary["supermarkets"], "the demo day has delivered supermarkets"
    for row in summary["supermarkets"]:
        for key, kind in (("promo_revenue", "eur"), ("units_sold", "count"), ("promotions", "count"),
                          ("avg_discount_pct", "pct"), ("customer_savings", "eur")):  # fmt: skip
            assert fmt(row[key], kind) in body, (row["supermarket_id"], key, fmt(row[key], kind))
    for status in summary["statuses"]:
        assert f"Supermarket {status['supermarket_id']}" in body
    assert "not delivered by the deadline" in body  # the demo's supermarket 4
    for category in summary["categories"]:
        assert category["category"] in body and fmt(category["promo_revenue"], "eur") in body
    assert [t["date"] for t in summary["trend"]] == ["2026-11-23", DATE]

    boxes = page.evaluate(SVG_TEXT_BOXES)
    assert len(boxes) >= 2 * len(summary["supermarkets"]) * 2  # labels and values of both charts at least
    clipped = [b for b in boxes if b["x"] < 0 or b["right"] > b["width"]]
    assert clipped == [], clipped


def test_the_reports_view_inside_airflows_ui(day, logged_in, artifacts):
    page = logged_in
    page.goto(f"{day.af.url}/plugin/supermarket-reports")
    frame = page.frame_locator("iframe").first
    link = frame.locator(f"a[href$='/reports/{DATE}']")
    link.wait_for(timeout=60_000)
    page.screenshot(path=str(artifacts / "reports-view.png"), full_page=True)
    link.click()
    frame.locator("h1").filter(has_text="Supermarket promotions").wait_for(timeout=60_000)
    page.screenshot(path=str(artifacts / "report-in-airflow-ui.png"), full_page=True)
    # The navigation entry: Airflow's own menu lists the view.
    page.goto(f"{day.af.url}/")
    page.get_by_role("button", name="Browse").click()
    page.get_by_role("menuitem", name="Supermarket reports").wait_for(timeout=30_000)
    page.screenshot(path=str(artifacts / "browse-menu.png"))


def test_the_clipping_check_sees_a_clipped_label(browser):
    """The measurement above is no formality: the issue's own example, a value cut at the chart's edge."""
    page = browser.new_page()
    page.set_content('<svg width="120" height="30"><text x="40" y="20">35,443,138.20</text></svg>')
    [box] = page.evaluate(SVG_TEXT_BOXES)
    assert box["right"] > box["width"]
    page.close()

"""The reports plugin in the demo's real Airflow (`airflow standalone`): Airflow's own authentication in front of
it, the days and pages served from the pipeline's storage, the navigation entry, and build_report's extra link."""

from __future__ import annotations

import json

import requests

from supermarket_pipeline.links import REPORTS_PATH
from supermarket_pipeline.schedule import REPORT_DAG_ID
from supermarket_reports.app import REPORT_DAG_ID as PLUGIN_REPORT_DAG_ID
from supermarket_reports.plugin import URL_PREFIX

from .conftest import DATE


def test_anonymous_and_forged_requests_are_refused(day):
    url = f"{day.af.url}/reports"
    for path in ("/", f"/{DATE}", f"/{DATE}/summary.json", "/latest"):
        anonymous = requests.get(url + path, timeout=10, allow_redirects=False)
        assert anonymous.status_code == 401, (path, anonymous.status_code, anonymous.text[:200])
        assert DATE not in anonymous.text and "Supermarket promotions" not in anonymous.text
        forged = requests.get(url + path, headers={"Authorization": "Bearer not.a.jwt"}, timeout=10)
        assert forged.status_code == 403, (path, forged.status_code)
        cookie = requests.get(url + path, cookies={"_token": "not.a.jwt"}, timeout=10)
        assert cookie.status_code == 403, (path, cookie.status_code)


def test_a_browser_without_a_session_is_sent_to_the_login(day):
    r = requests.get(f"{day.af.url}/reports/{DATE}", headers={"Accept": "text/html"}, timeout=10,
                     allow_redirects=False)  # fmt: skip
    assert r.status_code in (302, 303, 307), r.status_code
    assert "/auth/login" in r.headers["location"] and f"reports%2F{DATE}" in r.headers["location"]


def test_logged_in_users_see_the_days_and_the_report(day):
    af = day.af
    days = af.request("GET", "/reports/")
    assert days.status_code == 200 and f"/reports/{DATE}" in days.text
    assert f"/reports/{DATE}".replace(DATE, "2026-11-23") in days.text  # the earlier day, newest first
    assert days.text.index(DATE) < days.text.index("2026-11-23")
    page = af.request("GET", f"/reports/{DATE}")
    assert page.status_code == 200
    assert page.content == (day.report_dir / "report.html").read_bytes()
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none': no script at all
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    summary = af.request("GET", f"/reports/{DATE}/summary.json")
    assert summary.json() == json.loads((day.report_dir / "summary.json").read_text())
    latest = af.request("GET", "/reports/latest", allow_redirects=False)
    assert latest.headers["location"].endswith(f"/reports/{DATE}")
    for bad in ("2026-13-01", "..%2F..%2Fetc%2Fpasswd", "2026-11-01"):
        assert af.request("GET", f"/reports/{bad}").status_code == 404, bad


def test_the_plugin_is_loaded_with_its_navigation_entry(day):
    [plugin] = [p for p in day.af.get("/api/v2/plugins")["plugins"] if p["name"] == "supermarket_reports"]
    assert plugin["fastapi_apps"][0]["url_prefix"] == URL_PREFIX == REPORTS_PATH
    [view] = plugin["external_views"]
    assert view["destination"] == "nav" and view["href"] == f"{URL_PREFIX}/"
    assert PLUGIN_REPORT_DAG_ID == REPORT_DAG_ID


def test_build_report_links_to_its_days_report(day):
    links = day.af.get(f"/api/v2/dags/{REPORT_DAG_ID}/dagRuns/{day.report_run}/taskInstances/build_report/links")
    assert links["extra_links"] == {"Report": f"/reports/{DATE}"}

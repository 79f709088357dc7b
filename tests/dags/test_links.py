"""build_report's extra link: that day's report in the reports view (the end-to-end check, on a real run, is in
tests/ui/test_reports_plugin.py)."""

from __future__ import annotations

from supermarket_pipeline.links import ReportLink


def test_build_report_carries_the_report_link(dags):
    task = dags["supermarket_report"].get_task("build_report")
    assert "Report" in {link.name for link in task.operator_extra_links}


def test_the_link_is_the_rendered_date_below_the_api_base_path(dags, monkeypatch):
    task = dags["supermarket_report"].get_task("build_report")
    rendered = type("Rendered", (), {"arguments": [a if "{{" not in a else "2026-11-24" for a in task.arguments]})
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "http://127.0.0.1:8080")
    assert ReportLink().get_link(rendered, ti_key=None) == "/reports/2026-11-24"
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://airflow.example/team-a/")
    assert ReportLink().get_link(rendered, ti_key=None) == "/team-a/reports/2026-11-24"

"""The `build_report` task's extra link: that day's report in the reports view of Airflow's UI (the plugin in
src/supermarket_reports serves it at /reports/<date>).

Airflow 3 computes an extra link on the worker when the task ends and stores it as an XCom, so the API server
needs no copy of this class. The day comes from the task's rendered `--date` argument: the same value the step
itself ran with.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from airflow.sdk import BaseOperatorLink

REPORTS_PATH = "/reports"  # the plugin's url_prefix (src/supermarket_reports/plugin.py; a test compares them)


class ReportLink(BaseOperatorLink):
    name = "Report"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        arguments = list(operator.arguments)
        date = arguments[arguments.index("--date") + 1]
        from airflow.sdk.configuration import conf

        # The API server may live below a path (api.base_url http://host/airflow): keep that prefix.
        prefix = urlsplit(conf.get("api", "base_url", fallback="") or "").path.rstrip("/")
        return f"{prefix}{REPORTS_PATH}/{date}"

"""The Airflow plugin: the reports app mounted at /reports in the API server and a navigation entry that shows it
inside Airflow's UI (an iframe under /plugin/supermarket-reports; the app's own pages stay reachable directly)."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from .app import create_app

URL_PREFIX = "/reports"


class SupermarketReportsPlugin(AirflowPlugin):
    name = "supermarket_reports"
    # Plain lists, as AirflowPlugin declares them (the plugins manager edits them in place).
    fastapi_apps = [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "Supermarket reports"}]  # noqa: RUF012
    external_views = [  # noqa: RUF012
        {
            "name": "Supermarket reports",
            "href": f"{URL_PREFIX}/",
            "destination": "nav",
            "category": "browse",
            "url_route": "supermarket-reports",
        }
    ]

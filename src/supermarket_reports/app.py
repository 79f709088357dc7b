"""`/reports/` (the days with a report) and `/reports/<date>` (that day's report page) from the pipeline's storage.

Storage is the one the Airflow components see (`sensorStorageUrl`, else `storageUrl`, of the pipeline's settings
file that our chart mounts into every Airflow container): a local path (the data volume) or `s3://`, read through
the task package's storage layer. Every route needs a logged-in Airflow user allowed to read the report DAG's runs:
the UI's session cookie or an API token (`Authorization: Bearer`), checked by Airflow's own auth manager.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
from pathlib import Path
from typing import Any

from airflow.api_fastapi.app import get_auth_manager
from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails
from airflow.api_fastapi.core_api.security import GetUserDep
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from supermarket.errors import InfraError
from supermarket.layout import REPORT_PAGE, REPORTS, SUMMARY_FILE, Layout, parse_date
from supermarket.storage import Location

# The DAG whose read permission guards the reports (dags/supermarket_pipeline/schedule.py; a test compares them:
# git-sync ships the DAG package, not the image this plugin lives in).
REPORT_DAG_ID = "supermarket_report"
# Where the official chart mounts our chart's ConfigMap (charts/airflow/values.yaml), and its override.
CONFIG_FILE = Path("/etc/supermarket/pipeline.json")
CONFIG_FILE_VARIABLE = "SUPERMARKET_CONFIG_FILE"
STORAGE_VARIABLE = "SUPERMARKET_REPORTS_STORAGE_URL"
# The report is one self-contained page: no script, no external asset. The browser enforces that too, and only
# Airflow's own pages may frame it (the navigation entry shows it inside the UI).
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def storage_url() -> str:
    """Read per request: the kubelet updates the mounted settings file in place."""
    if os.environ.get(STORAGE_VARIABLE):
        return os.environ[STORAGE_VARIABLE]
    path = Path(os.environ.get(CONFIG_FILE_VARIABLE) or CONFIG_FILE)
    try:
        settings: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise HTTPException(503, f"pipeline settings unreadable at {path} ({exc}); set {STORAGE_VARIABLE}") from exc
    url = settings.get("sensorStorageUrl") or settings.get("storageUrl")
    if not url:
        raise HTTPException(503, f"no storageUrl in the pipeline settings {path}")
    return str(url)


def create_app() -> FastAPI:
    def allowed(user: GetUserDep) -> None:
        if not get_auth_manager().is_authorized_dag(
            method="GET", access_entity=DagAccessEntity.RUN, details=DagDetails(id=REPORT_DAG_ID), user=user
        ):
            raise HTTPException(403, f"not allowed to read the runs of {REPORT_DAG_ID}")

    app = FastAPI(title="Supermarket reports", dependencies=[Depends(allowed)], docs_url=None, redoc_url=None)

    @app.exception_handler(HTTPException)
    async def to_login(request: Request, exc: HTTPException) -> Response:
        """A browser without a session goes to Airflow's login and comes back; API clients get the 401."""
        if exc.status_code == 401 and "text/html" in request.headers.get("accept", ""):
            back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(get_auth_manager().get_url_login(next_url=back), 303)
        return await http_exception_handler(request, exc)

    @app.exception_handler(InfraError)
    async def storage_down(request: Request, exc: InfraError) -> Response:
        """Storage unreachable (object store down, volume not mounted): say so; a retry may help."""
        return JSONResponse({"detail": f"report storage unavailable: {exc}"}, status_code=503)

    @app.get("/", response_class=HTMLResponse)
    def days(request: Request) -> HTMLResponse:
        return HTMLResponse(index_page(report_days(storage_url()), str(request.url_for("day", date="X"))[:-1]),
                            headers=PAGE_HEADERS)  # fmt: skip

    # Before /{date}, which would take "latest" for a (bad) date.
    @app.get("/latest")
    def latest(request: Request) -> Response:
        known = report_days(storage_url())
        if not known:
            raise HTTPException(404, f"no report yet in {storage_url()}")
        return RedirectResponse(str(request.url_for("day", date=known[0].isoformat())))

    @app.get("/{date}", response_class=HTMLResponse, name="day")
    def day(date: str) -> Response:
        page = _partition(date).child(REPORT_PAGE)
        if not page.exists():
            raise HTTPException(404, f"no report for {date} (yet) in {storage_url()}")
        return HTMLResponse(page.read_bytes(), headers=PAGE_HEADERS)

    @app.get("/{date}/summary.json")
    def summary(date: str) -> Response:
        file = _partition(date).child(SUMMARY_FILE)
        if not file.exists():
            raise HTTPException(404, f"no report for {date} (yet) in {storage_url()}")
        return Response(file.read_bytes(), media_type="application/json", headers={"Cache-Control": "no-store"})

    return app


def _partition(date: str) -> Location:
    try:
        day = parse_date(date)
    except ValueError as exc:
        raise HTTPException(404, str(exc)) from None
    return Location.of(Layout(storage_url()).report_partition(day))


def report_days(storage: str) -> list[dt.date]:
    """The days that have a report page, newest first."""
    area = Location.of(Layout(storage).area(REPORTS))
    days = []
    for name in area.list_names():
        try:
            day = parse_date(name)
        except ValueError:
            continue  # not a partition (a temporary folder, a stray file)
        if area.child(name).child(REPORT_PAGE).exists():
            days.append(day)
    return sorted(days, reverse=True)


def index_page(days: list[dt.date], base: str) -> str:
    items = "".join(
        f'<li><a href="{html.escape(base + d.isoformat())}">{d:%A %-d %B %Y}</a> ({d.isoformat()})</li>' for d in days
    )
    body = f"<ul>{items}</ul>" if days else "<p>No report yet: the report DAG writes one a day after 18:00 UTC.</p>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Supermarket reports</title>
<style>body{{font-family:sans-serif;margin:2em}}li{{margin:.3em 0}}</style></head>
<body><h1>Supermarket reports</h1>{body}</body></html>
"""

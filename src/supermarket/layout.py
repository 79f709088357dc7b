"""The data layout: the only place that knows area names and partition paths.

Standard library only (the Airflow side imports it at sensor poke time). A storage root is a URL
(`file:///data`, `/data`, `s3://bucket/prefix`); every path below it is built here.

    landing/supermarket_<id>/<YYYY-MM-DD>/data-<k>.csv + _SUCCESS   what supermarkets deliver
    raw/supermarket_<id>/<YYYY-MM-DD>/ byte copies + _MANIFEST.json   immutable
    processed/supermarket_<id>/<YYYY-MM-DD>/promotions.parquet
    quarantine/supermarket_<id>/<YYYY-MM-DD>/rejected.parquet
    metrics/supermarket_<id>/<YYYY-MM-DD>/metrics.parquet + summary.json
    reports/<YYYY-MM-DD>/report.parquet + report.html + summary.json
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

LANDING = "landing"
RAW = "raw"
PROCESSED = "processed"
QUARANTINE = "quarantine"
METRICS = "metrics"
REPORTS = "reports"
AREAS = (LANDING, RAW, PROCESSED, QUARANTINE, METRICS, REPORTS)

SUCCESS_MARKER = "_SUCCESS"
MANIFEST = "_MANIFEST.json"
DATA_FILE_GLOB = "data-*.csv"
DATA_FILE_RE = re.compile(r"^data-[^/]+\.csv\Z")  # \Z: a trailing newline is part of the name
PROMOTIONS_FILE = "promotions.parquet"
REJECTED_FILE = "rejected.parquet"
METRICS_FILE = "metrics.parquet"
SUMMARY_FILE = "summary.json"
REPORT_TABLE = "report.parquet"
REPORT_PAGE = "report.html"


def parse_date(value: str) -> dt.date:
    """A partition date: ISO `YYYY-MM-DD` only, so paths are unambiguous."""
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):  # fromisoformat also takes 20261124, 2026-W48
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not a date (expected YYYY-MM-DD): {value!r}") from None


MAX_SUPERMARKET_ID = 999_999_999  # fits the INTEGER column (and nine digits in a data file)


def parse_supermarket_id(value: str | int) -> int:
    """Plain decimal digits only (int() would also take ' 1', '+1', '1_0', non-ASCII digits), 1 to the maximum."""
    text = str(value)
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_SUPERMARKET_ID:
        raise ValueError(f"not a supermarket id (expected an integer from 1 to {MAX_SUPERMARKET_ID}): {value!r}")
    return int(text)


def is_data_file(name: str) -> bool:
    return bool(DATA_FILE_RE.match(name))


@dataclass(frozen=True)
class Layout:
    """Paths under one storage root. `root` keeps its scheme (`file://`, `s3://`) or is a plain path."""

    root: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", self.root.rstrip("/") or "/")

    def area(self, area: str) -> str:
        if area not in AREAS:
            raise ValueError(f"unknown area {area!r}; known: {', '.join(AREAS)}")
        return f"{self.root}/{area}"

    def partition(self, area: str, supermarket_id: int, date: dt.date) -> str:
        return f"{self.area(area)}/supermarket_{supermarket_id}/{date.isoformat()}"

    def report_partition(self, date: dt.date) -> str:
        return f"{self.area(REPORTS)}/{date.isoformat()}"

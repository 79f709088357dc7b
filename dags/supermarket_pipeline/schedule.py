"""The DAGs' ids and schedules, written once for the DAG files, the tests and the demo. All times are UTC.

The report runs two hours after the ingest DAG and waits for the ingest run of the same day: its sensor's
`execution_delta` is derived from the two hours here, so moving either schedule cannot misalign them.
"""

from __future__ import annotations

import datetime as dt

INGEST_DAG_ID = "ingest_supermarket_data"
METRICS_DAG_ID = "create_metrics"
REPORT_DAG_ID = "supermarket_report"

# A DAG's timezone is its start date's: UTC here, whatever Airflow's core.default_timezone says.
START_DATE = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
INGEST_HOUR = 16  # deliveries start arriving at 16:00 UTC
REPORT_HOUR = 18


def daily_at(hour: int) -> str:
    """A cron expression for every day at `hour`:00 (UTC: the DAGs start at START_DATE)."""
    return f"0 {hour} * * *"


# A cron schedule's logical date in Airflow 3 is the run time itself, so the report run at REPORT_HOUR finds
# the same day's ingest run this far back.
REPORT_LOOKS_BACK = dt.timedelta(hours=REPORT_HOUR - INGEST_HOUR)

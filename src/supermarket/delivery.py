"""Is a supermarket's delivery complete? Used by Airflow's sensors and by `copy-to-raw`.

Standard library + fsspec only: the Airflow image imports this at sensor poke time without the task
image's dependencies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .layout import LANDING, SUCCESS_MARKER, Layout, is_data_file
from .storage import Location


@dataclass(frozen=True)
class DeliveryStatus:
    partition: str
    data_files: tuple[str, ...]
    has_success_marker: bool

    @property
    def complete(self) -> bool:
        # Both conditions, evaluated on concrete values: a glob *generator* is always truthy, which is the
        # classic bug of `data_files and success.exists()` that this avoids.
        return len(self.data_files) > 0 and self.has_success_marker

    def describe(self) -> str:
        if self.complete:
            return f"complete: {len(self.data_files)} data file(s) and {SUCCESS_MARKER} in {self.partition}"
        missing = []
        if not self.data_files:
            missing.append("no data-*.csv files")
        if not self.has_success_marker:
            missing.append(f"no {SUCCESS_MARKER} marker")
        return f"incomplete: {' and '.join(missing)} in {self.partition}"


def delivery_status(storage_url: str, supermarket_id: int, date: dt.date) -> DeliveryStatus:
    partition = Layout(storage_url).partition(LANDING, supermarket_id, date)
    names = Location.of(partition).list_names()
    data_files = tuple(n for n in names if is_data_file(n))
    return DeliveryStatus(partition, data_files, SUCCESS_MARKER in names)


def is_delivery_complete(storage_url: str, supermarket_id: int, date: dt.date | str) -> bool:
    """True only when at least one `data-*.csv` AND the `_SUCCESS` marker exist."""
    if isinstance(date, str):
        date = dt.date.fromisoformat(date)
    return delivery_status(storage_url, supermarket_id, date).complete

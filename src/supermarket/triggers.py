"""The deferrable delivery wait, run by Airflow's triggerer.

It lives in the task package because the triggerer imports triggers by class path from its own environment
(installed packages), not from the DAG bundle; the Airflow image installs this package (without dependencies)
for the sensors anyway. Only Airflow components import this module; the task image never does.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from .delivery import delivery_status


class DeliveryTrigger(BaseTrigger):
    """Polls storage from the triggerer, so a waiting delivery holds no worker slot at all."""

    def __init__(self, storage_url: str, supermarket_id: int, date: str, poll_seconds: float) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.storage_url, self.supermarket_id, self.date = storage_url, supermarket_id, date
        self.poll_seconds = poll_seconds

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "storage_url": self.storage_url,
                "supermarket_id": self.supermarket_id,
                "date": self.date,
                "poll_seconds": self.poll_seconds,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        date = dt.date.fromisoformat(self.date)
        while True:
            status = await asyncio.to_thread(delivery_status, self.storage_url, self.supermarket_id, date)
            self.log.info("%s", status.describe())
            if status.complete:
                yield TriggerEvent({"ready": True, "message": status.describe()})  # type: ignore[no-untyped-call]
                return
            await asyncio.sleep(self.poll_seconds)

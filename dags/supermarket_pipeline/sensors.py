"""Waiting for a supermarket's delivery: reschedule mode by default, deferrable by configuration.

The readiness check and the trigger live in the task package (`supermarket.delivery`, `supermarket.triggers`), and are
imported at poke time, not at DAG parse time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow.sdk import BaseSensorOperator

from .config import CONFIG, SENSOR_POOL, Config


def delivery_state(storage_url: str, supermarket_id: int, date: str) -> tuple[bool, str]:
    from supermarket.delivery import delivery_status

    status = delivery_status(storage_url, supermarket_id, dt.date.fromisoformat(date))
    return status.complete, status.describe()


class DeliverySensor(BaseSensorOperator):
    """Succeeds when at least one `data-*.csv` AND `_SUCCESS` exist for the supermarket and date."""

    template_fields = ("date",)

    def __init__(
        self, *, supermarket_id: int, date: str, storage_url: str, deferrable: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.supermarket_id, self.date, self.storage_url = supermarket_id, date, storage_url
        self.deferrable = deferrable

    def execute(self, context: Any) -> Any:
        if not self.deferrable:
            return super().execute(context)
        if self.poke(context):
            return None
        # Imported here: DAG files import nothing but Airflow and the standard library at parse time.
        from supermarket.triggers import DeliveryTrigger

        self.defer(
            trigger=DeliveryTrigger(
                self.storage_url,
                self.supermarket_id,
                self.date,
                self.poke_interval
                if isinstance(self.poke_interval, float | int)
                else self.poke_interval.total_seconds(),
            ),
            method_name="execute_complete",
            timeout=dt.timedelta(seconds=float(self.timeout)),
        )

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> None:
        self.log.info("%s", (event or {}).get("message", "delivery complete"))

    def poke(self, context: Any) -> bool:
        ready, message = delivery_state(self.storage_url, self.supermarket_id, self.date)
        self.log.info("%s", message)
        return ready


def delivery_sensor(supermarket_id: int, date: str, cfg: Config = CONFIG) -> DeliverySensor:
    return DeliverySensor(
        task_id=f"wait_for_supermarket_{supermarket_id}",
        supermarket_id=supermarket_id,
        date=date,
        storage_url=cfg.sensor_storage_url,
        deferrable=cfg.sensor_deferrable,
        mode="reschedule",  # between pokes the sensor holds no slot, so a backlog cannot deadlock the pools
        poke_interval=cfg.sensor_poke_interval,
        timeout=cfg.sensor_timeout,
        pool=SENSOR_POOL,
        retries=0,  # a timed-out delivery fails its branch; the other supermarkets go on
    )

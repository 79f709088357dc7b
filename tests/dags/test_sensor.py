"""The delivery sensor and its deferrable trigger on partial and complete deliveries."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

DATE = "2026-11-24"


def landing(storage, supermarket=1):
    path = storage / "landing" / f"supermarket_{supermarket}" / DATE
    path.mkdir(parents=True, exist_ok=True)
    return path


def sensor(storage, **kwargs):
    from supermarket_pipeline.sensors import DeliverySensor

    return DeliverySensor(
        task_id="wait",
        supermarket_id=1,
        date=DATE,
        storage_url=str(storage),
        poke_interval=60,
        timeout=600,
        mode="reschedule",
        **kwargs,
    )


@pytest.mark.parametrize(
    "files,success,ready",
    [
        ([], False, False),
        (["data-1.csv"], False, False),  # files still arriving
        ([], True, False),  # marker without data: the book's generator bug would say ready
        (["notes.txt"], True, False),
        (["data-1.csv", "data-2.csv"], True, True),
    ],
)
def test_poke_on_partial_deliveries(tmp_path, files, success, ready):
    path = landing(tmp_path)
    for name in files:
        (path / name).write_text("x")
    if success:
        (path / "_SUCCESS").write_text("")
    assert sensor(tmp_path).poke({}) is ready


def test_trigger_fires_only_when_the_delivery_completes(tmp_path):
    from supermarket.triggers import DeliveryTrigger

    trigger = DeliveryTrigger(str(tmp_path), 1, DATE, poll_seconds=0.05)
    classpath, kwargs = trigger.serialize()
    assert classpath == "supermarket.triggers.DeliveryTrigger"  # importable by the triggerer
    assert DeliveryTrigger(**kwargs).serialize() == (classpath, kwargs)

    async def scenario():
        gen = trigger.run()
        first = asyncio.ensure_future(gen.__anext__())
        await asyncio.sleep(0.3)
        assert not first.done()  # nothing delivered yet: still polling
        path = landing(tmp_path)
        (path / "data-1.csv").write_text("x")
        await asyncio.sleep(0.3)
        assert not first.done()  # files without _SUCCESS are not a delivery
        (path / "_SUCCESS").write_text("")
        return await asyncio.wait_for(first, timeout=5)

    event = asyncio.run(scenario())
    assert event.payload["ready"] is True


def test_deferrable_sensor_defers_when_not_ready(tmp_path):
    from airflow.sdk.exceptions import TaskDeferred

    with pytest.raises(TaskDeferred) as info:
        sensor(tmp_path, deferrable=True).execute({})
    assert type(info.value.trigger).__name__ == "DeliveryTrigger"
    assert info.value.timeout == dt.timedelta(seconds=600)

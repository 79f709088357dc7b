"""One demo day for the UI tests: the same `demo_day` as `make demo`, shortened (fewer rows, supermarkets a few
seconds apart, a one-minute delivery deadline), its Airflow kept running while the tests look at it. The report
of the day before is written first, so the trend has two days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from supermarket_dev import ROOT
from supermarket_dev.demo import DemoDay, demo_day

DATE = "2026-11-24"
ARTIFACTS = ROOT / ".cache" / "artifacts"


def _earlier_day(storage: Path) -> None:
    """The day before, through the task package's steps in this process (supermarkets 1-3), so the report has a
    trend; the demo day itself runs them as Airflow tasks."""
    from supermarket.metrics import metrics
    from supermarket.process import process
    from supermarket.raw import copy_to_raw
    from supermarket.report import report
    from supermarket.simulate import simulate

    before = dt.date.fromisoformat(DATE) - dt.timedelta(days=1)
    simulate(str(storage), before, [1, 2, 3], rows=1500, seed=7)  # other numbers than the demo day
    for sm in (1, 2, 3):
        copy_to_raw(str(storage), sm, before)
        process(str(storage), sm, before)
        metrics(str(storage), sm, before)
    report(str(storage), before, [1, 2, 3])


@pytest.fixture(scope="session")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoDay]:
    home = tmp_path_factory.mktemp("demo")
    _earlier_day(home / "data")
    with demo_day(home, DATE, poke_interval=60, sensor_timeout=60, delivery_delay=5, rows=2000) as demo:
        assert demo.report_state == "success", f"report run {demo.report_run}: {demo.report_state}"
        yield demo


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS

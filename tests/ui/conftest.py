"""One demo day for the UI tests: the same `demo_day` as `make demo`, shortened (fewer rows, supermarkets a few
seconds apart, a one-minute delivery deadline), its Airflow kept running while the tests look at it. The report
of the day before is written first, so the trend has two days."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from supermarket_dev import ROOT
from supermarket_dev.demo import DemoDay, demo_day

DATE = "2026-11-24"
ARTIFACTS = ROOT / ".cache" / "artifacts"


def _earlier_day(storage: Path) -> None:
    """The day before, through the task CLI (supermarkets 1-3), so the report has a trend."""
    before = (dt.date.fromisoformat(DATE) - dt.timedelta(days=1)).isoformat()

    def cli(*args: str) -> None:
        argv = [sys.executable, "-m", "supermarket", args[0], "--storage", str(storage), "--date", before, *args[1:]]
        subprocess.run(argv, check=True, capture_output=True, timeout=300)

    cli("simulate", "--supermarkets", "1,2,3", "--rows", "1500")
    for sm in ("1", "2", "3"):
        for step in ("copy-to-raw", "process", "metrics"):
            cli(step, "--supermarket", sm)
    cli("report", "--supermarkets", "1,2,3")


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

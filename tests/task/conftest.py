"""Helpers for the task-code tests: run the real CLI in a subprocess, read outputs with pyarrow."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

DATE = "2026-11-24"
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def storage(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def cli(storage: Path) -> Run:
    """`cli("process", "--supermarket", "1")` runs `supermarket process --storage <tmp> ...`."""

    def run(
        command: str, *args: str, check: bool = False, storage_url: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "supermarket", command, "--storage", storage_url or str(storage), *args]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        if check and proc.returncode != 0:
            raise AssertionError(f"{argv} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        return proc

    return run


def part(storage: Path, area: str, supermarket: int = 1, date: str = DATE) -> Path:
    return storage / area / f"supermarket_{supermarket}" / date


def read_table(path: Path) -> list[dict[str, object]]:
    return pq.read_table(path).to_pylist()  # type: ignore[no-any-return]

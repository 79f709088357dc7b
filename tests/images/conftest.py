"""Real Docker: the images built by `make images` (scripts/build-images.sh), a real PostgreSQL from Debian."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from supermarket_dev import ROOT
from supermarket_dev.ports import free_port, listening
from supermarket_dev.waiting import wait_until

__all__ = ["ROOT", "docker", "inspect"]
TAG = os.environ.get("IMAGE_TAG", "dev")
TASK_IMAGE = f"supermarket-task:{TAG}"
AIRFLOW_IMAGE = f"supermarket-airflow:{TAG}"


def docker(*args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def inspect(image: str) -> dict[str, object]:
    proc = docker("image", "inspect", image, check=False)
    if proc.returncode != 0:
        pytest.fail(f"image {image} not found: build it first with `make images` ({proc.stderr.strip()})")
    return json.loads(proc.stdout)[0]  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def task_image() -> str:
    inspect(TASK_IMAGE)
    return TASK_IMAGE


@pytest.fixture(scope="session")
def airflow_image() -> str:
    inspect(AIRFLOW_IMAGE)
    return AIRFLOW_IMAGE


@pytest.fixture
def volume() -> Iterator[Path]:
    """A host directory the containers' non-root users can write to."""
    path = Path(tempfile.mkdtemp(prefix="supermarket-volume-"))
    path.chmod(0o777)
    yield path
    # Files were written by container users; remove them from a container rather than needing root here.
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A throw-away PostgreSQL cluster from Debian's packages on a free loopback port; yields its URL."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not bins:
        pytest.fail("PostgreSQL is not installed: run scripts/install-test-deps.sh (apt-get install postgresql)")
    bin_dir = bins[-1]
    data = Path(tempfile.mkdtemp(prefix="supermarket-pg-"))
    shutil.chown(data, "postgres", "postgres")
    port = free_port()

    def as_postgres(*cmd: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True, capture_output=True, text=True)

    as_postgres(str(bin_dir / "initdb"), "-D", str(data / "db"), "--auth=trust", "-U", "postgres")
    as_postgres(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data / "db"),
        "-l",
        str(data / "log"),
        "-w",
        "start",
        "-o",
        f"-p {port} -k {data} -c listen_addresses=127.0.0.1",
    )
    try:
        wait_until(f"PostgreSQL to listen on port {port}", lambda: listening(port), 30, 0.5)
        as_postgres(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "airflow")
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/airflow"
    finally:
        as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "stop")
        shutil.rmtree(data, ignore_errors=True)

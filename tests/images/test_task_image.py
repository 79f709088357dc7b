"""The task image runs the pipeline as its non-root user on a read-only root filesystem."""

from __future__ import annotations

import json

import pyarrow.parquet as pq

from .conftest import docker, inspect

DATE = "2026-11-24"


def run(image: str, volume, *args: str, check: bool = True):
    return docker(
        "run",
        "--rm",
        "--read-only",
        "--tmpfs",
        "/tmp",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "-v",
        f"{volume}:/data",
        image,
        *args,
        check=check,
    )


def test_pipeline_steps_run_in_the_image_and_outputs_are_correct(task_image, volume):
    storage = ["--storage", "/data"]
    run(task_image, volume, "simulate", *storage, "--date", DATE, "--supermarkets", "1", "--rows", "1000")
    for step in ("copy-to-raw", "process", "metrics"):
        run(task_image, volume, step, *storage, "--supermarket", "1", "--date", DATE)
    run(task_image, volume, "report", *storage, "--date", DATE, "--supermarkets", "1")
    promotions = pq.read_table(volume / "processed" / "supermarket_1" / DATE / "promotions.parquet")
    assert promotions.num_rows == 1000
    summary = json.loads((volume / "metrics" / "supermarket_1" / DATE / "summary.json").read_text())
    assert summary["promotions"] == 1000
    assert summary["units_sold"] == sum(promotions.column("units_sold").to_pylist())
    assert (volume / "reports" / DATE / "report.html").exists()
    owners = {p.stat().st_uid for p in volume.rglob("*") if p.is_file()}
    assert owners == {10001}  # written by the image's non-root user


def test_bad_delivery_returns_the_bad_input_exit_code(task_image, volume):
    run(
        task_image,
        volume,
        "simulate",
        "--storage",
        "/data",
        "--date",
        DATE,
        "--supermarkets",
        "1",
        "--rows",
        "10",
        "--bad",
        "missing-success",
    )
    proc = run(
        task_image, volume, "copy-to-raw", "--storage", "/data", "--supermarket", "1", "--date", DATE, check=False
    )
    assert proc.returncode == 65
    assert "incomplete delivery" in proc.stderr


def test_image_metadata_and_hygiene(task_image):
    meta = inspect(task_image)
    config = meta["Config"]
    assert config["User"] == "10001:10001"
    assert config["Entrypoint"] == ["supermarket"]
    labels = config["Labels"]
    for key in ("source", "revision", "version"):
        assert labels[f"org.opencontainers.image.{key}"]
    size_mb = meta["Size"] / 1e6
    print(f"\n{task_image}: {size_mb:.0f} MB uncompressed")
    assert size_mb < 250
    found = docker(
        "run",
        "--rm",
        "--entrypoint",
        "sh",
        task_image,
        "-c",
        "command -v gcc cc pip; ls /root/.cache 2>/dev/null; find / -xdev -name '*.whl' 2>/dev/null; id -u; id -g",
        check=False,
    ).stdout.split()
    assert found == ["10001", "10001"]  # no compilers, pip, caches or wheels; only the uid/gid lines


def test_help_documents_the_exit_codes(task_image):
    out = docker("run", "--rm", task_image, "--help").stdout
    assert "65" in out and "75" in out

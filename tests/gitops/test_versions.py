"""Versions that repeat across files (Airflow, the official chart, Kubernetes) agree with scripts/versions.json,
and scripts/versions.py bumps every place of one of them (tried on a copy of the files it lists)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from supermarket_dev import ROOT

SCRIPT = ROOT / "scripts" / "versions.py"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60)


def copy_of_listed_files(target: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", f"import runpy; m = runpy.run_path({str(SCRIPT)!r}); "
         "print('\\n'.join(sorted({f for p in m['PLACES'].values() for f, _ in p})))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    for name in [*proc.stdout.split(), "scripts/versions.json"]:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, target / name)


def test_repeated_versions_agree():
    proc = run()
    assert proc.returncode == 0, proc.stderr
    assert "versions agree" in proc.stdout


def test_a_bump_reaches_every_place_and_a_stray_one_is_caught(tmp_path):
    copy_of_listed_files(tmp_path)
    for name, version in (("airflow", "3.4.0"), ("airflow-chart", "1.23.1"), ("kubernetes", "1.36.1")):
        proc = run(name, version, "--root", str(tmp_path))
        assert proc.returncode == 0, proc.stderr
        assert f'"{version}"' in (tmp_path / "scripts/versions.json").read_text()
    assert "k8s.io/api v0.36.1" in (tmp_path / "k8s-tests/cluster/build/go.mod").read_text()
    assert '"KUBERNETES_VERSION", "1.36.0"' in (tmp_path / "tests/charts/conftest.py").read_text()
    # One place left behind (edited by hand) fails the check and is named.
    values = tmp_path / "charts/airflow/values.yaml"
    values.write_text(values.read_text().replace('airflowVersion: "3.4.0"', 'airflowVersion: "3.3.2"'))
    proc = run("--root", str(tmp_path))
    assert proc.returncode == 1 and "charts/airflow/values.yaml" in proc.stderr, proc.stderr

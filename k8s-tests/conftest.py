"""The e2e suite runs against the current kube context (KUBECONFIG): kind for users, the air-gapped cluster of
cluster/cluster.py here. See deploy.py for the one setting that says where Airflow comes from."""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from deploy import NAMESPACE, TASK_NAMESPACE, Deployment, deployment
from kube import ROOT, diagnostics, kubectl
from services import NAMESPACE as SERVICES_NAMESPACE

RESULTS = ROOT / ".cache" / "e2e" / "measurements.json"
MEASUREMENTS: dict[str, Any] = {}


def pytest_configure(config: pytest.Config) -> None:
    if config.option.collectonly:
        return  # listing the tests needs no cluster
    # Fail early and clearly instead of timing out test by test.
    probe = kubectl("get", "--raw", "/readyz", check=False)
    if probe.returncode != 0:
        raise pytest.UsageError(
            "k8s-tests need a cluster in the current kube context (kind: `make kind-up`; air-gapped: "
            f"`k8s-tests/cluster/cluster.py up` and its KUBECONFIG): {probe.stderr.strip()}"
        )


@pytest.fixture(scope="session")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    with deployment(tmp_path_factory.mktemp("e2e")) as d:
        yield d


@pytest.fixture(scope="session")
def measurements() -> Iterator[dict[str, Any]]:
    yield MEASUREMENTS
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(MEASUREMENTS, indent=2, default=str))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        report.sections.append(("kubernetes", diagnostics(TASK_NAMESPACE, NAMESPACE, SERVICES_NAMESPACE)))
        log = getattr(item.funcargs.get("deployed"), "log", None) if hasattr(item, "funcargs") else None
        if log is not None and Path(log).exists():
            tail = "\n".join(Path(log).read_text(errors="replace").splitlines()[-80:])
            report.sections.append(("airflow standalone log (tail)", tail))
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if MEASUREMENTS:
        terminalreporter.section("e2e measurements (reported, not asserted)")
        terminalreporter.write_line(json.dumps(MEASUREMENTS, indent=2, default=str))
        terminalreporter.write_line(f"saved to {RESULTS}")

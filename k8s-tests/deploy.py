"""Where the e2e tests find Airflow. One setting chooses, both give the tests the same things:

    SUPERMARKET_E2E_AIRFLOW=chart       Airflow from the official chart, already deployed in the current kube
                                        context (kind: `scripts/dev.sh run -p e2e`); reached by port-forward.
    SUPERMARKET_E2E_AIRFLOW=standalone  (default) networks where the official chart cannot be fetched: this
                                        installs our chart, then runs `airflow standalone` 3.3 next to the
                                        cluster, launching task pods with a kubeconfig made from our chart's
                                        pod-launcher ServiceAccount token (RBAC applies, no admin).

SUPERMARKET_E2E_DATA_DIR is the data volume's directory on this machine (the hostPath the task pods and the
sensors share): default .cache/e2e/data (standalone) or .kind/data/supermarket (kind, see cluster/kind.yaml).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from airflow_standalone import Airflow, free_port, standalone

from kube import ROOT, helm, kubectl, tool

MODE = os.environ.get("SUPERMARKET_E2E_AIRFLOW", "standalone")
NAMESPACE, TASK_NAMESPACE = "airflow", "supermarket-tasks"  # docs/contracts.md
RELEASE = "supermarket"
LAUNCHER_SECRET = "supermarket-launcher-token"
TASK_IMAGE = os.environ.get("SUPERMARKET_E2E_TASK_IMAGE", "supermarket-task:dev")
# Short enough for a test: supermarket 4 never delivers and must fail at this timeout.
SENSOR_TIMEOUT = 150
POKE_INTERVAL = 60  # the minimum for reschedule sensors (Airflow issue 71172)


def data_dir() -> Path:
    default = ROOT / (".kind/data/supermarket" if MODE == "chart" else ".cache/e2e/data")
    return Path(os.environ.get("SUPERMARKET_E2E_DATA_DIR", default)).resolve()


@dataclass
class Deployment:
    af: Airflow
    data: Path  # the data volume, as this machine sees it
    mode: str
    log: Path | None  # Airflow's log file (standalone)
    launcher_kubeconfig: Path | None


@contextmanager
def deployment(workdir: Path) -> Iterator[Deployment]:
    if MODE not in ("standalone", "chart"):
        raise ValueError(f"SUPERMARKET_E2E_AIRFLOW must be 'standalone' or 'chart', got {MODE!r}")
    data = data_dir()
    data.mkdir(parents=True, exist_ok=True)
    data.chmod(0o777)  # task pods write as UID 10001, the sensors and tests read and write as themselves
    if MODE == "chart":
        with port_forward() as port:
            af = Airflow(workdir / "client", port, {})
            yield Deployment(af, data, MODE, None, None)
        return
    install_our_chart(data)
    launcher = launcher_kubeconfig(workdir / "launcher.kubeconfig")
    env = {
        "SUPERMARKET_EXECUTION_MODE": "kubernetes",
        "SUPERMARKET_STORAGE_URL": "file:///data",  # the task pods' mount of the data volume
        "SUPERMARKET_SENSOR_STORAGE_URL": str(data),  # the same volume, as the sensors here see it
        "SUPERMARKET_TASK_IMAGE": TASK_IMAGE,
        "SUPERMARKET_TASK_IMAGE_PULL_POLICY": "Never",
        "SUPERMARKET_KUBE_IN_CLUSTER": "false",
        "SUPERMARKET_KUBE_CONFIG_FILE": str(launcher),
        "SUPERMARKET_SENSOR_POKE_INTERVAL": str(POKE_INTERVAL),
        "SUPERMARKET_SENSOR_TIMEOUT": str(SENSOR_TIMEOUT),
        "SUPERMARKET_RETRIES": "0",
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",  # only the runs the tests start
        "AIRFLOW__CORE__PARALLELISM": "16",
    }
    with standalone(workdir / "airflow", env) as af:
        yield Deployment(af, data, MODE, workdir / "airflow" / "standalone.log", launcher)


def install_our_chart(data: Path) -> None:
    helm("upgrade", "--install", RELEASE, str(ROOT / "charts/supermarket-pipeline"), "--namespace", NAMESPACE,
         "--create-namespace", "--values", str(Path(__file__).with_name("values-airgapped.yaml")),
         "--set", f"dataVolume.hostPath.path={data}", "--wait", "--timeout", "3m")  # fmt: skip


def launcher_kubeconfig(target: Path) -> Path:
    """A kubeconfig with the launcher ServiceAccount's token: the same rights Airflow's pods get in-cluster."""
    deadline = time.monotonic() + 60
    data: dict[str, str] = {}
    while True:
        out = kubectl("-n", NAMESPACE, "get", "secret", LAUNCHER_SECRET, "-o", "json", check=False)
        data = json.loads(out.stdout).get("data") or {} if out.returncode == 0 else {}
        if "token" in data or time.monotonic() > deadline:
            break
        time.sleep(1)
    if "token" not in data:
        raise RuntimeError(f"the token controller never filled secret {NAMESPACE}/{LAUNCHER_SECRET}")
    server = kubectl("config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}").stdout
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "e2e", "cluster": {"server": server, "certificate-authority-data": data["ca.crt"]}}],
        "users": [{"name": "launcher", "user": {"token": base64.b64decode(data["token"]).decode()}}],
        "contexts": [{"name": "launcher", "context": {"cluster": "e2e", "user": "launcher"}}],
        "current-context": "launcher",
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(config))
    target.chmod(0o600)
    return target


@contextmanager
def port_forward() -> Iterator[int]:
    port = free_port()
    proc = subprocess.Popen(
        [tool("kubectl"), "-n", NAMESPACE, "port-forward", "svc/airflow-api-server", f"{port}:8080"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None:
                raise RuntimeError(f"kubectl port-forward failed: {proc.stderr.read() if proc.stderr else ''}")
            time.sleep(0.5)
        yield port
    finally:
        proc.terminate()
        proc.wait()

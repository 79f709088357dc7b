"""Where the e2e tests find Airflow. One setting chooses, every mode gives the tests the same things:

    SUPERMARKET_E2E_AIRFLOW=chart       (default; CI) the production shape, installed here with helm as a user
                                        would: the e2e services (services.py: PostgreSQL, an SSH git server),
                                        the repository's dags/ pushed as a commit, our chart, then the official
                                        chart (AIRFLOW_CHART) with charts/airflow/values.yaml + values-prod.yaml +
                                        values-airflow-airgapped.yaml: external database, git-sync over SSH.
    SUPERMARKET_E2E_AIRFLOW=deployed    Airflow from the official chart, already deployed in the current kube
                                        context (kind: `scripts/dev.sh run -p e2e`).
    SUPERMARKET_E2E_AIRFLOW=standalone  a faster option: our chart, then `airflow standalone` 3.3 next to the
                                        cluster, launching task pods with a kubeconfig made from our chart's
                                        pod-launcher ServiceAccount token (RBAC applies, no admin).

The API server is reached by port-forward in the in-cluster modes. SUPERMARKET_E2E_DATA_DIR is the data volume's
directory on this machine (the hostPath the task pods and the sensors share; the node is this machine): default
.cache/e2e/data, or .kind/data/supermarket with `deployed` (kind, see cluster/kind.yaml).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from kube import ROOT, helm, kubectl, tool
from services import GIT_URL, Services, deploy_services, ensure_namespace, secret
from supermarket_dev import AIRFLOW_CHART
from supermarket_dev.airflow import Airflow, standalone
from supermarket_dev.kubeconfig import current_cluster, token_kubeconfig
from supermarket_dev.ports import free_port, listening
from supermarket_dev.settings import CONFIG_FILE_VARIABLE
from supermarket_dev.waiting import wait_until

MODE = os.environ.get("SUPERMARKET_E2E_AIRFLOW", "chart")
MODES = ("chart", "deployed", "standalone")
NAMESPACE, TASK_NAMESPACE = "airflow", "supermarket-tasks"  # docs/contracts.md
RELEASE = "supermarket"
LAUNCHER_SECRET = "supermarket-launcher-token"
PIPELINE_CONFIG_MAP = "supermarket-pipeline"  # our chart's settings, named from the release
TASK_IMAGE = os.environ.get("SUPERMARKET_E2E_TASK_IMAGE", "supermarket-task:dev")
AIRFLOW_IMAGE = os.environ.get("SUPERMARKET_E2E_AIRFLOW_IMAGE", "supermarket-airflow:dev")
AIRFLOW_RELEASE = "airflow"  # the official chart's release (charts/airflow/values.yaml names its objects)
ADMIN_SECRET, ADMIN_KEY = "supermarket-airflow-admin-password", "admin-password"  # our chart's, for createUserJob
METADATA_SECRET = "supermarket-airflow-metadata-db"  # values-prod.yaml: data.metadataSecretName
GIT_SYNC_SECRET = "supermarket-git-sync-ssh"  # values-prod.yaml: dags.gitSync.sshKeySecret
AIRFLOW_VALUES = [ROOT / "charts/airflow/values.yaml", ROOT / "charts/airflow/values-prod.yaml",
                  Path(__file__).with_name("values-airflow-airgapped.yaml")]  # fmt: skip
E2E_VALUES = Path(__file__).with_name("values-e2e.yaml")  # our chart's e2e settings, in both modes
SENSOR_TIMEOUT = yaml.safe_load(E2E_VALUES.read_text())["pipeline"]["sensorTimeout"]


def data_dir() -> Path:
    default = ROOT / (".kind/data/supermarket" if MODE == "deployed" else ".cache/e2e/data")
    return Path(os.environ.get("SUPERMARKET_E2E_DATA_DIR", default)).resolve()


@dataclass
class Deployment:
    af: Airflow
    data: Path  # the data volume, as this machine sees it
    mode: str
    log: Path | None  # Airflow's log file (standalone)
    launcher_kubeconfig: Path | None
    # Where this Airflow reads the pipeline settings: the ConfigMap mounted into the chart's pods (chart), or
    # the file written from it (standalone).
    settings_file: Path | None = None
    services: Services | None = None  # the git server and database of the `chart` mode

    @property
    def in_cluster(self) -> bool:
        return self.mode != "standalone"


@contextmanager
def deployment(workdir: Path) -> Iterator[Deployment]:
    if MODE not in MODES:
        raise ValueError(f"SUPERMARKET_E2E_AIRFLOW must be one of {', '.join(MODES)}, got {MODE!r}")
    data = data_dir()
    data.mkdir(parents=True, exist_ok=True)
    data.chmod(0o777)  # task pods write as UID 10001, the sensors and tests read and write as themselves
    if MODE in ("chart", "deployed"):
        services = install_in_cluster(workdir, data) if MODE == "chart" else None
        with port_forward() as port:
            af = Airflow(workdir / "client", port, {}, credentials=("admin", admin_password()))
            yield Deployment(af, data, MODE, None, None, services=services)
        return
    install_our_chart(data)
    launcher = launcher_kubeconfig(workdir / "launcher.kubeconfig")
    settings_file = workdir / "pipeline-settings.json"
    env = {
        **settings_from_the_cluster(settings_file, data, launcher),
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",  # only the runs the tests start
        "AIRFLOW__CORE__PARALLELISM": "16",
    }
    with standalone(workdir / "airflow", env) as af:
        yield Deployment(af, data, MODE, workdir / "airflow" / "standalone.log", launcher, settings_file)


def install_our_chart(data: Path) -> None:
    helm("upgrade", "--install", RELEASE, str(ROOT / "charts/supermarket-pipeline"), "--namespace", NAMESPACE,
         "--create-namespace", "--values", str(E2E_VALUES),
         "--values", str(Path(__file__).with_name("values-airgapped.yaml")),
         "--set", f"dataVolume.hostPath.path={data}", "--set", f"pipeline.taskImage={TASK_IMAGE}",
         "--set", "pipeline.taskImagePullPolicy=Never", "--wait", "--timeout", "3m")  # fmt: skip


def install_in_cluster(
    workdir: Path, data: Path, airflow_sets: Sequence[str] = (), our_sets: Sequence[str] = ()
) -> Services:
    """The production shape, step by step as a user would; returns the services (the tests push DAGs).
    `airflow_sets` / `our_sets`: extra `--set`s for the official chart / ours (the executor benchmark)."""
    services = deploy_services(workdir / "services")
    services.push_dags("e2e: the repository's dags/")
    ensure_namespace(NAMESPACE)
    # What production's secret manager provides: the database URL and git-sync's deploy key.
    secret(METADATA_SECRET, NAMESPACE, {"connection": services.metadata_connection})
    secret(GIT_SYNC_SECRET, NAMESPACE, {"gitSshKey": services.git_key.read_text()})
    repository, tag = AIRFLOW_IMAGE.rsplit(":", 1)
    helm("upgrade", "--install", RELEASE, str(ROOT / "charts/supermarket-pipeline"), "--namespace", NAMESPACE,
         "--values", str(E2E_VALUES), "--set", f"dataVolume.hostPath.path={data}",
         "--set", f"pipeline.taskImage={TASK_IMAGE}", "--set", "pipeline.taskImagePullPolicy=Never",
         "--set", f"airflow.metadataSecretName={METADATA_SECRET}", "--set", f"airflow.image.repository={repository}",
         "--set", f"airflow.image.tag={tag}", "--set", "airflow.image.pullPolicy=Never",
         *[arg for value in our_sets for arg in ("--set", value)], "--wait", "--timeout", "3m")  # fmt: skip
    known_hosts = workdir / "git-known-hosts"
    known_hosts.write_text(services.known_hosts + "\n")
    values = [arg for f in AIRFLOW_VALUES for arg in ("--values", str(f))]
    # The chart's migration and user Jobs are plain Jobs with fixed names (useHelmHooks: false), kept for their
    # TTL (5 min) after they finish: an upgrade that changes their pod template within that time fails with
    # "field is immutable" (found re-installing with another executor). Finished ones are removed first, as an
    # operator would (docs: charts/README.md).
    kubectl("-n", NAMESPACE, "delete", "job", "-l", f"release={AIRFLOW_RELEASE}",
            "--field-selector", "status.successful=1", "--ignore-not-found")  # fmt: skip
    started = time.monotonic()
    helm("upgrade", "--install", AIRFLOW_RELEASE, str(AIRFLOW_CHART), "--namespace", NAMESPACE, *values,
         "--set", f"images.airflow.repository={repository}", "--set", f"images.airflow.tag={tag}",
         "--set", f"dags.gitSync.repo={GIT_URL}", "--set-file", f"dags.gitSync.knownHosts={known_hosts}",
         *[arg for value in airflow_sets for arg in ("--set", value)], "--wait", "--timeout", "15m")  # fmt: skip
    print(f"official chart {AIRFLOW_CHART} installed and ready in {time.monotonic() - started:.0f} s")
    return services


def admin_password() -> str:
    encoded = kubectl("-n", NAMESPACE, "get", "secret", ADMIN_SECRET, "-o", f"jsonpath={{.data.{ADMIN_KEY}}}")
    return base64.b64decode(encoded.stdout).decode()


def settings_from_the_cluster(target: Path, data: Path, launcher: Path) -> dict[str, str]:
    """The settings our chart put into the cluster (the ConfigMap an in-cluster Airflow mounts), with what
    differs for an Airflow outside it: the sensors see the volume at its host path, and task pods are launched
    with the launcher's kubeconfig."""
    config_map = json.loads(kubectl("-n", NAMESPACE, "get", "configmap", PIPELINE_CONFIG_MAP, "-o", "json").stdout)
    settings = json.loads(config_map["data"]["pipeline.json"])
    settings.update(sensorStorageUrl=str(data), kubeInCluster=False, kubeConfigFile=str(launcher))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(settings, indent=2))
    return {CONFIG_FILE_VARIABLE: str(target)}


def launcher_kubeconfig(target: Path) -> Path:
    """A kubeconfig with the launcher ServiceAccount's token: the same rights Airflow's pods get in-cluster."""

    def token_secret() -> dict[str, str]:
        out = kubectl("-n", NAMESPACE, "get", "secret", LAUNCHER_SECRET, "-o", "json", check=False)
        data: dict[str, str] = json.loads(out.stdout).get("data") or {} if out.returncode == 0 else {}
        return data if "token" in data else {}

    data = wait_until(f"the token controller to fill secret {NAMESPACE}/{LAUNCHER_SECRET}", token_secret, 60, 1)
    server = current_cluster()["server"]
    return token_kubeconfig(target, server, data["ca.crt"], base64.b64decode(data["token"]).decode())


@contextmanager
def port_forward() -> Iterator[int]:
    port = free_port()
    proc = subprocess.Popen(
        [tool("kubectl"), "-n", NAMESPACE, "port-forward", "svc/airflow-api-server", f"{port}:8080"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )

    def forwarding() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"kubectl port-forward failed: {proc.stderr.read() if proc.stderr else ''}")
        return listening(port)

    try:
        wait_until("kubectl port-forward to listen", forwarding, 60, 0.5)
        yield port
    finally:
        proc.terminate()
        proc.wait()

"""A real Airflow (`airflow standalone`: SQLite, scheduler, triggerer, API server) for the demo, the tests and the
benchmarks, and its REST API v2 client with a JWT. Stops everything it started."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from supermarket_pipeline.schedule import INGEST_DAG_ID, METRICS_DAG_ID, REPORT_DAG_ID

from . import DAGS
from .ports import free_port
from .waiting import wait_until

POOLS = DAGS / "supermarket_pipeline" / "pools.json"
USER, PASSWORD = "admin", "admin"
TERMINAL = {"success", "failed"}


class Airflow:
    def __init__(
        self,
        home: Path,
        port: int,
        extra_env: Mapping[str, str],
        dags: Path = DAGS,
        expected_dags: frozenset[str] = frozenset({INGEST_DAG_ID, METRICS_DAG_ID, REPORT_DAG_ID}),
        credentials: tuple[str, str] = (USER, PASSWORD),
    ) -> None:
        self.home, self.port, self.expected_dags = home, port, expected_dags
        self.credentials = credentials  # the standalone's own admin, or a deployment's (from its Secret)
        self.url = f"http://127.0.0.1:{port}"
        bin_dir = Path(sys.executable).parent
        self.env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "true",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": self.url,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            **extra_env,
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self._token: str | None = None

    # -- lifecycle -----------------------------------------------------------------------------------------
    def airflow(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(Path(sys.executable).parent / "airflow"), *args],
            env=self.env,
            text=True,
            capture_output=True,
            check=check,
        )

    def start(self, timeout: float = 240) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "passwords.json").write_text(json.dumps({USER: PASSWORD}))
        self.airflow("db", "migrate")
        self.airflow("pools", "import", str(POOLS))
        log = open(self.home / "standalone.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "airflow"), "standalone"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        proc = self.proc

        def ready() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"airflow standalone exited early; see {self.home / 'standalone.log'}")
            try:
                return requests.get(f"{self.url}/api/v2/monitor/health", timeout=2).ok and self._dags_parsed()
            except requests.RequestException:
                return False

        wait_until(f"Airflow to be healthy with its DAGs parsed (log: {self.home / 'standalone.log'})", ready, timeout)

    def _dags_parsed(self) -> bool:
        try:
            dags = {d["dag_id"] for d in self.get("/api/v2/dags")["dags"]}
        except (requests.RequestException, KeyError):
            return False
        return self.expected_dags <= dags

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    # -- REST API v2 ---------------------------------------------------------------------------------------
    def token(self) -> str:
        if self._token is None:
            user, password = self.credentials
            r = requests.post(f"{self.url}/auth/token", json={"username": user, "password": password}, timeout=10)
            r.raise_for_status()
            self._token = str(r.json()["access_token"])
        return self._token

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token()}"}
        return requests.request(method, f"{self.url}{path}", headers=headers, timeout=30, **kwargs)

    def get(self, path: str, **params: Any) -> Any:
        r = self.request("GET", path, params=params)
        r.raise_for_status()
        return r.json()

    def unpause(self, dag_id: str) -> None:
        self.request("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False}).raise_for_status()

    def trigger(
        self,
        dag_id: str,
        conf: Mapping[str, Any] | None = None,
        logical_date: str | None = None,
        run_id: str | None = None,
    ) -> requests.Response:
        body: dict[str, Any] = {"logical_date": logical_date, "conf": dict(conf or {})}
        if run_id:
            body["dag_run_id"] = run_id
        return self.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", json=body)

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return list(self.get(f"/api/v2/dags/{dag_id}/dagRuns", limit=100)["dag_runs"])

    def run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return dict(self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}"))

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict[str, Any]]:
        tis = self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=100)["task_instances"]
        return {ti["task_id"]: ti for ti in tis}

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float, on_poll: Any = None) -> dict[str, Any]:
        """The run once it has finished (success or failed); `on_poll(run)` sees every state on the way."""

        def finished() -> dict[str, Any] | None:
            run = self.run(dag_id, run_id)
            if on_poll is not None:
                on_poll(run)
            return run if run["state"] in TERMINAL else None

        return wait_until(f"{dag_id} run {run_id} to finish", finished, timeout, every=3)


@contextmanager
def standalone(
    home: Path, extra_env: Mapping[str, str], port: int | None = None, fresh: bool = True, **kwargs: Any
) -> Iterator[Airflow]:
    if fresh and home.exists():
        shutil.rmtree(home)
    af = Airflow(home, port or free_port(), extra_env, **kwargs)
    try:
        af.start()
        yield af
    finally:
        af.stop()

"""The current kube context, from the tests' side: kubectl and helm, a pod recorder, diagnostics on failure."""

from __future__ import annotations

import datetime as dt
import subprocess
import threading
from dataclasses import dataclass, field
from typing import Any

from supermarket_dev import ROOT
from supermarket_dev.tools import tool

__all__ = ["ROOT", "PodRecorder", "diagnostics", "helm", "kubectl", "tool"]


def kubectl(*args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("kubectl"), *args], check=check, text=True, capture_output=True, input=stdin)


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([tool("helm"), *args], text=True, capture_output=True)
    if result.returncode != 0:
        raise RuntimeError(f"helm {' '.join(args[:2])} failed:\n{result.stdout}\n{result.stderr}")
    return result


def diagnostics(*namespaces: str) -> str:
    """What someone debugging a red run needs: pods, their descriptions and logs, the namespace's events."""
    out = []
    for ns in namespaces:
        for args in (
            ("get", "pods", "-o", "wide"),
            ("describe", "pods"),
            ("get", "events", "--sort-by=.lastTimestamp"),
        ):
            result = kubectl("-n", ns, *args, check=False)
            out.append(f"$ kubectl -n {ns} {' '.join(args)}\n{result.stdout}{result.stderr}")
        names = kubectl("-n", ns, "get", "pods", "-o", "name", check=False).stdout.split()
        for pod in names:
            result = kubectl("-n", ns, "logs", pod, "--all-containers", "--tail=50", check=False)
            out.append(f"$ kubectl -n {ns} logs {pod}\n{result.stdout}{result.stderr}")
    return "\n".join(out)


@dataclass
class PodRecord:
    """One task pod as the API server reported it, from creation to deletion."""

    name: str
    labels: dict[str, str]
    spec: Any  # kubernetes.client.V1PodSpec
    created: dt.datetime
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    exit_code: int | None = None
    deleted: dt.datetime | None = None

    @property
    def task_id(self) -> str:
        return self.labels.get("task_id", "")

    @property
    def dag_id(self) -> str:
        return self.labels.get("dag_id", "")


@dataclass
class PodRecorder:
    """Watches a namespace's pods in a thread (kubernetes client, current kube context) and keeps each one's
    timeline: the tests read concurrency, security settings and overheads from it."""

    namespace: str
    pods: dict[str, PodRecord] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    error: BaseException | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="pod-recorder", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        from kubernetes import client, config, watch
        from kubernetes.client.exceptions import ApiException

        try:
            config.load_kube_config()
            api = client.CoreV1Api()
            version = ""  # resumed from the last event seen, so no event falls between two watches
            while not self._stop.is_set():
                options: dict[str, Any] = {"timeout_seconds": 5, "allow_watch_bookmarks": True}
                if version:
                    options["resource_version"] = version
                try:
                    # Short watches: the stop flag is seen within seconds.
                    for event in watch.Watch().stream(api.list_namespaced_pod, self.namespace, **options):
                        raw = event.get("raw_object") or {}
                        if event["type"] == "ERROR":
                            raise ApiException(status=raw.get("code"), reason=raw.get("message"))
                        if event["type"] != "BOOKMARK":
                            self._record(event["type"], event["object"])
                        version = raw["metadata"]["resourceVersion"]
                except ApiException as error:
                    if error.status != 410:
                        raise
                    version = ""  # expired: start again from the current state
        except BaseException as error:
            self.error = error  # reported by the tests that read the recorder

    def _record(self, kind: str, pod: Any) -> None:
        name = pod.metadata.name
        record = self.pods.get(name)
        if record is None:
            record = self.pods[name] = PodRecord(
                name, dict(pod.metadata.labels or {}), pod.spec, pod.metadata.creation_timestamp
            )
        for status in pod.status.container_statuses or []:
            if status.name != "base":
                continue
            state = status.state
            if state.running is not None and state.running.started_at:
                record.started = state.running.started_at
            if state.terminated is not None:
                record.started = state.terminated.started_at or record.started
                record.finished = state.terminated.finished_at
                record.exit_code = state.terminated.exit_code
        if kind == "DELETED" and record.deleted is None:
            record.deleted = dt.datetime.now(dt.UTC)

    def peak_running(self) -> int:
        """The most task containers running at the same instant."""
        return _peak([(p.started, p.finished) for p in self.pods.values() if p.started is not None])

    def peak_existing(self) -> int:
        """The most task pods in existence at the same instant (created -> deleted, or -> finished when kept):
        the span a pool slot covers, since the operator creates and deletes its pod while holding the slot."""
        return _peak([(p.created, p.deleted or p.finished) for p in self.pods.values()])


def _peak(spans: list[tuple[dt.datetime, dt.datetime | None]]) -> int:
    now = dt.datetime.now(dt.UTC)
    edges = [(start, 1) for start, _ in spans] + [(end or now, -1) for _, end in spans]
    current = peak = 0
    for _, step in sorted(edges, key=lambda e: (e[0], e[1])):  # an end before a start at the same instant
        current += step
        peak = max(peak, current)
    return peak

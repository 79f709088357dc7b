"""One day of the supermarket pipeline on a real cluster: supermarkets 1-3 deliver at different times, 4 never;
the ingest run is triggered through the REST API v2, every step runs as a task pod, and the report waits for
the ingest run. Pod facts come from the API server (a watch on the task namespace), data facts from the
volume itself."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from typing import Any

import pytest

from deploy import NAMESPACE, PIPELINE_CONFIG_MAP, SENSOR_TIMEOUT, TASK_IMAGE, TASK_NAMESPACE, Deployment
from kube import PodRecorder, kubectl
from supermarket_dev.airflow import Airflow
from supermarket_dev.simulate import start_simulate
from supermarket_dev.waiting import wait_until
from supermarket_pipeline.config import CONFIG_FILE
from supermarket_pipeline.schedule import INGEST_DAG_ID, INGEST_HOUR, METRICS_DAG_ID, REPORT_DAG_ID, REPORT_HOUR

DATE = "2026-11-20"
ROWS = 2000
DELIVERY_GAP = 15  # seconds between supermarkets 1, 2 and 3
INGEST, METRICS, REPORT = INGEST_DAG_ID, METRICS_DAG_ID, REPORT_DAG_ID
POD_POOL, POD_SLOTS = "supermarket_pods", 2  # fewer slots than deliveries: the pool must hold pods back
DELIVERED, NEVER = (1, 2, 3), 4
POD_STEPS = {
    INGEST: [f"{step}_supermarket_{sm}" for sm in DELIVERED for step in ("copy_to_raw", "process")],
    METRICS: ["compute_metrics"],
    REPORT: ["build_report"],
}


@dataclass
class Day:
    af: Airflow
    data: Path
    ingest: dict[str, Any]
    report: dict[str, Any]
    states: dict[str, list[str]]  # every state each ingest task was seen in, in order
    pods: PodRecorder
    wall_s: float
    success_to_metrics_s: dict[str, float]  # taken at the end of the run: later tests recompute metrics


def start_deliveries(data: Path) -> subprocess.Popen[bytes]:
    """Supermarkets 1, 2, 3, DELIVERY_GAP seconds apart; 4 never. World-writable files: the task pods (UID
    10001) create their partitions next to them on the shared hostPath."""
    return start_simulate(
        data, DATE, never_deliver=[NEVER], rows=ROWS, supermarket_delay=DELIVERY_GAP, preexec_fn=lambda: os.umask(0)
    )


def forget_earlier_runs(af: Airflow, data: Path) -> None:
    """Re-runs against a long-lived deployment (kind) start from the same clean slate as a fresh one."""
    for dag_id in (INGEST, METRICS, REPORT):
        for run in af.runs(dag_id):
            af.request("DELETE", f"/api/v2/dags/{dag_id}/dagRuns/{run['dag_run_id']}").raise_for_status()
    for area in ("landing", "raw", "processed", "quarantine", "metrics"):
        for sm in (*DELIVERED, NEVER):
            shutil.rmtree(data / area / f"supermarket_{sm}" / DATE, ignore_errors=True)
    shutil.rmtree(data / "reports" / DATE, ignore_errors=True)


def set_pool(af: Airflow, slots: int) -> int:
    """Sets the pod pool's size; returns the size it had."""
    pool = af.get(f"/api/v2/pools/{POD_POOL}")
    body = {"pool": POD_POOL, "slots": slots, "include_deferred": pool["include_deferred"]}
    r = af.request("PATCH", f"/api/v2/pools/{POD_POOL}", params={"update_mask": "slots"}, json=body)
    assert r.status_code == 200, r.text
    return int(pool["slots"])


@pytest.fixture(scope="module")
def day(deployed: Deployment) -> Iterator[Day]:
    af, data = deployed.af, deployed.data
    forget_earlier_runs(af, data)
    slots_before = set_pool(af, POD_SLOTS)
    pods = PodRecorder(TASK_NAMESPACE)
    pods.start()
    states: dict[str, list[str]] = defaultdict(list)
    deliveries: subprocess.Popen[bytes] | None = None
    try:
        started = time.monotonic()
        ingest = af.trigger(INGEST, logical_date=f"{DATE}T{INGEST_HOUR:02d}:00:00+00:00")
        report = af.trigger(REPORT, logical_date=f"{DATE}T{REPORT_HOUR:02d}:00:00+00:00")
        assert ingest.status_code == 200 and report.status_code == 200, (ingest.text, report.text)
        ingest_id, report_id = ingest.json()["dag_run_id"], report.json()["dag_run_id"]
        for dag_id in (INGEST, METRICS, REPORT):
            af.unpause(dag_id)

        def observe(_: object = None) -> None:
            for task_id, ti in af.task_instances(INGEST, ingest_id).items():
                if ti["state"] and (not states[task_id] or states[task_id][-1] != ti["state"]):
                    states[task_id].append(ti["state"])

        def all_sensors_waiting() -> bool:
            observe()
            return all("up_for_reschedule" in states[f"wait_for_supermarket_{sm}"] for sm in (*DELIVERED, NEVER))

        # Nothing is delivered until every sensor has poked once and given its slot back.
        wait_until("every sensor to be rescheduled once", all_sensors_waiting, 300)
        deliveries = start_deliveries(data)
        ingest_run = af.wait_for_run(INGEST, ingest_id, timeout=1500, on_poll=observe)
        report_run = af.wait_for_run(REPORT, report_id, timeout=900)
        wall = time.monotonic() - started
        assert deliveries.wait(timeout=60) == 0
        time.sleep(3)  # the watch's last DELETED events
    finally:
        if deliveries is not None and deliveries.poll() is None:
            deliveries.kill()
        pods.stop()
    latency = {}
    for sm in DELIVERED:
        delivered = data / "landing" / f"supermarket_{sm}" / DATE / "_SUCCESS"
        metrics = data / "metrics" / f"supermarket_{sm}" / DATE / "summary.json"
        if delivered.exists() and metrics.exists():  # else the data tests say what is missing
            latency[f"supermarket_{sm}"] = round(metrics.stat().st_mtime - delivered.stat().st_mtime, 1)
    yield Day(af, data, ingest_run, report_run, dict(states), pods, wall, latency)
    set_pool(af, slots_before)


def test_the_pod_launcher_has_pod_rights_in_the_task_namespace_only(deployed: Deployment) -> None:
    """Whoever launches task pods: the launcher token (standalone), or the scheduler's ServiceAccount (chart)."""
    if deployed.launcher_kubeconfig is not None:
        identity = ["--kubeconfig", str(deployed.launcher_kubeconfig)]
    else:
        identity = ["--as", f"system:serviceaccount:{NAMESPACE}:airflow-scheduler"]

    def can(verb: str, resource: str, namespace: str) -> str:
        return kubectl(*identity, "auth", "can-i", verb, resource, "-n", namespace, check=False).stdout.strip()

    assert can("create", "pods", TASK_NAMESPACE) == "yes"
    assert can("get", "pods/log", TASK_NAMESPACE) == "yes"
    assert can("create", "pods", "kube-system") == "no"
    assert can("get", "secrets", TASK_NAMESPACE) == "no"


def test_delivered_branches_succeed_and_the_missing_one_fails_at_its_timeout(day: Day) -> None:
    tis = day.af.task_instances(INGEST, day.ingest["dag_run_id"])
    for sm in DELIVERED:
        for task in ("wait_for", "copy_to_raw", "process", "trigger_create_metrics"):
            assert tis[f"{task}_supermarket_{sm}"]["state"] == "success", (task, sm, tis[f"{task}_supermarket_{sm}"])
    sensor = tis[f"wait_for_supermarket_{NEVER}"]
    assert sensor["state"] == "failed"
    waited = dt.datetime.fromisoformat(sensor["end_date"]) - dt.datetime.fromisoformat(day.ingest["start_date"])
    assert waited.total_seconds() >= SENSOR_TIMEOUT
    for task in ("copy_to_raw", "process", "trigger_create_metrics"):
        assert tis[f"{task}_supermarket_{NEVER}"]["state"] == "upstream_failed"
    # The others were not blocked by it: their metrics were triggered before supermarket 4 gave up.
    done = max(dt.datetime.fromisoformat(tis[f"process_supermarket_{sm}"]["end_date"]) for sm in DELIVERED)
    assert done < dt.datetime.fromisoformat(sensor["end_date"])
    assert day.ingest["state"] == "failed"


def test_sensors_were_rescheduled_while_waiting(day: Day) -> None:
    for sm in (*DELIVERED, NEVER):
        seen = day.states[f"wait_for_supermarket_{sm}"]
        assert seen.count("up_for_reschedule") >= 1, seen
    assert day.states[f"wait_for_supermarket_{NEVER}"].count("up_for_reschedule") >= 2


def test_every_step_ran_as_a_pod_in_the_task_namespace(day: Day) -> None:
    assert day.pods.error is None, day.pods.error
    ran = {(p.dag_id, p.task_id) for p in day.pods.pods.values()}
    for dag_id, tasks in POD_STEPS.items():
        for task in tasks:
            assert (dag_id, task) in ran, f"no pod for {dag_id}.{task}; pods: {sorted(ran)}"
    metrics_pods = [p for p in day.pods.pods.values() if p.task_id == "compute_metrics"]
    assert len(metrics_pods) == len(DELIVERED)


def test_task_pods_are_locked_down(day: Day, deployed: Deployment) -> None:
    images = set()
    for pod in day.pods.pods.values():
        spec = pod.spec
        (container,) = spec.containers
        images.add(container.image)
        assert spec.automount_service_account_token is False, pod.name
        assert not any(v.projected for v in spec.volumes or []), f"{pod.name} mounts a token"
        assert spec.security_context.run_as_non_root and spec.security_context.run_as_user == 10001
        assert spec.security_context.seccomp_profile.type == "RuntimeDefault"
        csc = container.security_context
        assert csc.allow_privilege_escalation is False and csc.read_only_root_filesystem is True
        assert csc.capabilities.drop == ["ALL"]
        assert container.resources.limits and container.resources.requests
    # Chart mode: the image skaffold built and tagged, one for every pod.
    assert images == {TASK_IMAGE} or (deployed.in_cluster and len(images) == 1)
    assert all(i.split("/")[-1].startswith("supermarket-task") for i in images)


def test_succeeded_pods_were_deleted(day: Day) -> None:
    succeeded = [p for p in day.pods.pods.values() if p.exit_code == 0]
    assert len(succeeded) == 2 * len(DELIVERED) + len(DELIVERED) + 1  # copy + process, metrics, report
    assert [p.name for p in succeeded if p.deleted is None] == []
    left = kubectl("-n", TASK_NAMESPACE, "get", "pods", "-o", "json").stdout
    assert [p["metadata"]["name"] for p in json.loads(left)["items"] if p["status"]["phase"] == "Succeeded"] == []


def test_no_more_pods_ran_at_once_than_the_pool_allows(day: Day, measurements: dict[str, Any]) -> None:
    existing, running = day.pods.peak_existing(), day.pods.peak_running()
    measurements["pod_pool"] = {"slots": POD_SLOTS, "peak_existing_pods": existing, "peak_running_containers": running}
    assert 1 <= running <= existing <= POD_SLOTS
    tis = day.af.task_instances(INGEST, day.ingest["dag_run_id"])
    for sm in DELIVERED:
        assert tis[f"copy_to_raw_supermarket_{sm}"]["pool"] == POD_POOL
        assert tis[f"wait_for_supermarket_{sm}"]["pool"] == "supermarket_sensors"


def run_locally(data: Path, scratch: Path) -> Path:
    """The same deliveries through the task CLI on this machine: what the pods must have produced."""
    for sm in DELIVERED:
        shutil.copytree(data / "landing" / f"supermarket_{sm}" / DATE, scratch / "landing" / f"supermarket_{sm}" / DATE)
        for step in ("copy-to-raw", "process", "metrics"):
            args = [step, "--storage", str(scratch), "--date", DATE, "--supermarket", str(sm)]
            subprocess.run([sys.executable, "-m", "supermarket", *args], check=True, capture_output=True)
    return scratch


def assert_same_rows(actual: Any, expected: Any) -> None:
    """Equal as tables: same columns and types, same rows in any order (DuckDB may write in any order)."""
    import pandas as pd

    def ordered(frame: Any) -> Any:
        return frame.sort_values(list(frame.columns)).reset_index(drop=True)

    pd.testing.assert_frame_equal(ordered(actual), ordered(expected))


def test_processed_data_and_metrics_are_correct_in_the_volume(day: Day, tmp_path: Path) -> None:
    import pandas as pd

    expected = run_locally(day.data, tmp_path)
    for sm in DELIVERED:
        part = f"supermarket_{sm}/{DATE}"
        assert json.loads((day.data / "raw" / part / "_MANIFEST.json").read_text())["files"]
        processed = pd.read_parquet(day.data / "processed" / part / "promotions.parquet")
        assert len(processed) == ROWS
        assert_same_rows(processed, pd.read_parquet(expected / "processed" / part / "promotions.parquet"))
        summary = json.loads((day.data / "metrics" / part / "summary.json").read_text())
        assert summary == json.loads((expected / "metrics" / part / "summary.json").read_text())
        assert summary["promotions"] == ROWS
        assert_same_rows(
            pd.read_parquet(day.data / "metrics" / part / "metrics.parquet"),
            pd.read_parquet(expected / "metrics" / part / "metrics.parquet"),
        )
    assert not (day.data / "raw" / f"supermarket_{NEVER}" / DATE).exists()


def test_create_metrics_ran_once_per_delivered_supermarket_with_its_conf(day: Day) -> None:
    runs = [r for r in day.af.runs(METRICS) if day.ingest["dag_run_id"] in r["dag_run_id"]]
    assert sorted((r["conf"]["supermarket_id"], r["conf"]["date"]) for r in runs) == [(sm, DATE) for sm in DELIVERED]
    assert {r["state"] for r in runs} == {"success"}


def test_report_waited_for_the_right_ingest_run(day: Day) -> None:
    assert day.report["state"] == "success"
    tis = day.af.task_instances(REPORT, day.report["dag_run_id"])
    assert tis["wait_for_ingest"]["state"] == "success" and tis["build_report"]["state"] == "success"
    assert tis["wait_for_ingest"]["end_date"] >= day.ingest["end_date"]
    summary = json.loads((day.data / "reports" / DATE / "summary.json").read_text())
    assert [r["supermarket_id"] for r in summary["supermarkets"]] == list(DELIVERED)
    assert summary["missing"] == [NEVER]


def test_manual_create_metrics_through_the_rest_api(day: Day) -> None:
    r = day.af.trigger(METRICS, conf={"supermarket_id": 2, "date": DATE})
    assert r.status_code == 200, r.text
    run = day.af.wait_for_run(METRICS, r.json()["dag_run_id"], timeout=600)
    assert run["state"] == "success" and run["conf"] == {"supermarket_id": 2, "date": DATE}


@pytest.mark.parametrize("conf", [{"supermarket_id": 9, "date": DATE}, {"supermarket_id": 1, "date": "20-11-2026"}])
def test_bad_conf_is_rejected(day: Day, conf: dict[str, Any]) -> None:
    r = day.af.trigger(METRICS, conf=conf)
    assert r.status_code == 400, r.text
    assert ("supermarket_id" if conf["supermarket_id"] == 9 else "date") in r.text


def test_measurements(day: Day, measurements: dict[str, Any]) -> None:
    """Reported, not asserted beyond being measurable: delivery-to-metrics latency and pod overheads."""
    latency = day.success_to_metrics_s
    steps: dict[str, list[dict[str, float]]] = defaultdict(list)
    for pod in day.pods.pods.values():
        if pod.started and pod.finished and pod.deleted:
            step = pod.task_id.rsplit("_supermarket_", 1)[0]
            steps[step].append(
                {
                    "create_to_start": (pod.started - pod.created).total_seconds(),
                    "run": (pod.finished - pod.started).total_seconds(),
                    "finish_to_deleted": (pod.deleted - pod.finished).total_seconds(),
                }
            )
    measurements["success_to_metrics_s"] = latency
    measurements["pod_overhead_s"] = {
        step: {key: round(mean(r[key] for r in rows), 1) for key in rows[0]} | {"pods": len(rows)}
        for step, rows in sorted(steps.items())
    }
    measurements["e2e_wall_s"] = round(day.wall_s, 1)
    assert len(latency) == len(DELIVERED) and all(v > 0 for v in latency.values()) and steps


def same_image_by_another_name(image: str) -> str:
    """The loaded task image under its other, equivalent reference (containerd stores `name:tag` as
    `docker.io/library/name:tag`): a "new" task image for the settings without building or loading one."""
    prefix = "docker.io/library/"
    if image.startswith(prefix):
        return image.removeprefix(prefix)
    if "/" not in image:
        return prefix + image
    pytest.fail(f"no equivalent reference for {image!r}: run the suite on kind or the air-gapped cluster")


def scheduler_pods() -> dict[str, tuple[str, int]]:
    """The official chart's scheduler pods: name -> (uid, restarts); a change means Airflow restarted."""
    out = kubectl("-n", NAMESPACE, "get", "pods", "-l", "component=scheduler,release=airflow", "-o", "json").stdout
    return {
        p["metadata"]["name"]: (
            p["metadata"]["uid"],
            sum(c["restartCount"] for c in p["status"].get("containerStatuses", [])),
        )
        for p in json.loads(out)["items"]
    }


def test_a_new_task_image_reaches_new_task_pods_without_restarting_airflow(
    day: Day, deployed: Deployment, measurements: dict[str, Any]
) -> None:
    """pipeline.taskImage changes in our chart's ConfigMap (as `helm upgrade --set` leaves it; standalone: also
    the file Airflow reads). The next task pod runs the new image, and no Airflow pod restarted. Measured: the
    change -> the file in every scheduler pod (the kubelet's refresh) -> the next task run finished."""
    config_map = json.loads(kubectl("-n", NAMESPACE, "get", "configmap", PIPELINE_CONFIG_MAP, "-o", "json").stdout)
    before = json.loads(config_map["data"]["pipeline.json"])
    new_image = same_image_by_another_name(before["taskImage"])
    schedulers = scheduler_pods() if deployed.in_cluster else {}

    def set_task_image(image: str) -> None:
        if deployed.settings_file is not None:  # standalone: the file deploy.py wrote from the ConfigMap
            settings = json.loads(deployed.settings_file.read_text())
            deployed.settings_file.write_text(json.dumps({**settings, "taskImage": image}, indent=2))
        data = json.dumps({**before, "taskImage": image}, indent=2, sort_keys=True)
        patch = json.dumps({"data": {"pipeline.json": data}})
        kubectl("-n", NAMESPACE, "patch", "configmap", PIPELINE_CONFIG_MAP, "--type=merge", "-p", patch)

    def seen_by_airflow() -> bool:
        # LocalExecutor: tasks run, and read the settings, in the scheduler pods. Standalone: rewritten above.
        for pod in scheduler_pods() if deployed.in_cluster else {}:
            mounted = kubectl("-n", NAMESPACE, "exec", pod, "-c", "scheduler", "--", "cat", str(CONFIG_FILE))
            if json.loads(mounted.stdout)["taskImage"] != new_image:
                return False
        return True

    pods = PodRecorder(TASK_NAMESPACE)
    pods.start()
    try:
        changed = time.monotonic()
        set_task_image(new_image)
        wait_until("the new task image in the file Airflow reads", seen_by_airflow, timeout=300, every=2)
        in_file = time.monotonic() - changed
        r = day.af.trigger(METRICS, conf={"supermarket_id": 1, "date": DATE})
        assert r.status_code == 200, r.text
        run = day.af.wait_for_run(METRICS, r.json()["dag_run_id"], timeout=600)
        assert run["state"] == "success", run
        to_run = time.monotonic() - changed
    finally:
        set_task_image(before["taskImage"])
        pods.stop()
    assert pods.error is None, pods.error
    assert {p.spec.containers[0].image for p in pods.pods.values() if p.task_id == "compute_metrics"} == {new_image}
    assert scheduler_pods() == schedulers  # the same pods, no container restarts: nobody restarted Airflow
    measurements["task_image_change_s"] = {
        "mode": deployed.mode,
        "configmap_to_file_in_airflow_pods": round(in_file, 1),
        "configmap_to_next_task_run_finished": round(to_run, 1),
    }

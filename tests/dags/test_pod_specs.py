"""Every KubernetesPodOperator task's pod, built without a cluster after rendering its templates."""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

DATE = "2026-11-24"


def render(task: Any, params: dict[str, Any] | None = None) -> Any:
    """Renders the task's templated fields the way a worker does, for a scheduled run on DATE."""
    from airflow.sdk.definitions.param import ParamsDict

    logical = dt.datetime.fromisoformat(f"{DATE}T16:00:00+00:00")
    merged = ParamsDict(dict(task.dag.params))
    for key, value in (params or {}).items():
        merged[key] = value
    context = {
        "params": merged,
        "dag_run": SimpleNamespace(logical_date=logical, run_after=logical, conf={}),
        "ds": DATE,
        "run_id": "scheduled__test",
        "ti": SimpleNamespace(try_number=1),
    }
    task.render_template_fields(context)
    return task


def pod_tasks(dags: dict[str, Any]) -> list[Any]:
    return [t for d in dags.values() for t in d.tasks if type(t).__name__ == "SupermarketPodOperator"]


def test_every_step_is_a_pod_in_kubernetes_mode(dags):
    assert len(pod_tasks(dags)) == 10


@pytest.fixture(scope="module")
def pods(dags) -> dict[str, Any]:
    built = {}
    for task in pod_tasks(dags):
        params = {"supermarket_id": 2, "date": DATE} if task.dag_id == "create_metrics" else None
        built[f"{task.dag_id}.{task.task_id}"] = render(task, params).build_pod_request_obj(dry_run=True)
    return built


def test_pod_runs_the_task_image_with_the_local_modes_arguments(dags, pods, chart_defaults):
    from supermarket_pipeline.config import CONFIG
    from supermarket_pipeline.steps import cli_args, pipeline_step

    pod = pods["ingest_supermarket_data.process_supermarket_3"]
    [container] = pod.spec.containers
    assert container.image == chart_defaults["taskImage"] and container.image.startswith("supermarket-task:")
    assert container.image_pull_policy == chart_defaults["taskImagePullPolicy"]
    assert container.command in (None, [])  # the image's ENTRYPOINT is `supermarket`
    expected = cli_args("process", storage_url="file:///data", date=DATE, supermarket_id=3)
    assert container.args == expected
    local = pipeline_step(
        "process_supermarket_3",
        "process",
        date="{{ params.date or ds }}",
        supermarket_id=3,
        cfg=dataclasses.replace(CONFIG, execution_mode="local"),
    )
    local.render_template_fields({"params": {"date": DATE}, "ds": DATE})
    assert local.arguments == container.args


def test_create_metrics_pod_takes_supermarket_and_date_from_conf(pods):
    [container] = pods["create_metrics.compute_metrics"].spec.containers
    assert container.args == ["metrics", "--storage", "file:///data", "--date", DATE, "--supermarket", "2"]


def test_report_pod_aggregates_all_configured_supermarkets(pods):
    [container] = pods["supermarket_report.build_report"].spec.containers
    assert container.args[:1] == ["report"] and container.args[-2:] == ["--supermarkets", "1,2,3,4"]


def test_security_context_is_restricted(pods):
    for name, pod in pods.items():
        sc = pod.spec.security_context
        assert sc.run_as_non_root and sc.run_as_user == 10001 and sc.seccomp_profile.type == "RuntimeDefault", name
        [container] = pod.spec.containers
        csc = container.security_context
        assert csc.allow_privilege_escalation is False and csc.read_only_root_filesystem is True, name
        assert csc.capabilities.drop == ["ALL"], name
        assert pod.spec.automount_service_account_token is False, name
        assert pod.spec.service_account_name == "supermarket-task", name


def test_resources_volumes_labels_namespace(pods):
    """The chart's defaults for release `supermarket`: names derived from the release."""
    pod = pods["ingest_supermarket_data.copy_to_raw_supermarket_1"]
    assert pod.metadata.namespace == "supermarket-tasks"
    [container] = pod.spec.containers
    assert container.resources.requests == {"cpu": "250m", "memory": "512Mi"}
    assert container.resources.limits["memory"] == "1Gi"
    volumes = {v.name: v for v in pod.spec.volumes}
    assert volumes["data"].persistent_volume_claim.claim_name == "supermarket-data"
    assert volumes["tmp"].empty_dir is not None  # the only writable place besides /data
    assert {m.mount_path for m in container.volume_mounts} == {"/data", "/tmp"}  # /data: file:///data above
    labels = pod.metadata.labels
    assert labels["app.kubernetes.io/part-of"] == "supermarket-pipeline"
    assert labels["supermarket/supermarket-id"] == "1" and labels["supermarket/step"] == "copy-to-raw"
    # KubernetesPodOperator adds dag_id / task_id / run_id / try_number labels itself at run time.


def test_pods_are_deleted_when_they_succeed_and_logs_are_streamed(dags):
    for task in pod_tasks(dags):
        assert task.on_finish_action.value == "delete_succeeded_pod"
        assert task.get_logs is True
        assert task.startup_timeout_seconds == 300


def test_object_storage_mounts_no_data_claim(dags):
    """dataVolume.mode none (s3:// storage): the chart leaves dataPvc empty, and the pods mount no claim."""
    import dataclasses

    from supermarket_pipeline.config import CONFIG
    from supermarket_pipeline.steps import pipeline_step

    cfg = dataclasses.replace(CONFIG, data_pvc=None, storage_url="s3://bucket/prefix")
    task = pipeline_step("process_supermarket_1", "process", date=DATE, supermarket_id=1, cfg=cfg)
    pod = task.build_pod_request_obj(dry_run=True)
    assert [v.name for v in pod.spec.volumes] == ["tmp"]
    assert pod.spec.containers[0].args[:3] == ["process", "--storage", "s3://bucket/prefix"]

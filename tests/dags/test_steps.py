"""Local execution mode for real: the CLI as a subprocess, its exit codes mapped to retry / no retry."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

DATE = "2026-11-24"


def local_step(step: str, storage: Path, **kwargs):
    from supermarket_pipeline.config import CONFIG
    from supermarket_pipeline.steps import pipeline_step

    cfg = dataclasses.replace(CONFIG, execution_mode="local", storage_url=str(storage))
    return pipeline_step(f"{step}_test", step, date=DATE, cfg=cfg, **kwargs)


def test_local_step_runs_the_cli_and_succeeds(tmp_path):
    import datetime as dt

    from supermarket.simulate import simulate

    simulate(str(tmp_path), dt.date.fromisoformat(DATE), [1], rows=30)
    local_step("copy-to-raw", tmp_path, supermarket_id=1).execute({})
    assert (tmp_path / "raw" / "supermarket_1" / DATE / "_MANIFEST.json").exists()


def test_bad_input_fails_without_retry(tmp_path):
    from airflow.sdk.exceptions import AirflowFailException

    # Nothing delivered: copy-to-raw exits 65 (bad input), so retrying cannot help.
    with pytest.raises(AirflowFailException, match="exit code 65"):
        local_step("copy-to-raw", tmp_path, supermarket_id=1).execute({})


def test_infrastructure_errors_are_retried(tmp_path):
    import datetime as dt

    from airflow.sdk.exceptions import AirflowException, AirflowFailException

    from supermarket.simulate import simulate

    simulate(str(tmp_path), dt.date.fromisoformat(DATE), [1], rows=10)
    (tmp_path / "raw").write_text("")  # raw storage unusable, as an unmounted volume would be
    with pytest.raises(AirflowException, match="exit code 75") as info:
        local_step("copy-to-raw", tmp_path, supermarket_id=1).execute({})
    assert not isinstance(info.value, AirflowFailException)


@pytest.mark.parametrize("code,retry", [(0, None), (1, True), (2, False), (65, False), (75, True), (137, True)])
def test_exit_code_policy(code, retry):
    from airflow.sdk.exceptions import AirflowException, AirflowFailException

    from supermarket_pipeline.exit_codes import raise_for_exit_code

    if retry is None:
        raise_for_exit_code(code, "step")
        return
    with pytest.raises(AirflowException) as info:
        raise_for_exit_code(code, "step")
    assert isinstance(info.value, AirflowFailException) is (not retry)


def test_exit_codes_come_from_the_task_package():
    """The DAG helper restates no code: the task CLI's own constants decide (imported when a step finishes)."""
    from airflow.sdk.exceptions import AirflowException, AirflowFailException

    from supermarket import errors
    from supermarket_pipeline.exit_codes import raise_for_exit_code

    for code, retry in ((errors.EXIT_BAD_INPUT, False), (errors.EXIT_USAGE, False), (errors.EXIT_INFRA, True)):
        with pytest.raises(AirflowException) as info:
            raise_for_exit_code(code, "step")
        assert isinstance(info.value, AirflowFailException) is (not retry), code
    source = (Path(__file__).parents[2] / "dags/supermarket_pipeline/exit_codes.py").read_text()
    assert not re.search(r"\b(65|75)\b", source)


def test_pod_exit_code_is_read_from_the_finished_container():
    from kubernetes.client import models as k8s

    from supermarket_pipeline.pod_operator import container_exit_code

    def pod(code):
        state = k8s.V1ContainerState(terminated=k8s.V1ContainerStateTerminated(exit_code=code))
        status = k8s.V1ContainerStatus(name="base", state=state, image="x", image_id="x", ready=False, restart_count=0)
        return k8s.V1Pod(status=k8s.V1PodStatus(container_statuses=[status]))

    assert container_exit_code(pod(65)) == 65
    assert container_exit_code(k8s.V1Pod(status=k8s.V1PodStatus())) is None


def test_pod_operator_cleanup_takes_every_argument_the_provider_passes():
    """KubernetesPodOperator calls cleanup(pod, remote_pod, xcom_result=..., context=...)."""
    import inspect

    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    from supermarket_pipeline.pod_operator import SupermarketPodOperator

    ours = inspect.signature(SupermarketPodOperator.cleanup)
    for name in inspect.signature(KubernetesPodOperator.cleanup).parameters:
        if name not in ("self", "pod", "remote_pod"):
            ours.bind(object(), object(), object(), **{name: None})

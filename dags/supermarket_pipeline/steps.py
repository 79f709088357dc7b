"""Pipeline steps as Airflow tasks: the same `supermarket` CLI arguments, run as a pod or a subprocess.

`cli_args` is the one place that builds a step's command line; `pipeline_step` is the one factory that turns
it into a task for the configured execution mode.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow.sdk import BaseOperator

from .config import CONFIG, POD_POOL, Config
from .exit_codes import raise_for_exit_code

TASK_UID = 10001


def cli_args(
    step: str,
    *,
    storage_url: str,
    date: str,
    supermarket_id: int | str | None = None,
    supermarkets: tuple[int, ...] | None = None,
) -> list[str]:
    """The `supermarket` command line for one step (without the program name)."""
    args = [step, "--storage", storage_url, "--date", date]
    if supermarket_id is not None:
        args += ["--supermarket", str(supermarket_id)]
    if supermarkets is not None:
        args += ["--supermarkets", ",".join(map(str, supermarkets))]
    return args


class LocalCliStep(BaseOperator):
    """Runs `python -m supermarket <args>` as a subprocess (the `local` execution mode)."""

    template_fields = ("arguments",)

    def __init__(self, *, arguments: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.arguments = arguments

    def execute(self, context: Any) -> None:
        import subprocess
        import sys

        command = [sys.executable, "-m", "supermarket", *self.arguments]
        self.log.info("Running %s", " ".join(command))
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            self.log.info("%s", line.rstrip())
        raise_for_exit_code(proc.wait(), " ".join(self.arguments[:1]))


def _pod_step(task_id: str, arguments: list[str], labels: dict[str, str], cfg: Config, **kwargs: Any) -> Any:
    from kubernetes.client import models as k8s

    from .pod_operator import SupermarketPodOperator

    return SupermarketPodOperator(
        task_id=task_id,
        name=task_id.replace("_", "-"),
        namespace=cfg.task_namespace,
        image=cfg.task_image,
        image_pull_policy=cfg.task_image_pull_policy,
        arguments=arguments,
        labels={"app.kubernetes.io/part-of": "supermarket-pipeline", **labels},
        service_account_name=cfg.task_service_account,
        automount_service_account_token=False,  # task pods never talk to the Kubernetes API
        container_resources=k8s.V1ResourceRequirements(
            requests={"cpu": "250m", "memory": "512Mi"}, limits={"cpu": "1", "memory": "1Gi"}
        ),
        security_context=k8s.V1PodSecurityContext(
            run_as_non_root=True,
            run_as_user=TASK_UID,
            run_as_group=TASK_UID,
            fs_group=TASK_UID,
            seccomp_profile=k8s.V1SeccompProfile(type="RuntimeDefault"),
        ),
        container_security_context=k8s.V1SecurityContext(
            allow_privilege_escalation=False,
            read_only_root_filesystem=True,
            run_as_non_root=True,
            capabilities=k8s.V1Capabilities(drop=["ALL"]),
        ),
        volumes=[
            *(
                [
                    k8s.V1Volume(
                        name="data",
                        persistent_volume_claim=k8s.V1PersistentVolumeClaimVolumeSource(claim_name=cfg.data_pvc),
                    )
                ]
                if cfg.data_pvc
                else []  # object storage: nothing to mount
            ),
            k8s.V1Volume(name="tmp", empty_dir=k8s.V1EmptyDirVolumeSource(size_limit="2Gi")),
        ],
        volume_mounts=[
            *([k8s.V1VolumeMount(name="data", mount_path=cfg.data_mount_path)] if cfg.data_pvc else []),
            k8s.V1VolumeMount(name="tmp", mount_path="/tmp"),
        ],
        env_vars=[k8s.V1EnvVar(name="SUPERMARKET_MEMORY_LIMIT", value="512MB")],
        on_finish_action="delete_succeeded_pod",
        get_logs=True,
        startup_timeout_seconds=300,
        in_cluster=cfg.kube_in_cluster,
        config_file=cfg.kube_config_file,
        **kwargs,
    )


def pipeline_step(
    task_id: str,
    step: str,
    *,
    date: str,
    supermarket_id: int | str | None = None,
    supermarkets: tuple[int, ...] | None = None,
    cfg: Config = CONFIG,
    **kwargs: Any,
) -> Any:
    """One pipeline step as a task: a KubernetesPodOperator or a local subprocess, by configuration."""
    arguments = cli_args(
        step, storage_url=cfg.storage_url, date=date, supermarket_id=supermarket_id, supermarkets=supermarkets
    )
    kwargs.setdefault("pool", POD_POOL)
    kwargs.setdefault("retries", cfg.retries)
    kwargs.setdefault("retry_delay", dt.timedelta(minutes=1))
    kwargs.setdefault("retry_exponential_backoff", 2.0)
    kwargs.setdefault("max_retry_delay", dt.timedelta(minutes=15))
    if cfg.execution_mode == "local":
        return LocalCliStep(task_id=task_id, arguments=arguments, **kwargs)
    labels = {"supermarket/step": step}
    if supermarket_id is not None:
        labels["supermarket/supermarket-id"] = str(supermarket_id)
    return _pod_step(task_id, arguments, labels, cfg, **kwargs)

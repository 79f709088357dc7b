"""KubernetesPodOperator that reads the finished container's exit code to decide whether to retry."""

from __future__ import annotations

from typing import Any

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.sdk.exceptions import AirflowException

from .exit_codes import raise_for_exit_code


def container_exit_code(pod: Any, container: str = "base") -> int | None:
    statuses = (getattr(getattr(pod, "status", None), "container_statuses", None)) or []
    for status in statuses:
        terminated = status.state.terminated if status.state else None
        if status.name == container and terminated is not None:
            return int(terminated.exit_code)
    return None


class SupermarketPodOperator(KubernetesPodOperator):
    def cleanup(self, pod: Any, remote_pod: Any, *args: Any, **kwargs: Any) -> None:
        try:
            super().cleanup(pod, remote_pod, *args, **kwargs)
        except AirflowException:
            code = container_exit_code(remote_pod)
            if code:  # the step itself failed: its exit code says whether a retry can help
                raise_for_exit_code(code, f"pod {getattr(pod.metadata, 'name', '?')}")
            raise

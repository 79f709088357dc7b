"""The pipeline's configuration: environment variables, read here and nowhere else."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

POOLS_FILE = Path(__file__).with_name("pools.json")
_POOLS = json.loads(POOLS_FILE.read_text())
SENSOR_POOL = "supermarket_sensors"
POD_POOL = "supermarket_pods"
assert {SENSOR_POOL, POD_POOL} <= set(_POOLS), f"pool names out of sync with {POOLS_FILE}"

# The data date of a run: the `date` param when given, else the run's logical date (or, for runs triggered
# with "logical_date": null, the time it was asked to run).
DATA_DATE = (
    "{{ params.date if params.get('date') else (dag_run.logical_date or dag_run.run_after).strftime('%Y-%m-%d') }}"
)


def _env(name: str, default: str) -> str:
    return os.environ.get(f"SUPERMARKET_{name}", default)


def _bool(name: str, default: bool) -> bool:
    value = _env(name, str(default)).strip().lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError(f"SUPERMARKET_{name} must be true or false, got {value!r}")
    return value in ("true", "1", "yes")


def _ids(value: str) -> tuple[int, ...]:
    try:
        ids = tuple(int(v) for v in value.split(",") if v.strip())
    except ValueError:
        raise ValueError(f"SUPERMARKET_SUPERMARKETS must be comma-separated integers, got {value!r}") from None
    if not ids or any(i < 1 for i in ids) or len(set(ids)) != len(ids):
        raise ValueError(f"SUPERMARKET_SUPERMARKETS must list distinct positive ids, got {value!r}")
    return ids


@dataclass(frozen=True)
class Config:
    execution_mode: str
    storage_url: str
    sensor_storage_url: str
    task_image: str
    task_image_pull_policy: str
    task_namespace: str
    task_service_account: str
    data_pvc: str
    supermarkets: tuple[int, ...]
    poke_interval: dt.timedelta
    sensor_timeout: dt.timedelta
    sensor_deferrable: bool
    kube_in_cluster: bool
    kube_config_file: str | None
    retries: int

    @classmethod
    def from_env(cls) -> Config:
        mode = _env("EXECUTION_MODE", "kubernetes")
        if mode not in ("kubernetes", "local"):
            raise ValueError(f"SUPERMARKET_EXECUTION_MODE must be 'kubernetes' or 'local', got {mode!r}")
        storage = _env("STORAGE_URL", "file:///data")
        return cls(
            execution_mode=mode,
            storage_url=storage,
            sensor_storage_url=_env("SENSOR_STORAGE_URL", storage),
            task_image=_env("TASK_IMAGE", "supermarket-task:latest"),
            task_image_pull_policy=_env("TASK_IMAGE_PULL_POLICY", "IfNotPresent"),
            task_namespace=_env("TASK_NAMESPACE", "supermarket-tasks"),
            task_service_account=_env("TASK_SERVICE_ACCOUNT", "supermarket-task"),
            data_pvc=_env("DATA_PVC", "supermarket-data"),
            supermarkets=_ids(_env("SUPERMARKETS", "1,2,3,4")),
            poke_interval=dt.timedelta(seconds=float(_env("SENSOR_POKE_INTERVAL", "300"))),
            # 16:00 -> 02:00 is ten hours: a delivery later than that fails its branch before the next run.
            sensor_timeout=dt.timedelta(seconds=float(_env("SENSOR_TIMEOUT", "36000"))),
            sensor_deferrable=_bool("SENSOR_DEFERRABLE", False),
            kube_in_cluster=_bool("KUBE_IN_CLUSTER", True),
            kube_config_file=_env("KUBE_CONFIG_FILE", "") or None,
            retries=int(_env("RETRIES", "3")),
        )


CONFIG = Config.from_env()

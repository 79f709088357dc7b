"""The pipeline's settings, read here and nowhere else.

Their one owner is the `pipeline:` block of our chart (charts/supermarket-pipeline/values.yaml). The chart renders
it into the ConfigMap `<release>-pipeline` (one JSON file, keys as in `Config` below in camelCase), which the
official chart mounts into every Airflow container at CONFIG_FILE's folder. This module reads the file when a DAG
file is parsed. A mounted ConfigMap is updated in place by the kubelet and every task process parses its DAG file
afresh, so a changed setting (a new task image) reaches the next task without restarting Airflow.

Runs without the chart (the demo, the tests, an Airflow next to a cluster) point SUPERMARKET_CONFIG_FILE at a file
of the same form (`supermarket_dev.settings` renders one from the chart) and may override single keys with
environment variables: taskImage -> SUPERMARKET_TASK_IMAGE. No setting has a default here: a missing one is an
error that names the file and the variable.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

POOLS_FILE = Path(__file__).with_name("pools.json")
_POOLS = json.loads(POOLS_FILE.read_text())
SENSOR_POOL = "supermarket_sensors"
POD_POOL = "supermarket_pods"
assert {SENSOR_POOL, POD_POOL} <= set(_POOLS), f"pool names out of sync with {POOLS_FILE}"

# Where the official chart mounts the ConfigMap (charts/airflow/values.yaml volumeMounts; a test compares them).
CONFIG_FILE = Path("/etc/supermarket/pipeline.json")
CONFIG_FILE_VARIABLE = "SUPERMARKET_CONFIG_FILE"
ENV_PREFIX = "SUPERMARKET_"

# The data date of a run: the `date` param when given, else the run's logical date (or, for runs triggered
# with "logical_date": null, the time it was asked to run).
DATA_DATE = (
    "{{ params.date if params.get('date') else (dag_run.logical_date or dag_run.run_after).strftime('%Y-%m-%d') }}"
)


class ConfigError(ValueError):
    """A pipeline setting is missing or wrong; the message names the key, the file and the variable."""


def key_of(field: str) -> str:
    """The setting's key in the file (and in the chart's values): task_image -> taskImage."""
    head, *rest = field.split("_")
    return head + "".join(part.title() for part in rest)


def variable_of(field: str) -> str:
    """The environment variable that overrides the setting: task_image -> SUPERMARKET_TASK_IMAGE."""
    return ENV_PREFIX + field.upper()


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty string, got {value!r}")
    return value


def _optional_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return _text(value)


def _choice(*allowed: str) -> Any:
    def parse(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}, got {value!r}")
        return str(value)

    return parse


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError(f"must be true or false, got {value!r}")
    return text in ("true", "1", "yes")


def _count(value: Any) -> int:
    if isinstance(value, bool) or not re.fullmatch(r"\d+", str(value).strip()):
        raise ValueError(f"must be a whole number >= 0, got {value!r}")
    return int(value)


def _seconds(value: Any) -> dt.timedelta:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"must be a number of seconds, got {value!r}") from None
    if seconds <= 0:
        raise ValueError(f"must be a positive number of seconds, got {value!r}")
    return dt.timedelta(seconds=seconds)


def _ids(value: Any) -> tuple[int, ...]:
    items = value.split(",") if isinstance(value, str) else value
    try:
        ids = tuple(int(v) for v in items if str(v).strip())
    except (TypeError, ValueError):
        raise ValueError(f"must list supermarket ids (1,2,3 or a JSON list), got {value!r}") from None
    if not ids or any(i < 1 for i in ids) or len(set(ids)) != len(ids):
        raise ValueError(f"must list distinct positive ids, got {value!r}")
    return ids


def _absolute_path(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("/"):
        raise ValueError(f"must be an absolute path, got {value!r}")
    return value


# How each setting is read; `None` for the two that may be left out (see Config).
_PARSERS: dict[str, Any] = {
    "execution_mode": _choice("kubernetes", "local"),
    "storage_url": _text,
    "sensor_storage_url": _optional_text,
    "data_mount_path": _absolute_path,
    "task_image": _text,
    "task_image_pull_policy": _choice("Always", "IfNotPresent", "Never"),
    "task_namespace": _text,
    "task_service_account": _text,
    "data_pvc": _optional_text,
    "supermarkets": _ids,
    "sensor_poke_interval": _seconds,
    "sensor_timeout": _seconds,
    "sensor_deferrable": _bool,
    "kube_in_cluster": _bool,
    "kube_config_file": _optional_text,
    "retries": _count,
}
_OPTIONAL = {"sensor_storage_url", "data_pvc", "kube_config_file"}


@dataclass(frozen=True)
class Config:
    execution_mode: str  # kubernetes: each step a task pod; local: a subprocess (demo, tests)
    storage_url: str  # storage root as the task pods (or the local subprocess) see it
    sensor_storage_url: str  # as the sensors see it; left out: storage_url
    data_mount_path: str  # where task pods mount the data claim
    task_image: str
    task_image_pull_policy: str
    task_namespace: str
    task_service_account: str
    data_pvc: str | None  # the data claim task pods mount; left out: none (object storage)
    supermarkets: tuple[int, ...]
    sensor_poke_interval: dt.timedelta
    sensor_timeout: dt.timedelta
    sensor_deferrable: bool
    kube_in_cluster: bool
    kube_config_file: str | None  # KubernetesPodOperator config_file when not in the cluster
    retries: int

    @classmethod
    def load(cls, environ: dict[str, str] | None = None) -> Config:
        """The file (SUPERMARKET_CONFIG_FILE, else the chart's mount), then SUPERMARKET_<KEY> variables on top."""
        env = dict(os.environ if environ is None else environ)
        path = Path(env.get(CONFIG_FILE_VARIABLE) or CONFIG_FILE)
        try:
            from_file: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"pipeline settings file {path} is unreadable: {exc}") from None
        if not isinstance(from_file, dict):
            raise ConfigError(f"pipeline settings file {path} must hold a JSON object")
        fields = [f.name for f in dataclasses.fields(cls)]
        unknown = set(from_file) - {key_of(f) for f in fields}
        if unknown:
            # Only version skew puts them there (the chart's schema refuses unknown values): a chart one
            # release ahead of the synced DAGs. Say so, and go on with the keys this code knows.
            logging.getLogger(__name__).warning(
                "pipeline settings file %s: ignoring unknown keys %s", path, sorted(unknown)
            )
        values: dict[str, Any] = {}
        missing = []
        for field in fields:
            key, variable = key_of(field), variable_of(field)
            raw = env[variable] if variable in env else from_file.get(key)
            if raw is None and field not in _OPTIONAL:
                missing.append(f"{key} ({variable})")
                continue
            try:
                values[field] = _PARSERS[field](raw)
            except ValueError as exc:
                source = variable if variable in env else f"{key} in {path}"
                raise ConfigError(f"pipeline setting {source} {exc}") from None
        if missing:
            where = f"{path}" if path.exists() else f"{path} (not found: the chart's ConfigMap <release>-pipeline)"
            raise ConfigError(f"pipeline settings missing from {where} and the environment: {', '.join(missing)}")
        values["sensor_storage_url"] = values["sensor_storage_url"] or values["storage_url"]
        return cls(**values)


def __getattr__(name: str) -> Config:
    # CONFIG is read when first asked for (a DAG file importing it), so importing this module for its constants
    # (the tests, the support package) needs no settings.
    if name == "CONFIG":
        config = globals()["CONFIG"] = Config.load()
        return config
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

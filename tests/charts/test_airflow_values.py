"""Our values for the OFFICIAL Airflow chart: validated against its values.schema.json (path from a setting),
and rendered with the real chart where it is available (AIRFLOW_CHART, or `helm pull` with network)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import jmespath
import jsonschema
import pytest
import yaml

from .conftest import (
    AIRFLOW_CHART_REFERENCE,
    AIRFLOW_CHART_REPO,
    AIRFLOW_CHART_VERSION,
    CHARTS,
    ROOT,
    helm,
    one,
    render_chart,
)

VALUES = CHARTS / "airflow"
ENVIRONMENTS = ("kind", "prod")


def merged(env: str) -> dict[str, Any]:
    """What helm does with `-f values.yaml -f values-<env>.yaml`: maps merge, lists and scalars replace."""

    def merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
        out = dict(a)
        for key, value in b.items():
            out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        return out

    base = yaml.safe_load((VALUES / "values.yaml").read_text())
    return merge(base, yaml.safe_load((VALUES / f"values-{env}.yaml").read_text()))


def env_vars(values: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in values["env"]}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    path = AIRFLOW_CHART_REFERENCE / "values.schema.json"
    assert path.exists(), f"official chart schema not found at {path}: set AIRFLOW_CHART_REFERENCE"
    return json.loads(path.read_text())  # type: ignore[no-any-return]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_values_validate_against_the_official_schema(schema, env):
    errors = [f"{list(e.path)}: {e.message}" for e in jsonschema.Draft7Validator(schema).iter_errors(merged(env))]
    assert errors == []


def test_e2e_values_validate_against_the_official_schema(schema):
    values = merged("kind") | yaml.safe_load((ROOT / "k8s-tests/values-airflow-e2e.yaml").read_text())
    assert [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(values)] == []


def test_the_schema_catches_a_wrong_key(schema):
    bad = merged("kind")
    bad["images"]["airflow"]["pullPolicy"] = "Sometimes"
    assert list(jsonschema.Draft7Validator(schema).iter_errors(bad))


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_airflow_and_image(env):
    values = merged(env)
    assert values["airflowVersion"] == "3.3.2"
    assert values["images"]["airflow"]["repository"] == "supermarket-airflow"
    assert values["allowPodLaunching"] is True


def test_executors_per_environment():
    assert merged("kind")["executor"] == "LocalExecutor"
    assert merged("prod")["executor"] == "KubernetesExecutor"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_git_sync_uses_ref_and_the_dags_folder(env):
    git_sync = merged(env)["dags"]["gitSync"]
    assert git_sync["enabled"] and git_sync["ref"] == "main" and "branch" not in git_sync
    assert git_sync["subPath"] == "dags" and git_sync["depth"] == 1 and git_sync["maxFailures"] > 0
    assert (ROOT / git_sync["subPath"] / "ingest_supermarket_data.py").exists()


def test_production_git_credentials_come_from_a_secret():
    git_sync = merged("prod")["dags"]["gitSync"]
    assert git_sync["sshKeySecret"] and "sshKey" not in git_sync and git_sync["repo"].startswith("git@")
    assert "ssh-ed25519" in git_sync["knownHosts"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_stable_secrets_are_referenced(env):
    values = merged(env)
    for key in ("fernetKeySecretName", "jwtSecretName", "apiSecretKeySecretName", "webserverSecretKeySecretName"):
        assert values[key]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_pipeline_configuration_and_data_volume_reach_the_sensors(env):
    values = merged(env)
    env_ = env_vars(values)
    assert env_["SUPERMARKET_EXECUTION_MODE"] == "kubernetes"
    assert env_["SUPERMARKET_TASK_NAMESPACE"] == "supermarket-tasks"
    assert env_["SUPERMARKET_TASK_IMAGE"].startswith("supermarket-task:")
    assert int(env_["SUPERMARKET_SENSOR_POKE_INTERVAL"]) >= 60
    for component in ("scheduler", "triggerer", "workers"):
        assert values[component]["extraVolumeMounts"] == [{"name": "supermarket-data", "mountPath": "/data"}]
        assert (
            values[component]["extraVolumes"][0]["persistentVolumeClaim"]["claimName"] == env_["SUPERMARKET_DATA_PVC"]
        )


def test_database_per_environment():
    assert merged("kind")["postgresql"]["enabled"] is True
    prod = merged("prod")
    assert prod["postgresql"]["enabled"] is False and prod["data"]["metadataSecretName"]
    for env in ENVIRONMENTS:
        for job in ("migrateDatabaseJob", "createUserJob"):
            # Argo CD never runs Helm hooks; skaffold's `helm --wait` would deadlock on a post-install hook.
            assert merged(env)[job]["useHelmHooks"] is False


def test_no_big_volumes_on_kind():
    sizes = re.findall(r"size: (\d+)Gi", yaml.safe_dump(merged("kind")))
    assert sizes and max(int(s) for s in sizes) <= 5


def test_every_component_has_resources():
    values = merged("prod")
    for component in (
        "scheduler",
        "triggerer",
        "workers",
        "dagProcessor",
        "apiServer",
        "migrateDatabaseJob",
        "createUserJob",
    ):
        assert values[component]["resources"]["requests"], component


# -- the real chart ----------------------------------------------------------------------------------------
def official_chart() -> Path | None:
    """AIRFLOW_CHART (a chart directory or .tgz), else `helm pull` into .cache/charts (needs network)."""
    if os.environ.get("AIRFLOW_CHART"):
        return Path(os.environ["AIRFLOW_CHART"])
    cache = ROOT / ".cache" / "charts"
    tgz = cache / f"airflow-{AIRFLOW_CHART_VERSION}.tgz"
    if not tgz.exists():
        cache.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(
                [
                    helm(),
                    "pull",
                    "airflow",
                    "--repo",
                    AIRFLOW_CHART_REPO,
                    "--version",
                    AIRFLOW_CHART_VERSION,
                    "-d",
                    str(cache),
                ],
                capture_output=True,
                timeout=60,
                check=True,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            return None
    return tgz


@pytest.fixture(scope="module")
def chart() -> Path:
    path = official_chart()
    if path is None:
        pytest.skip(
            f"official Airflow chart {AIRFLOW_CHART_VERSION} not available (no network to "
            f"{AIRFLOW_CHART_REPO}, AIRFLOW_CHART unset): validated our values against the schema only"
        )
    print(f"\nrendering the REAL official chart from {path}")
    return path


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_real_chart_renders_valid_objects_with_our_values(chart, env):
    objects = render_chart(chart, values_files=[VALUES / "values.yaml", VALUES / f"values-{env}.yaml"], name="airflow")
    [scheduler] = [
        o
        for o in objects
        if o["kind"] in ("Deployment", "StatefulSet") and o["metadata"]["name"] == "airflow-scheduler"
    ]
    spec = scheduler["spec"]["template"]["spec"]
    mounts = jmespath.search("containers[?name=='scheduler'].volumeMounts[] | [?name=='supermarket-data']", spec)
    assert mounts == [{"name": "supermarket-data", "mountPath": "/data"}]
    env_names = jmespath.search("containers[?name=='scheduler'].env[].name", spec)
    assert "SUPERMARKET_TASK_IMAGE" in env_names and "AIRFLOW__API_AUTH__JWT_SECRET" in env_names
    # Airflow 3 parses DAGs in the DAG processor: that is where git-sync must run.
    processor = one(objects, "Deployment", "airflow-dag-processor")["spec"]["template"]["spec"]
    git_sync = jmespath.search("containers[?name=='git-sync'] | [0].env", processor)
    assert {"name": "GITSYNC_REF", "value": "main"} in git_sync
    assert {"name": "GITSYNC_DEPTH", "value": "1"} in git_sync


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_real_chart_has_no_unjustified_checkov_findings(chart, env):
    from .test_checkov import SKIPS, checkov_failures

    objects = render_chart(chart, values_files=[VALUES / "values.yaml", VALUES / f"values-{env}.yaml"], name="airflow")
    assert checkov_failures(objects, SKIPS["official"]) == []

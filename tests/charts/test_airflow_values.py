"""Our values for the OFFICIAL Airflow chart: validated against its values.schema.json and rendered with the real
chart (AIRFLOW_CHART, by default ../shared/reference/airflow-chart; else `helm pull` with network)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import jmespath
import jsonschema
import pytest
import yaml

from .conftest import (
    AIRFLOW_CHART,
    AIRFLOW_CHART_REPO,
    AIRFLOW_CHART_VERSION,
    CHARTS,
    ROOT,
    helm,
    one,
    render_chart,
)

VALUES = CHARTS / "airflow"
WORKLOADS = ("Deployment", "StatefulSet")
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
    path = AIRFLOW_CHART / "values.schema.json"
    assert path.exists(), f"official chart schema not found at {path}: set AIRFLOW_CHART to the chart's folder"
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
    # git-sync v4 takes the deprecated GIT_SYNC_BRANCH over GITSYNC_REF: both must name the same branch.
    assert git_sync["enabled"] and git_sync["ref"] == git_sync["branch"] == "main"
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
def test_no_pipeline_setting_is_written_here(env):
    """The pipeline's settings have one owner, our chart's `pipeline:` block: no SUPERMARKET_* variables here."""
    text = (VALUES / "values.yaml").read_text() + (VALUES / f"values-{env}.yaml").read_text()
    assert "SUPERMARKET_" not in text
    values = merged(env)
    assert "env" not in values and "extraEnv" not in values and "extraEnvFrom" not in values


@pytest.fixture(scope="module")
def ours() -> list[dict[str, Any]]:
    """Our chart as these values expect it: release `supermarket` in the Airflow namespace."""
    return render_chart(name="supermarket", namespace="airflow")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_pipeline_settings_are_mounted_from_our_charts_config_map(env, ours):
    from supermarket_pipeline.config import CONFIG_FILE

    values = merged(env)
    [volume] = [v for v in values["volumes"] if v["name"] == "supermarket-pipeline"]
    [mount] = [m for m in values["volumeMounts"] if m["name"] == "supermarket-pipeline"]
    config_map = one(ours, "ConfigMap", volume["configMap"]["name"])
    # A directory mount (no subPath): the kubelet updates the file in place, no restart needed.
    assert "subPath" not in mount and mount["readOnly"] is True
    assert mount["mountPath"] == str(CONFIG_FILE.parent) and CONFIG_FILE.name in config_map["data"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_data_volume_reaches_the_sensors_where_the_task_pods_see_it(env, ours):
    values = merged(env)
    [config_map] = [c for c in ours if c["kind"] == "ConfigMap" and c["metadata"]["name"] == "supermarket-pipeline"]
    settings = json.loads(config_map["data"]["pipeline.json"])
    claims = {c["metadata"]["name"] for c in ours if c["kind"] == "PersistentVolumeClaim"}
    for component in ("scheduler", "triggerer", "workers"):
        [volume] = values[component]["extraVolumes"]
        [mount] = values[component]["extraVolumeMounts"]
        assert volume["persistentVolumeClaim"]["claimName"] == settings["dataPvc"] and settings["dataPvc"] in claims
        # The sensors read the storage URL's path: it must be where the Airflow pods mount the claim.
        assert mount == {"name": volume["name"], "mountPath": settings["dataMountPath"]}
        assert settings["storageUrl"] == f"file://{mount['mountPath']}"


def test_secret_names_are_our_charts(ours):
    names = {s["metadata"]["name"] for s in ours if s["kind"] == "Secret"}
    values = merged("kind")
    for key in ("fernetKeySecretName", "jwtSecretName", "apiSecretKeySecretName", "webserverSecretKeySecretName"):
        assert values[key] in names, key


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
    if AIRFLOW_CHART.exists():
        return AIRFLOW_CHART
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
            f"{AIRFLOW_CHART_REPO}, nothing at AIRFLOW_CHART={AIRFLOW_CHART}): validated our values against the "
            "schema only"
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
    assert "AIRFLOW__API_AUTH__JWT_SECRET" in env_names
    assert not [n for n in env_names if n.startswith("SUPERMARKET_")]
    # The settings reach every Airflow container that parses DAGs or runs tasks, as a directory mount.
    pods = {o["metadata"]["name"]: o["spec"]["template"]["spec"] for o in objects if o["kind"] in WORKLOADS}
    for name in ("airflow-scheduler", "airflow-dag-processor", "airflow-triggerer", "airflow-api-server"):
        mounts = jmespath.search("containers[].volumeMounts[] | [?name=='supermarket-pipeline']", pods[name])
        assert mounts and all(m["mountPath"] == "/etc/supermarket" and "subPath" not in m for m in mounts), name
        volume = jmespath.search("volumes[?name=='supermarket-pipeline'] | [0].configMap.name", pods[name])
        assert volume == "supermarket-pipeline", name
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

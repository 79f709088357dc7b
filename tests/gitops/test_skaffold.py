"""skaffold.yaml: valid against the skaffold v4beta14 JSON schema (path from a setting) and wired right."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Path(
    os.environ.get("SKAFFOLD_SCHEMA", ROOT.parent / "shared" / "reference" / "skaffold" / "v4beta14.schema.json")
)
CONFIG = yaml.safe_load((ROOT / "skaffold.yaml").read_text())
RELEASES = CONFIG["deploy"]["helm"]["releases"]


def test_valid_against_the_schema():
    assert SCHEMA.exists(), f"skaffold schema not found at {SCHEMA}: set SKAFFOLD_SCHEMA"
    schema = json.loads(SCHEMA.read_text())
    errors = [f"{list(e.path)}: {e.message}" for e in jsonschema.Draft7Validator(schema).iter_errors(CONFIG)]
    assert errors == []
    assert CONFIG["apiVersion"] in ("skaffold/v4beta13", "skaffold/v4beta14")


def test_the_schema_rejects_a_typo():
    schema = json.loads(SCHEMA.read_text())
    bad = yaml.safe_load((ROOT / "skaffold.yaml").read_text())
    bad["build"]["artifacts"][0]["dockerr"] = bad["build"]["artifacts"][0].pop("docker")
    assert list(jsonschema.Draft7Validator(schema).iter_errors(bad))


def test_both_images_are_built_from_their_dockerfiles_with_base_image_args():
    artifacts = {a["image"]: a for a in CONFIG["build"]["artifacts"]}
    assert set(artifacts) == {"supermarket-task", "supermarket-airflow"}
    for artifact in artifacts.values():
        assert (ROOT / artifact["docker"]["dockerfile"]).exists()
        assert artifact["docker"]["buildArgs"]
    assert CONFIG["build"]["local"]["push"] is False


def test_every_built_image_is_used_by_a_release():
    templates = json.dumps([r.get("setValueTemplates", {}) for r in RELEASES])
    for artifact in CONFIG["build"]["artifacts"]:
        key = artifact["image"].replace("-", "_")
        assert f"IMAGE_REPO_{key}" in templates or f"IMAGE_FULLY_QUALIFIED_{key}" in templates, key


def test_our_chart_then_the_pinned_official_chart():
    assert [r["name"] for r in RELEASES] == ["supermarket", "airflow"]
    ours, official = RELEASES
    assert (ROOT / ours["chartPath"] / "Chart.yaml").exists()
    assert official["repo"] == "https://airflow.apache.org" and official["remoteChart"] == "airflow"
    assert official["version"] == "1.22.0" and official["upgradeOnChange"] is True
    for values in official["valuesFiles"]:
        assert (ROOT / values).exists(), values


def test_task_image_reaches_the_pipeline_configuration():
    official = RELEASES[1]
    kind_env = yaml.safe_load((ROOT / "charts/airflow/values-kind.yaml").read_text())["env"]
    assert kind_env[2]["name"] == "SUPERMARKET_TASK_IMAGE"  # the index setValueTemplates writes to
    assert official["setValueTemplates"]["env[2].value"] == "{{.IMAGE_FULLY_QUALIFIED_supermarket_task}}"
    assert kind_env[3]["name"] == "SUPERMARKET_TASK_IMAGE_PULL_POLICY"


def test_dev_loop_uses_the_working_tree_dags():
    ours, official = RELEASES
    assert ours["setValueTemplates"]["devDags.enabled"] is True
    assert "charts/airflow/values-dev-dags.yaml" in official["valuesFiles"]
    kind = yaml.safe_load((ROOT / "k8s-tests/cluster/kind.yaml").read_text())
    mounts = {m["containerPath"]: m for m in kind["nodes"][0]["extraMounts"]}
    assert mounts["/dags"]["hostPath"] == "dags"
    chart_values = yaml.safe_load((ROOT / "charts/supermarket-pipeline/values.yaml").read_text())
    assert chart_values["devDags"]["hostPath"] == "/dags"
    assert chart_values["dataVolume"]["hostPath"]["path"].startswith(mounts["/data"]["containerPath"])


@pytest.mark.parametrize("name", ["kind", "remote"])
def test_profiles(name):
    profiles = {p["name"]: p for p in CONFIG["profiles"]}
    assert name in profiles
    if name == "kind":
        assert profiles["kind"]["activation"] == [{"kubeContext": "kind-supermarket"}]
    else:
        assert profiles["remote"]["build"]["local"]["push"] is True
        paths = {p["path"] for p in profiles["remote"]["patches"]}
        assert "/deploy/helm/releases/1/valuesFiles" in paths


def test_e2e_profile_adds_the_e2e_values_to_the_airflow_release():
    (profile,) = [p for p in CONFIG["profiles"] if p["name"] == "e2e"]
    (patch,) = profile["patches"]
    assert patch["op"] == "add" and patch["path"] == "/deploy/helm/releases/1/valuesFiles/-"
    values = yaml.safe_load((ROOT / patch["value"]).read_text())
    # extraEnv (a string in the official chart) adds to the env list of values-kind.yaml instead of replacing it.
    assert set(values) == {"extraEnv"}
    env = {e["name"]: e["value"] for e in yaml.safe_load(values["extraEnv"])}
    assert env["SUPERMARKET_SENSOR_TIMEOUT"] == "150"
    assert env["AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE"] == "False"


def test_api_server_is_port_forwarded():
    assert {"resourceName": "airflow-api-server", "port": 8080}.items() <= CONFIG["portForward"][0].items()


def test_kind_cluster_has_a_fixed_api_port():
    kind = yaml.safe_load((ROOT / "k8s-tests/cluster/kind.yaml").read_text())
    assert kind["networking"]["apiServerPort"] == 6443 and kind["name"] == "supermarket"
    assert len(kind["nodes"]) == 1

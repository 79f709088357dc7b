"""skaffold.yaml: valid against the skaffold v4beta14 JSON schema (path from a setting) and wired right."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
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


def test_task_image_is_set_by_key_in_our_charts_pipeline_block():
    ours, official = RELEASES
    assert ours["setValueTemplates"]["pipeline.taskImage"] == "{{.IMAGE_FULLY_QUALIFIED_supermarket_task}}"
    chart_values = yaml.safe_load((ROOT / ours["chartPath"] / "values.yaml").read_text())
    for key in ours["setValueTemplates"] | ours.get("setValues", {}):
        section, name = key.split(".", 1)
        assert name.split(".")[0] in chart_values[section], key  # every key exists in the chart's values
    assert not any("env" in key for key in official["setValueTemplates"])


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


def profile(name: str) -> dict:
    (found,) = [p for p in CONFIG["profiles"] if p["name"] == name]
    return found  # type: ignore[no-any-return]


def profile_releases(name: str) -> dict[str, dict]:
    """A profile's releases by name (profiles restate whole releases, merged from the base ones)."""
    return {r["name"]: r for r in profile(name)["deploy"]["helm"]["releases"]}


def test_no_profile_patches_by_position():
    assert all("patches" not in p for p in CONFIG["profiles"])


def test_kind_profile_is_the_default_loop():
    assert profile("kind")["activation"] == [{"kubeContext": "kind-supermarket"}]
    assert "deploy" not in profile("kind")


def test_remote_profile_pushes_and_uses_production_values():
    remote = profile("remote")
    assert remote["build"]["local"]["push"] is True
    releases = profile_releases("remote")
    assert set(releases) == {"supermarket", "airflow"}
    assert releases["supermarket"]["setValueTemplates"]["devDags.enabled"] is False
    assert (
        releases["supermarket"]["setValueTemplates"]["pipeline.taskImage"]
        == RELEASES[0]["setValueTemplates"]["pipeline.taskImage"]
    )
    assert releases["airflow"]["valuesFiles"] == ["charts/airflow/values.yaml", "charts/airflow/values-prod.yaml"]
    assert {k: v for k, v in releases["airflow"].items() if k != "valuesFiles"} == {
        k: v for k, v in RELEASES[1].items() if k != "valuesFiles"
    }


def test_e2e_profile_adds_the_e2e_values_to_both_releases():
    releases = profile_releases("e2e")
    ours, official = releases["supermarket"], releases["airflow"]
    assert official["valuesFiles"] == [*RELEASES[1]["valuesFiles"], "k8s-tests/values-airflow-e2e.yaml"]
    assert ours["valuesFiles"] == ["k8s-tests/values-e2e.yaml"]
    assert {k: v for k, v in ours.items() if k != "valuesFiles"} == RELEASES[0]
    e2e = yaml.safe_load((ROOT / "k8s-tests/values-e2e.yaml").read_text())
    # Short (minutes, not the production ten hours), no retries: the tests look at first attempts.
    assert set(e2e) == {"pipeline"} and e2e["pipeline"]["sensorTimeout"] <= 600 and e2e["pipeline"]["retries"] == 0
    airflow_e2e = yaml.safe_load((ROOT / "k8s-tests/values-airflow-e2e.yaml").read_text())
    assert airflow_e2e == {"config": {"scheduler": {"use_job_schedule": "False"}}}


def test_api_server_is_port_forwarded():
    assert {"resourceName": "airflow-api-server", "port": 8080}.items() <= CONFIG["portForward"][0].items()


def test_kind_cluster_has_a_fixed_api_port():
    kind = yaml.safe_load((ROOT / "k8s-tests/cluster/kind.yaml").read_text())
    assert kind["networking"]["apiServerPort"] == 6443 and kind["name"] == "supermarket"
    assert len(kind["nodes"]) == 1

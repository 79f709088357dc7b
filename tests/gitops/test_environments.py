"""GitOps: every environment renders (kubectl kustomize, offline) to Argo CD Applications whose references exist;
the promotion script copies what the previous environment runs and refuses anything else."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENTS = ROOT / "environments"
sys.path.insert(0, str(ENVIRONMENTS))

import promote  # noqa: E402


def kubectl() -> str:
    return shutil.which("kubectl") or str(ROOT / ".cache" / "tools" / "bin" / "kubectl")


def render(env: str) -> dict[str, dict]:
    out = subprocess.run(
        [kubectl(), "kustomize", str(ENVIRONMENTS / env)], capture_output=True, text=True, check=True
    ).stdout
    return {d["metadata"]["name"]: d for d in yaml.safe_load_all(out) if d}


@pytest.mark.parametrize("env", promote.ORDER)
def test_environment_renders_two_applications_in_waves(env):
    apps = render(env)
    assert set(apps) == {f"supermarket-{env}", f"airflow-{env}"}  # release.yaml itself is local config only
    for app in apps.values():
        assert app["apiVersion"] == "argoproj.io/v1alpha1" and app["kind"] == "Application"
        assert app["spec"]["destination"]["namespace"] == "airflow" and app["spec"]["project"]
    assert apps[f"supermarket-{env}"]["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "0"
    assert apps[f"airflow-{env}"]["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "1"


@pytest.mark.parametrize("env", promote.ORDER)
def test_release_values_reach_the_applications(env):
    release = promote.read_release(env)
    apps = render(env)
    official, ours = apps[f"airflow-{env}"]["spec"], apps[f"supermarket-{env}"]["spec"]
    chart, values_source = official["sources"]
    assert chart["repoURL"] == "https://airflow.apache.org" and chart["chart"] == "airflow"
    assert chart["targetRevision"] == release["airflowChartVersion"]
    params = {p["name"]: p["value"] for p in chart["helm"]["parameters"]}
    assert params == {
        "images.airflow.repository": release["airflowImageRepository"],
        "images.airflow.tag": release["airflowImageTag"],
        "dags.gitSync.ref": release["pipelineRevision"],
        "env[2].value": release["taskImage"],
    }
    assert values_source == {
        "ref": "values",
        "repoURL": ours["source"]["repoURL"],
        "targetRevision": release["pipelineRevision"],
    }
    assert ours["source"]["targetRevision"] == release["pipelineRevision"]
    assert {p["name"]: p["value"] for p in ours["source"]["helm"]["parameters"]} == {
        "airflow.image.repository": release["airflowImageRepository"],
        "airflow.image.tag": release["airflowImageTag"],
    }
    # What the parameters override is what the base values say it is.
    base_env = yaml.safe_load((ROOT / "charts/airflow/values.yaml").read_text())["env"]
    assert base_env[2]["name"] == "SUPERMARKET_TASK_IMAGE"


@pytest.mark.parametrize("env", promote.ORDER)
def test_every_referenced_values_file_exists(env):
    apps = render(env)
    for value_file in apps[f"airflow-{env}"]["spec"]["sources"][0]["helm"]["valueFiles"]:
        assert value_file.startswith("$values/") and (ROOT / value_file.removeprefix("$values/")).exists()
    ours = apps[f"supermarket-{env}"]["spec"]["source"]
    for value_file in ours["helm"]["valueFiles"]:
        assert (ROOT / ours["path"] / value_file).resolve().exists(), value_file
    assert (ROOT / ours["path"] / "Chart.yaml").exists()


def test_gitops_environments_run_the_chart_jobs_without_helm_hooks():
    base = yaml.safe_load((ROOT / "charts/airflow/values.yaml").read_text())
    prod = yaml.safe_load((ROOT / "charts/airflow/values-prod.yaml").read_text())
    for job in ("migrateDatabaseJob", "createUserJob"):
        assert base[job]["useHelmHooks"] is False and "useHelmHooks" not in prod.get(job, {})
    for env in promote.ORDER:
        values = yaml.safe_load((ENVIRONMENTS / env / "values-supermarket.yaml").read_text())
        assert values["pools"]["useHelmHooks"] is False and values["airflow"]["createSecrets"] is False


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "environments"
    shutil.copytree(ENVIRONMENTS, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_promotion_copies_what_the_previous_environment_runs(tree):
    before_prod = (tree / "prod" / "release.yaml").read_text()
    changes = promote.promote("staging", "prod", {"pipelineRevision": "0.1.0"}, root=tree)
    assert changes == {
        "pipelineRevision": ("0.0.9", "0.1.0"),
        "airflowImageTag": ("0.0.9", "0.1.0"),
        "taskImage": ("registry.example.com/supermarket-task:0.0.9", "registry.example.com/supermarket-task:0.1.0"),
    }
    after = promote.read_release("prod", root=tree)
    assert after["environment"] == "prod"  # not copied
    assert {k: after[k] for k in promote.PROMOTED} == {
        k: promote.read_release("staging", tree)[k] for k in promote.PROMOTED
    }
    text = (tree / "prod" / "release.yaml").read_text()
    assert text.count("\n") == before_prod.count("\n") and "local-config" in text  # comments kept
    assert promote.promote("staging", "prod", {}, root=tree) == {}  # idempotent


@pytest.mark.parametrize(
    "source,target,expect,message",
    [
        ("dev", "prod", {}, "every release passes through each environment"),
        ("prod", "dev", {}, "promotes to nothing"),
        ("staging", "prod", {"pipelineRevision": "9.9.9"}, "staging does not run pipelineRevision=9.9.9"),
        ("dev", "staging", {"airflowImageTag": "0.0.1"}, "promote only what the previous environment runs"),
    ],
)
def test_promotion_refuses(tree, source, target, expect, message):
    before = (tree / target / "release.yaml").read_text()
    with pytest.raises(promote.PromotionError, match=message):
        promote.promote(source, target, expect, root=tree)
    assert (tree / target / "release.yaml").read_text() == before


def test_promotion_cli_exit_codes(tree):
    ok = subprocess.run(
        [sys.executable, str(ENVIRONMENTS / "promote.py"), "dev", "staging", "--root", str(tree)],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0 and "nothing to promote" in ok.stdout
    refused = subprocess.run(
        [sys.executable, str(ENVIRONMENTS / "promote.py"), "dev", "prod", "--root", str(tree)],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 1 and refused.stderr.startswith("refused:")

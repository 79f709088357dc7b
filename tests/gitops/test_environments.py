"""GitOps: every environment renders (kubectl kustomize, offline) to Argo CD Applications whose references exist;
the promotion script copies what the previous environment runs and refuses anything else."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys

import pytest
import yaml

from supermarket_dev import ROOT
from supermarket_dev.tools import tool

ENVIRONMENTS = ROOT / "environments"


def _load_promote():
    """environments/promote.py is a script beside the environments it edits, not a package: load it by path."""
    spec = importlib.util.spec_from_file_location("promote", ENVIRONMENTS / "promote.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["promote"] = module  # dataclasses and exceptions look their module up
    spec.loader.exec_module(module)
    return module


promote = _load_promote()


def render(env: str) -> dict[str, dict]:
    out = subprocess.run(
        [tool("kubectl"), "kustomize", str(ENVIRONMENTS / env)], capture_output=True, text=True, check=True
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
        "pipeline.taskImage": release["taskImage"],  # by key: our chart owns the pipeline's settings
    }
    chart_values = yaml.safe_load((ROOT / ours["source"]["path"] / "values.yaml").read_text())
    assert "taskImage" in chart_values["pipeline"]


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

"""checkov over the rendered manifests: every finding is fixed or justified in charts/checkov-skips.yaml."""

from __future__ import annotations

import json
import subprocess
import tempfile

import pytest
import yaml

from .conftest import CHARTS, ROOT, render_chart

CHECKOV = ROOT / ".cache" / "checkov" / "bin" / "checkov"
SKIPS = yaml.safe_load((CHARTS / "checkov-skips.yaml").read_text())


def checkov_failures(objects: list[dict], skips: dict[str, str]) -> list[str]:
    if not CHECKOV.exists():
        pytest.fail(f"checkov not installed at {CHECKOV}: run scripts/install-checkov.sh")
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as manifest:
        yaml.safe_dump_all(objects, manifest)
        manifest.flush()
        proc = subprocess.run(
            [
                str(CHECKOV),
                "-f",
                manifest.name,
                "--framework",
                "kubernetes",
                "--quiet",
                "--compact",
                "-o",
                "json",
                "--skip-check",
                ",".join(skips),
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
    reports = json.loads(proc.stdout) if proc.stdout.strip() else []
    reports = reports if isinstance(reports, list) else [reports]
    return [
        f"{c['check_id']} {c['resource']}: {c['check_name']}"
        for r in reports
        for c in r.get("results", {}).get("failed_checks", [])
    ]


@pytest.mark.parametrize("values", [{}, {"pools": {"useHelmHooks": False}, "externalLauncher": {"enabled": True}}])
def test_our_chart_has_no_unjustified_findings(values):
    assert checkov_failures(render_chart(values=values), SKIPS["ours"]) == []


def test_skips_all_have_reasons():
    for scope in ("ours", "official"):
        for check, reason in SKIPS[scope].items():
            assert check.startswith(("CKV_K8S_", "CKV2_K8S_")) and len(reason) > 10, check

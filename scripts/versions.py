"""Versions that repeat across the repository, kept in one place (scripts/versions.json) and checked or bumped here.

    python scripts/versions.py                  check: every listed place holds the version in versions.json
    python scripts/versions.py airflow 3.3.3    bump: versions.json and every place below, then re-check

`{v}` is the full version (3.3.2), `{minor}` its major.minor (1.35), `{staging}` Kubernetes' staging-module form
of it (0.35.4). A bump changes text only: afterwards run what the printed notes say (lock files, go mod tidy).
tests/gitops/test_versions.py runs the check and a bump on a copy.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSIONS_FILE = Path("scripts/versions.json")

# name -> [(file, pattern)]; every pattern must match at least once in its file.
PLACES: dict[str, list[tuple[str, str]]] = {
    "airflow": [
        ("pyproject.toml", '"apache-airflow=={v}"'),
        ("images/airflow/requirements.in", "apache-airflow=={v}"),
        ("images/airflow/Dockerfile", "apache/airflow:{v}-python"),
        ("images/airflow/Dockerfile", '"apache-airflow=={v}"'),
        ("images/airflow/Dockerfile.airgapped", "Airflow {v} "),
        ("charts/airflow/values.yaml", 'airflowVersion: "{v}"'),
        ("skaffold.yaml", "apache/airflow:{v}-python"),
        ("scripts/build-images.sh", "apache/airflow:{v}"),
        ("Makefile", "Airflow {v}"),
        ("README.md", "Airflow {v}"),
        ("README.md", "apache/airflow:{v}"),
        ("charts/README.md", "Airflow {v}"),
        ("images/README.md", "apache/airflow:{v}-python"),
        ("images/README.md", "Airflow {v}"),
        ("k8s-tests/README.md", "standalone` {v}"),
        ("tests/charts/test_airflow_values.py", 'values["airflowVersion"] == "{v}"'),
        ("tests/images/test_airflow_image.py", 'stdout.strip() == "{v}"'),
        ("tests/images/test_airflow_image.py", '        == "{v}"'),
    ],
    "airflow-chart": [
        ("charts/airflow/values.yaml", "chart {v})"),
        ("environments/dev/release.yaml", 'airflowChartVersion: "{v}"'),
        ("environments/staging/release.yaml", 'airflowChartVersion: "{v}"'),
        ("environments/prod/release.yaml", 'airflowChartVersion: "{v}"'),
        ("skaffold.yaml", "version: {v}"),
        ("tests/charts/conftest.py", 'AIRFLOW_CHART_VERSION = "{v}"'),
        ("tests/gitops/test_skaffold.py", 'official["version"] == "{v}"'),
        ("README.md", "--version {v}"),
        ("charts/README.md", "chart ({v}, Airflow"),
        ("charts/README.md", "--version {v}"),
    ],
    "kubernetes": [
        ("k8s-tests/cluster/build/go.mod", "k8s.io/kubernetes v{v}"),
        ("k8s-tests/cluster/build/go.mod", " => k8s.io/{name} v{staging}"),
        ("k8s-tests/cluster/README.md", "Kubernetes v{v}"),
        ("k8s-tests/cluster/README.md", "`k8s.io/kubernetes` v{v}"),
        ("docs/contracts.md", "supermarket-k8s/v{v}/"),
        ("tests/charts/conftest.py", '"KUBERNETES_VERSION", "{minor}.0"'),
    ],
}
NOTES = {
    "airflow": "then: scripts/lock.sh (image locks), uv lock (dev lock), check the provider pins",
    "airflow-chart": "then: make test-charts with the new chart in AIRFLOW_CHART",
    "kubernetes": "then: cd k8s-tests/cluster/build && go mod tidy; the next make test-k8s rebuilds the cluster",
}
VERSION_RE = r"\d+\.\d+\.\d+"


def regex(pattern: str) -> re.Pattern[str]:
    """The place's pattern with each placeholder as a named group (the surrounding text literal)."""
    parts = re.split(r"(\{v\}|\{minor\}|\{staging\}|\{name\})", pattern)
    groups = {
        "{v}": rf"(?P<v>{VERSION_RE})",
        "{minor}": r"(?P<minor>\d+\.\d+)",
        "{staging}": r"(?P<staging>0\.\d+\.\d+)",
        "{name}": r"[a-z0-9./-]+",
    }
    return re.compile("".join(groups.get(p, re.escape(p)) for p in parts))


def forms(version: str) -> dict[str, str]:
    major, minor, patch = version.split(".")
    return {"v": version, "minor": f"{major}.{minor}", "staging": f"0.{minor}.{patch}"}


def check(root: Path) -> list[str]:
    """Every disagreement, as text; empty when all places hold versions.json's versions."""
    wanted = json.loads((root / VERSIONS_FILE).read_text())
    problems = []
    for name, places in PLACES.items():
        expected = forms(wanted[name])
        for file, pattern in places:
            matches = list(regex(pattern).finditer((root / file).read_text()))
            if not matches:
                problems.append(f"{file}: no {pattern!r} ({name}) found")
            for m in matches:
                for group, value in m.groupdict().items():
                    if value != expected[group]:
                        problems.append(f"{file}: {m.group(0)!r} but {name} is {wanted[name]} in {VERSIONS_FILE}")
    return problems


def bump(root: Path, name: str, version: str) -> None:
    if not re.fullmatch(VERSION_RE, version):
        raise SystemExit(f"not a version (expected X.Y.Z): {version!r}")
    new = forms(version)
    for file, pattern in PLACES[name]:
        path = root / file

        def replace(m: re.Match[str]) -> str:
            text, start = m.group(0), m.start()
            # Right to left, so earlier offsets stay valid.
            for group in sorted(m.groupdict(), key=lambda g: m.start(g), reverse=True):
                a, b = m.start(group) - start, m.end(group) - start
                text = text[:a] + new[group] + text[b:]
            return text

        path.write_text(regex(pattern).sub(replace, path.read_text()))
    versions = json.loads((root / VERSIONS_FILE).read_text())
    versions[name] = version
    (root / VERSIONS_FILE).write_text(json.dumps(versions, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", nargs="?", choices=sorted(PLACES))
    parser.add_argument("version", nargs="?")
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args()
    if args.name:
        if not args.version:
            parser.error("a bump needs NAME and VERSION")
        bump(args.root, args.name, args.version)
        print(f"{args.name} -> {args.version}; {NOTES[args.name]}")
    problems = check(args.root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        raise SystemExit(1)
    print(
        "versions agree: "
        + ", ".join(f"{k} {v}" for k, v in json.loads((args.root / VERSIONS_FILE).read_text()).items())
    )


if __name__ == "__main__":
    main()

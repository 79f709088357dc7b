"""Rules for the whole repository, checked on every tracked file:

- values are set by key, never by list position: no `name[2].field` Helm path, no `spec.sources.0` kustomize
  path, no `/releases/1/` JSON patch path. A position means "whatever is at that index today" and silently
  points somewhere else when the list changes;
- nothing reaches code through `sys.path`: code is imported from installed packages (the editable install puts
  src/ and dags/ on the path; pyproject.toml).
"""

from __future__ import annotations

import io
import re
import subprocess
import tokenize
from pathlib import Path

import pytest

from supermarket_dev import ROOT

THIS = Path(__file__).resolve().relative_to(ROOT).as_posix()

# A Helm/skaffold/Argo CD value path with a list index: env[2].value, releases[0].name, env[3]=x, env[3]: x
HELM_INDEX = re.compile(r"\b[A-Za-z_][\w-]*\[\d+\](?:\.[A-Za-z_][\w.-]*|\s*[:=])")
# A kustomize field path with a list index: spec.sources.0.targetRevision, parameters.2.value, valueFiles.1
DOTTED_INDEX = re.compile(r"\b[A-Za-z_][\w-]*\.\d+(?:\.[A-Za-z_][\w-]*|\b)")
# A JSON patch path with a list index: /deploy/helm/releases/1/valuesFiles
POINTER_INDEX = re.compile(r"""\bpath:\s*["']?/(?:[\w.-]+/)*\d+(?:/|["']?\s*$)""")
SYS_PATH_EDIT = re.compile(r"\bsys\.path\.(?:insert|append|extend)\b|\bsys\.path\s*(?:\+=|=)|\bsite\.addsitedir\b")


def tracked(*patterns: str) -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--", *patterns], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    files = [ROOT / name for name in out.split("\0") if name and name != THIS]
    return [f for f in files if f.is_file() and not f.is_symlink()]


def config_files() -> list[Path]:
    """Where value paths are written: YAML, JSON, shell, Makefile, Markdown, TOML."""
    return tracked("*.yaml", "*.yml", "*.json", "*.sh", "Makefile", "*.md", "*.toml", "*.tpl", "*.txt", ".ci/*")


def python_strings(path: Path) -> list[tuple[int, str]]:
    """String literals of a Python file (a --set argument or a kustomize path would be one)."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    return [(t.start[0], t.string) for t in tokens if t.type == tokenize.STRING]


def positional_paths(lines: list[tuple[int, str]]) -> list[str]:
    found = []
    for number, text in lines:
        for pattern in (HELM_INDEX, DOTTED_INDEX, POINTER_INDEX):
            for match in pattern.finditer(text):
                token = match.group(0)
                if pattern is DOTTED_INDEX and re.fullmatch(r"[\w-]*\d[\w-]*\.\d+.*|v?\d+\.\d+.*", token):
                    continue  # a version (python3.11, v1.35) is not a path
                if pattern is HELM_INDEX and re.fullmatch(r".*\]\.(csv|json|parquet|txt)", token):
                    continue  # a file name with glob characters (data-[1].csv, the bad-input tests) is not a path
                found.append(f"{number}: {token}")
    return found


def test_no_value_is_set_by_list_position():
    offenders = {}
    for path in config_files():
        lines = list(enumerate(path.read_text(errors="replace").splitlines(), start=1))
        if path.suffix == ".json":  # schemas: only keys, but regex patterns in them look like paths
            lines = [(n, line) for n, line in lines if '"pattern"' not in line]
        if found := positional_paths(lines):
            offenders[path.relative_to(ROOT).as_posix()] = found
    for path in tracked("*.py"):
        if found := positional_paths(python_strings(path)):
            offenders[path.relative_to(ROOT).as_posix()] = found
    assert offenders == {}


@pytest.mark.parametrize(
    "text",
    [
        "env[2].value: x",
        "          - name: env[3].value",
        "          - spec.sources.0.helm.parameters.2.value",
        "        path: /deploy/helm/releases/1/valuesFiles/-",
        "      - op: remove\n        path: /deploy/helm/releases/1/setValueTemplates",
    ],
)
def test_the_position_check_catches(text):
    lines = list(enumerate(text.splitlines(), start=1))
    assert positional_paths(lines)


@pytest.mark.parametrize(
    "text",
    [
        "pipeline.taskImage: x",
        "spec.sources.[chart=airflow].helm.parameters.[name=pipeline.taskImage].value",
        "uv venv --python 3.11",
        "kubeVersion: '>=1.29.0-0'",
        "image: python:3.11-slim-bookworm",
        "(delivery / 'data-[1].csv').write_text(rows)",
    ],
)
def test_the_position_check_lets_keys_pass(text):
    assert positional_paths([(1, text)]) == []


def test_no_sys_path_edits():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in tracked("*.py")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if SYS_PATH_EDIT.search(line) and not line.lstrip().startswith("#")
    ]
    assert offenders == []


def test_the_sys_path_check_catches():
    assert SYS_PATH_EDIT.search('sys.path.insert(0, str(ROOT / "scripts"))')
    assert SYS_PATH_EDIT.search("    sys.path.append(here)")

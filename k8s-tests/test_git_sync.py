"""DAGs reach Airflow only through git: a commit pushed to the git server is what the DAG processor parses
(git-sync over SSH, `chart` mode). A changed DAG appears through the API; a broken commit shows an import error
without stopping the other DAGs, and the next good commit clears it. Measured: push -> visible through the API."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from deploy import Deployment
from supermarket_dev.waiting import wait_until

METRICS = "create_metrics"
BROKEN = "broken_by_e2e.py"


@pytest.fixture
def git(deployed: Deployment) -> Any:
    if deployed.services is None:
        pytest.skip(f"DAGs come through git only in the `chart` mode (this run: {deployed.mode})")
    yield deployed.services
    deployed.services.push_dags("e2e: back to the repository's dags/")  # whatever a test left, undone


def add_tag(dags: Path, tag: str) -> None:
    source = dags / f"{METRICS}.py"
    text = source.read_text()
    assert 'tags=["supermarket"]' in text
    source.write_text(text.replace('tags=["supermarket"]', f'tags=["supermarket", "{tag}"]'))


def tags(deployed: Deployment, dag_id: str) -> set[str]:
    return {t["name"] for t in deployed.af.get(f"/api/v2/dags/{dag_id}")["tags"]}


def import_errors(deployed: Deployment) -> dict[str, str]:
    errors = deployed.af.get("/api/v2/importErrors")["import_errors"]
    return {e["filename"]: e["stack_trace"] for e in errors}


def test_a_pushed_dag_change_is_visible_through_the_api(
    git: Any, deployed: Deployment, measurements: dict[str, Any]
) -> None:
    tag = f"e2e-{uuid.uuid4().hex[:8]}"

    pushed = time.monotonic()
    git.push_dags(f"e2e: tag {tag}", lambda dags: add_tag(dags, tag))
    wait_until(f"tag {tag} on {METRICS} through the API", lambda: tag in tags(deployed, METRICS), 300, 2)
    measurements["git_push_to_api_s"] = round(time.monotonic() - pushed, 1)
    assert tags(deployed, "ingest_supermarket_data") == {"supermarket"}  # the other DAGs as they were


def test_a_broken_commit_shows_an_import_error_and_the_next_commit_clears_it(
    git: Any, deployed: Deployment, measurements: dict[str, Any]
) -> None:
    tag = f"e2e-{uuid.uuid4().hex[:8]}"

    def break_one_change_another(dags: Path) -> None:
        (dags / BROKEN).write_text("from airflow.sdk import DAG\n\ndef broken(:\n    pass\n")
        add_tag(dags, tag)

    pushed = time.monotonic()
    git.push_dags("e2e: a DAG file that does not parse, and a tag on another", break_one_change_another)

    def error_shown() -> str | None:
        return next((trace for name, trace in import_errors(deployed).items() if name.endswith(BROKEN)), None)

    trace = wait_until(f"an import error for {BROKEN}", error_shown, 300, 2)
    measurements["git_push_to_import_error_s"] = round(time.monotonic() - pushed, 1)
    assert "SyntaxError" in trace
    # The other files of the same commit are parsed as usual: the tag arrives, no other file has an error.
    wait_until(f"tag {tag} on {METRICS} beside the broken file", lambda: tag in tags(deployed, METRICS), 300, 2)
    assert [name for name in import_errors(deployed) if not name.endswith(BROKEN)] == []
    dag_ids = {d["dag_id"] for d in deployed.af.get("/api/v2/dags")["dags"]}
    assert {"ingest_supermarket_data", METRICS, "supermarket_report"} <= dag_ids
    fixed = time.monotonic()
    git.push_dags("e2e: the broken file removed")
    wait_until(f"the import error for {BROKEN} to clear", lambda: error_shown() is None, 300, 2)
    measurements["git_fix_to_error_cleared_s"] = round(time.monotonic() - fixed, 1)
    # The good commit is the repository's dags/ again: the tag goes too (its file may be parsed a moment later).
    wait_until(f"tag {tag} gone from {METRICS}", lambda: tag not in tags(deployed, METRICS), 300, 2)

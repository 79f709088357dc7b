"""The Airflow image behaves the way the official Helm chart expects of the official image."""

from __future__ import annotations

import json

from .conftest import ROOT, docker, inspect


def airflow_run(
    image: str,
    *args: str,
    env: dict[str, str] | None = None,
    volumes: tuple[str, ...] = (),
    user: str | None = None,
    check: bool = True,
):
    opts = ["--rm", "--network", "host"]
    for key, value in (env or {}).items():
        opts += ["-e", f"{key}={value}"]
    for volume in volumes:
        opts += ["-v", volume]
    if user:
        opts += ["--user", user]
    return docker("run", *opts, image, *args, check=check)


def cli_json(stdout: str) -> list[dict[str, str]]:
    """The JSON table an `airflow ... -o json` command prints ("No data found" when empty)."""
    lines = [line for line in stdout.splitlines() if line.startswith(("[", "{"))]
    if not lines:
        assert "No data found" in stdout, stdout
        return []
    return json.loads(lines[-1])  # type: ignore[no-any-return]


def test_airflow_version_and_pinned_providers(airflow_image):
    assert airflow_run(airflow_image, "airflow", "version").stdout.strip() == "3.3.2"
    providers = json.loads(airflow_run(airflow_image, "airflow", "providers", "list", "-o", "json").stdout)
    versions = {p["package_name"]: p["version"] for p in providers}
    assert versions["apache-airflow-providers-cncf-kubernetes"] == "10.25.0"
    assert versions["apache-airflow-providers-standard"] == "1.21.0"
    assert "apache-airflow-providers-fab" in versions  # the chart's default auth manager


def test_entrypoint_runs_the_charts_command_forms(airflow_image):
    # Most chart containers: args ["bash", "-c", "exec airflow <component>"].
    assert airflow_run(airflow_image, "bash", "-c", "exec airflow version").stdout.strip() == "3.3.2"
    # Init containers and jobs: args starting with `airflow`; and a bare subcommand, as with the official image.
    assert airflow_run(airflow_image, "version").stdout.strip() == "3.3.2"
    assert (
        airflow_run(airflow_image, "python", "-c", "import airflow; print(airflow.__version__)").stdout.strip()
        == "3.3.2"
    )


def test_user_home_and_arbitrary_uid(airflow_image):
    config = inspect(airflow_image)["Config"]
    assert config["User"] in ("50000:0", "airflow", "50000")
    env = dict(e.split("=", 1) for e in config["Env"])
    assert env["AIRFLOW_HOME"] == "/opt/airflow"
    ids = airflow_run(airflow_image, "bash", "-c", "id -u; id -g; command -v airflow").stdout.split()
    assert ids[:2] == ["50000", "0"] and ids[2].endswith("/airflow")
    # The chart (and OpenShift) may run any UID with GID 0: AIRFLOW_HOME must stay writable for the group.
    out = airflow_run(airflow_image, "bash", "-c", "touch /opt/airflow/logs/x && echo writable", user="12345:0")
    assert out.stdout.strip() == "writable"


def test_log_groomer_deletes_old_logs_only(airflow_image):
    """The chart's *-log-groomer sidecars run `bash /clean-logs`, as with the official image."""
    script = (
        "mkdir -p /opt/airflow/logs/dag_id=x/run && cd /opt/airflow/logs/dag_id=x"
        " && touch -d '20 days ago' run/old.log && touch new.log"
        " && bash /clean-logs && find /opt/airflow/logs -name '*.log' | sort"
    )
    env = {"CLEAN_LOGS_ONCE": "1", "AIRFLOW__LOG_RETENTION_DAYS": "15"}
    out = airflow_run(airflow_image, "bash", "-c", script, env=env)
    assert out.stdout.split() == ["/opt/airflow/logs/dag_id=x/new.log"]


def test_sensor_helper_is_importable_without_the_task_images_dependencies(airflow_image):
    code = "import supermarket.delivery, importlib.util; print(importlib.util.find_spec('duckdb') is None)"
    assert airflow_run(airflow_image, "python", "-c", code).stdout.strip() == "True"


def test_migrate_wait_for_migrations_and_dags_import_on_postgres(airflow_image, postgres, tmp_path):
    from supermarket_dev.settings import write_settings
    from supermarket_pipeline.config import CONFIG_FILE

    env = {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": postgres, "AIRFLOW__CORE__LOAD_EXAMPLES": "false"}
    # The chart's migrate-database job and the wait-for-migrations init container.
    airflow_run(airflow_image, "bash", "-c", "exec airflow db migrate", env=env)
    airflow_run(airflow_image, "airflow", "db", "check-migrations", "--migration-wait-timeout=60", env=env)
    # DAGs mounted the way git-sync mounts them: the repository checkout, dags folder = <repo>/dags; the
    # pipeline settings the way the official chart mounts our chart's ConfigMap (a directory).
    env["AIRFLOW__CORE__DAGS_FOLDER"] = "/opt/airflow/dags/repo/dags"
    write_settings(tmp_path / "settings" / CONFIG_FILE.name)
    (tmp_path / "settings").chmod(0o755)
    (tmp_path / "settings" / CONFIG_FILE.name).chmod(0o644)
    volumes = (f"{ROOT}:/opt/airflow/dags/repo:ro", f"{tmp_path / 'settings'}:{CONFIG_FILE.parent}:ro")
    airflow_run(airflow_image, "airflow", "dags", "reserialize", env=env, volumes=volumes)
    errors = airflow_run(airflow_image, "airflow", "dags", "list-import-errors", "-o", "json", env=env, volumes=volumes)
    assert cli_json(errors.stdout) == [], errors.stdout
    dags = cli_json(
        airflow_run(airflow_image, "airflow", "dags", "list", "-o", "json", env=env, volumes=volumes).stdout
    )
    assert {d["dag_id"] for d in dags} == {"ingest_supermarket_data", "create_metrics", "supermarket_report"}


def test_our_charts_pools_job_imports_the_pools_on_postgres(airflow_image, postgres):
    """The pools Job of our chart, as rendered, run in the image: it must wait for migrations AND import."""
    from tests.charts.conftest import render_chart

    (job,) = render_chart(show_only=["templates/pools-job.yaml"])
    (container,) = job["spec"]["template"]["spec"]["containers"]
    env = {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": postgres}
    airflow_run(airflow_image, "airflow", "db", "migrate", env=env)
    pools_file = ROOT / "dags/supermarket_pipeline/pools.json"
    airflow_run(airflow_image, *container["args"], env=env, volumes=(f"{pools_file}:/pools/pools.json:ro",))
    listed = cli_json(airflow_run(airflow_image, "airflow", "pools", "list", "-o", "json", env=env).stdout)
    expected = {name: pool["slots"] for name, pool in json.loads(pools_file.read_text()).items()}
    assert {p["pool"]: int(p["slots"]) for p in listed if p["pool"] in expected} == expected

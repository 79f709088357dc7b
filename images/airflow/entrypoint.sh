#!/usr/bin/env bash
# Entrypoint with the behaviour the official Airflow Helm chart expects of the official image:
#   bash -c "exec airflow scheduler"   -> runs the shell command          (most chart containers)
#   airflow db check-migrations ...    -> runs the program as given        (init containers, jobs)
#   scheduler / version / ...          -> an Airflow subcommand            (docker run IMAGE version)
set -euo pipefail
if [ $# -eq 0 ]; then
  exec airflow --help
fi
case "$1" in
  bash | sh | python | python3 | airflow | /*) exec "$@" ;;
  *) exec airflow "$@" ;;
esac

#!/usr/bin/env bash
# The official image's log-groomer interface: the chart's *-log-groomer sidecars run `bash /clean-logs`.
# Every AIRFLOW__LOG_CLEANUP_FREQUENCY_MINUTES, deletes log files older than AIRFLOW__LOG_RETENTION_DAYS under
# $AIRFLOW_HOME/logs, then empty directories. CLEAN_LOGS_ONCE=1 runs one pass (tests).
set -euo pipefail
logs="${AIRFLOW_HOME:-/opt/airflow}/logs"
retention_days="${AIRFLOW__LOG_RETENTION_DAYS:-15}"
every_minutes="${AIRFLOW__LOG_CLEANUP_FREQUENCY_MINUTES:-15}"
while true; do
  if [ -d "$logs" ]; then
    find "$logs" -type f -name '*.log' -mtime +"$retention_days" -delete || true
    find "$logs" -mindepth 1 -type d -empty -delete || true
  fi
  [ -z "${CLEAN_LOGS_ONCE:-}" ] || exit 0
  sleep "$((every_minutes * 60))"
done

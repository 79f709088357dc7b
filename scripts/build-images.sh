#!/usr/bin/env bash
# Builds both images with one tag:  scripts/build-images.sh [TAG]        (default TAG: dev)
#   IMAGE_BASES=upstream (default)  python:3.11-slim-bookworm and apache/airflow:3.3.2 from a registry
#   IMAGE_BASES=local               Debian bases made here (scripts/make-base-images.sh); Airflow built from
#                                   locked requirements (images/airflow/Dockerfile.airgapped)
#   BAKE_DAGS=true                  bake dags/ into the Airflow image (installs without git-sync)
# Prints the image references, and writes an SBOM per image (CycloneDX: scripts/sbom.py, which runs a container
# of each image to check the SBOM lists what is inside) to .cache/images/.
set -euo pipefail
cd "$(dirname "$0")/.."
TAG=${1:-dev}
BASES=${IMAGE_BASES:-upstream}
REVISION=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
# The SBOM tool (cyclonedx-py) lives in the dev venv (make venv).
SBOM_PYTHON=${SBOM_PYTHON:-.venv/bin/python}
[ -x "$SBOM_PYTHON" ] || { echo "no $SBOM_PYTHON: run make venv first (the SBOM tool is a dev dependency)" >&2; exit 2; }
CREATED=$(git log -1 --format=%cI 2>/dev/null || echo unknown)
common=(--build-arg "CREATED=$CREATED" --build-arg "VERSION=$VERSION" --build-arg "REVISION=$REVISION" --build-arg "BAKE_DAGS=${BAKE_DAGS:-false}")
case "$BASES" in
  upstream)
    task_args=(); airflow_file=images/airflow/Dockerfile; airflow_args=() ;;
  local)
    bash scripts/make-base-images.sh >/dev/null
    local_bases=(--build-arg PYTHON_IMAGE=local/python:3.11-bookworm
                 --build-arg BUILD_IMAGE=local/python-build:3.11-bookworm)
    task_args=("${local_bases[@]}")
    airflow_file=images/airflow/Dockerfile.airgapped
    airflow_args=("${local_bases[@]}") ;;
  *) echo "IMAGE_BASES must be 'upstream' or 'local', got '$BASES'" >&2; exit 2 ;;
esac
started=$SECONDS
docker build -q "${common[@]}" "${task_args[@]}" -f images/supermarket/Dockerfile -t "supermarket-task:$TAG" . >/dev/null
echo "supermarket-task:$TAG $(docker image inspect -f '{{.Size}}' "supermarket-task:$TAG" | awk '{printf "%.0f MB", $1/1e6}') ($((SECONDS - started)) s)"
"$SBOM_PYTHON" scripts/sbom.py "supermarket-task:$TAG" images/supermarket/requirements.lock /opt/venv/bin/python
started=$SECONDS
docker build -q "${common[@]}" "${airflow_args[@]}" -f "$airflow_file" -t "supermarket-airflow:$TAG" . >/dev/null
echo "supermarket-airflow:$TAG $(docker image inspect -f '{{.Size}}' "supermarket-airflow:$TAG" | awk '{printf "%.0f MB", $1/1e6}') ($((SECONDS - started)) s)"
"$SBOM_PYTHON" scripts/sbom.py "supermarket-airflow:$TAG" images/airflow/requirements.lock /opt/airflow-venv/bin/python

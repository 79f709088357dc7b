#!/usr/bin/env bash
# The e2e suite on the air-gapped cluster: bring it up (building Kubernetes once), load the task image, run
# k8s-tests/ with Airflow standalone next to the cluster, and take the cluster down again even when tests fail.
#   scripts/test-k8s.sh [pytest args]      (needs root; make test-k8s installs the prerequisites first)
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE_TAG=${IMAGE_TAG:-dev}
export SUPERMARKET_CLUSTER_DIR=${SUPERMARKET_CLUSTER_DIR:-/var/lib/supermarket-k8s}
export SUPERMARKET_E2E_AIRFLOW=standalone SUPERMARKET_E2E_TASK_IMAGE="supermarket-task:$IMAGE_TAG"
cluster=k8s-tests/cluster/cluster.py
keep=${KEEP_CLUSTER:-}  # set to leave the cluster running for a look afterwards
[ -n "$keep" ] || trap 'python3 "$cluster" down' EXIT
python3 "$cluster" up
python3 "$cluster" load "supermarket-task:$IMAGE_TAG"
export KUBECONFIG=$SUPERMARKET_CLUSTER_DIR/admin.kubeconfig
.venv/bin/python -m pytest -v -p no:cacheprovider k8s-tests "$@"

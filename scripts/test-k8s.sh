#!/usr/bin/env bash
# The e2e suite on the air-gapped cluster: bring it up (building Kubernetes once), load every image the
# production shape needs (ours, git-sync, and the e2e stand-ins for PostgreSQL and the git server), run k8s-tests/
# (default: the official chart installed in the cluster, see k8s-tests/deploy.py), and take the cluster down again
# even when tests fail.
#   scripts/test-k8s.sh [pytest args]      (needs root; make test-k8s installs the prerequisites first)
#   SUPERMARKET_E2E_AIRFLOW=standalone scripts/test-k8s.sh     the faster option: Airflow next to the cluster
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE_TAG=${IMAGE_TAG:-dev}
export SUPERMARKET_CLUSTER_DIR=${SUPERMARKET_CLUSTER_DIR:-/var/lib/supermarket-k8s}
export SUPERMARKET_E2E_AIRFLOW=${SUPERMARKET_E2E_AIRFLOW:-chart}
export SUPERMARKET_E2E_TASK_IMAGE="supermarket-task:$IMAGE_TAG" SUPERMARKET_E2E_AIRFLOW_IMAGE="supermarket-airflow:$IMAGE_TAG"
cluster=k8s-tests/cluster/cluster.py
keep=${KEEP_CLUSTER:-}  # set to leave the cluster running for a look afterwards
[ -n "$keep" ] || trap 'python3 "$cluster" down' EXIT
python3 "$cluster" up
images=("supermarket-task:$IMAGE_TAG")
if [ "$SUPERMARKET_E2E_AIRFLOW" = chart ]; then
  mapfile -t extra < <(bash scripts/build-cluster-images.sh | cut -d' ' -f1)
  images+=("supermarket-airflow:$IMAGE_TAG" "${extra[@]}")
fi
python3 "$cluster" load "${images[@]}"
export KUBECONFIG=$SUPERMARKET_CLUSTER_DIR/admin.kubeconfig
.venv/bin/python -m pytest -v -p no:cacheprovider k8s-tests "$@"

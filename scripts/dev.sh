#!/usr/bin/env bash
# The developer loop on kind.  scripts/dev.sh kind-up | dev | run [-p e2e] | e2e | down
# Needs docker, kind, kubectl, helm and skaffold on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
CLUSTER=supermarket
case "${1:-}" in
  kind-up)
    # Task pods (UID 10001) and Airflow (UID 50000) both write the data volume.
    mkdir -p .kind/data/supermarket && chmod 0777 .kind/data/supermarket
    kind get clusters | grep -qx "$CLUSTER" || kind create cluster --config k8s-tests/cluster/kind.yaml
    kubectl config use-context "kind-$CLUSTER" ;;
  dev) skaffold dev --kube-context "kind-$CLUSTER" ;;
  run) shift; skaffold run --kube-context "kind-$CLUSTER" --status-check=true "$@" ;;
  # Against the current kube context. On kind, deploy first with `run -p e2e`; Airflow comes from the chart.
  e2e) SUPERMARKET_E2E_AIRFLOW=${SUPERMARKET_E2E_AIRFLOW:-deployed} .venv/bin/python -m pytest -v k8s-tests ;;
  down) kind delete cluster --name "$CLUSTER" ;;
  *) echo "usage: $0 kind-up | dev | run [skaffold flags] | e2e | down" >&2; exit 2 ;;
esac

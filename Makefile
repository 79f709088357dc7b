# One entry point for people and CI. `make demo` and `make test` are the README's first two commands.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PY ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
TOOLS := $(CURDIR)/.cache/tools/bin
export PATH := $(TOOLS):$(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: venv demo test lint
venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	command -v uv >/dev/null || $(PY) -m pip install -q uv
	uv venv -q --allow-existing --python 3.11 $(VENV)
	uv pip install -q --python $(VPY) -e '.[dev,airflow,s3]'
	touch $@

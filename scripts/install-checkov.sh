#!/usr/bin/env bash
# checkov (PyPI) in its own virtualenv under .cache/, so its many pins do not touch the project's environment.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .cache/checkov/bin/checkov ]; then exit 0; fi
command -v uv >/dev/null || python3 -m pip install -q uv
uv venv -q --allow-existing --python 3.11 .cache/checkov
uv pip install -q --python .cache/checkov/bin/python "checkov==$(cat scripts/checkov.version)"

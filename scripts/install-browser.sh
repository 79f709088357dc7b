#!/usr/bin/env bash
# Debian's chromium for the browser test (tests/ui): headless, driven by Playwright's Python client with
# executable_path=/usr/bin/chromium (never `playwright install`: no browser download from elsewhere).
# Idempotent; needs root (apt-get) only when chromium is missing.
set -euo pipefail
# GitHub's Ubuntu runners ship a Chromium as chromium-browser; Debian's package is `chromium`.
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
"$(command -v chromium || command -v chromium-browser)" --version

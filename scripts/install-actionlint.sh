#!/usr/bin/env bash
# actionlint (a Go module, through the Go module proxy) into .cache/tools/bin. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=v1.7.12
BIN=$PWD/.cache/tools/bin
if [ -x "$BIN/actionlint" ] && "$BIN/actionlint" -version | grep -q "${VERSION#v}"; then exit 0; fi
mkdir -p "$BIN"
GOBIN=$BIN go install "github.com/rhysd/actionlint/cmd/actionlint@$VERSION"
"$BIN/actionlint" -version | head -1

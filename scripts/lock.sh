#!/usr/bin/env bash
# Lock files of both images, hashed, for Python 3.11 on x86_64 Linux.
#   scripts/lock.sh           regenerate them
#   scripts/lock.sh --check   fail when a lock no longer matches its input (pyproject.toml / requirements.in)
# uv keeps the versions already in a lock file where the input still allows them, so --check fails on changed
# inputs, not on new upstream releases.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-uv}
MODE=lock; [ "${1:-}" = --check ] && MODE=check
lock() {  # input output
  "$UV" pip compile "$1" --quiet --generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
    --custom-compile-command "scripts/lock.sh" -o "$2"
}
pairs=("pyproject.toml images/supermarket/requirements.lock" "images/airflow/requirements.in images/airflow/requirements.lock")
status=0
for pair in "${pairs[@]}"; do
  set -- $pair
  if [ "${1:-}" = "" ]; then continue; fi
  if [ "$MODE" = check ]; then
    tmp=$(mktemp); cp "$2" "$tmp"
    lock "$1" "$tmp"
    if ! diff -u "$2" "$tmp"; then echo "STALE: $2 does not match $1; run scripts/lock.sh" >&2; status=1; fi
    rm -f "$tmp"
  else
    lock "$1" "$2"; echo "locked $2 ($(grep -c '==' "$2") packages)"
  fi
done
exit $status

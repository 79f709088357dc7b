"""A delivery larger than the memory bound is streamed: peak memory stays bounded, line numbers stay right."""

import os
import subprocess
import sys

import pytest

from .conftest import DATE, part, read_table

ROWS = 5_000_000
MEMORY_LIMIT = "192MB"
RSS_BOUND = 320 * 1024 * 1024  # bytes; the CSV itself is about 470 MB


def corrupt_price_in_place(path, line_no):
    """Overwrites regular_price on `line_no` with x's of the same length (no rewrite of the big file)."""
    with open(path, "r+b") as fh:
        for _ in range(line_no - 1):
            fh.readline()
        start = fh.tell()
        fields = fh.readline().split(b",")
        offset = start + sum(len(f) + 1 for f in fields[:5])
        fh.seek(offset)
        fh.write(b"x" * len(fields[5]))


@pytest.mark.slow
def test_large_delivery_is_streamed_with_bounded_memory(cli, storage):
    cli("simulate", "--date", DATE, "--supermarkets", "1", "--rows", str(ROWS), "--files", "1", check=True)
    csv = part(storage, "landing") / "data-1.csv"
    assert csv.stat().st_size > RSS_BOUND * 1.4
    corrupt_price_in_place(csv, 2_000_001)
    cli("copy-to-raw", "--supermarket", "1", "--date", DATE, check=True)

    # The step runs in a fresh interpreter that reports its own peak RSS (ru_maxrss is KiB on Linux).
    code = (
        "import resource, sys; from supermarket.cli import main; "
        f"rc = main(['process', '--storage', {str(storage)!r}, '--supermarket', '1', '--date', {DATE!r}]); "
        "print('peak_rss_kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(rc)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "SUPERMARKET_MEMORY_LIMIT": MEMORY_LIMIT},
    )
    assert proc.returncode == 0, proc.stderr
    peak = int(proc.stdout.split("peak_rss_kib")[1]) * 1024
    assert peak < RSS_BOUND, f"peak RSS {peak / 2**20:.0f} MiB"
    [bad] = read_table(part(storage, "quarantine") / "rejected.parquet")
    assert bad["line"] == 2_000_001 and "regular_price is not a number" in bad["reason"]
    assert f"accepted={ROWS - 1}" in proc.stderr

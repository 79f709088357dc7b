"""The second bad-input catalogue (issue 14): no input may silently change, lose or leak data. One section per
class; every test drives the real `supermarket` CLI on real files (links, FIFOs, devices, tmpfs mounts)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from supermarket.errors import EXIT_BAD_INPUT, EXIT_INFRA, EXIT_USAGE
from supermarket.schema import COLUMNS

from .conftest import DATE, part
from .delivery_kit import accepted, csv_bytes, deliver, good_row, meaning, quarantined

ARGS = ("--supermarket", "1", "--date", DATE)


def pipeline(cli, *steps: str) -> None:
    for step in steps:
        cli(step, *ARGS, check=True)


# 1. File names are data, not patterns -------------------------------------------------------------------------

NAMES = [
    "data-1.csv",
    "data-[1].csv",
    "data-*.csv",
    "data-?.csv",
    "data-{a,b}.csv",
    "data-[!x]].csv",
    "data-'; DROP TABLE t; --.csv",
    "data-%_\\.csv",
    "data-é ü.csv",
]


def test_file_names_with_glob_and_sql_characters_are_read_literally_once(cli, storage):
    files = {name: csv_bytes([good_row(100 * k + j) for j in range(3)]) for k, name in enumerate(NAMES)}
    files["data-[1].csv"] += b"P999999,1,,x,y,1.00,1.00,2026-11-20,2026-11-30,1\n"  # a reject names its file
    deliver(storage, files)
    pipeline(cli, "copy-to-raw", "process")
    for name, data in files.items():
        assert (part(storage, "raw") / name).read_bytes() == data
    ids = sorted(r["promotion_id"] for r in accepted(storage))
    assert ids == sorted(f"P{100 * k + j:06d}" for k in range(len(NAMES)) for j in range(3))  # each file once
    [bad] = quarantined(storage)
    assert bad["source_file"] == "data-[1].csv" and "product_id is empty" in bad["reason"]


def test_a_data_file_name_ending_in_a_newline_is_not_a_data_file(cli, storage):
    deliver(storage, {"data-1.csv": csv_bytes([good_row(1)]), "data-2.csv\n": csv_bytes([good_row(2)])})
    pipeline(cli, "copy-to-raw", "process")
    assert [r["promotion_id"] for r in accepted(storage)] == ["P000001"]


# 2. Columns are matched by name in every code path --------------------------------------------------------------


@pytest.mark.parametrize("with_duplicates", [False, True], ids=["plain-path", "duplicate-path"])
def test_files_with_different_column_orders_give_the_same_rows(cli, storage, tmp_path, with_duplicates):
    rows_a = [good_row(i) for i in range(20)]
    rows_b = [good_row(i) for i in range(20, 40)] + (rows_a[:5] if with_duplicates else [])
    shuffled = [COLUMNS[i] for i in (9, 3, 0, 7, 5, 1, 8, 2, 6, 4)]
    deliver(storage, {"data-1.csv": csv_bytes(rows_a), "data-2.csv": csv_bytes(rows_b, shuffled)})
    pipeline(cli, "copy-to-raw", "process")
    same_order = tmp_path / "same-order"
    deliver(same_order, {"data-1.csv": csv_bytes(rows_a), "data-2.csv": csv_bytes(rows_b)})
    pipeline(lambda *a, **k: cli(*a, storage_url=str(same_order), **k), "copy-to-raw", "process")

    assert accepted(storage) == accepted(same_order)
    assert accepted(storage) == [meaning(r) for r in rows_a + rows_b[:20]]
    assert quarantined(storage) == quarantined(same_order)
    assert len(quarantined(storage)) == (5 if with_duplicates else 0)


def test_quoted_header_names_are_names_but_padded_ones_are_wrong(cli, storage):
    body = csv_bytes([good_row(1)]).split(b"\n", 1)[1]
    deliver(storage, {"data-1.csv": ",".join(f'"{c}"' for c in COLUMNS).encode() + b"\n" + body})
    pipeline(cli, "copy-to-raw", "process")
    assert len(accepted(storage)) == 1
    padded = ",".join(f" {c}" if c == "units_sold" else c for c in COLUMNS)
    shutil.rmtree(storage)
    deliver(storage, {"data-1.csv": (padded + "\n").encode() + body})
    cli("copy-to-raw", *ARGS, check=True)
    proc = cli("process", *ARGS)
    assert proc.returncode == EXIT_BAD_INPUT and "unexpected columns [' units_sold']" in proc.stderr


# 3. Only regular files are read -------------------------------------------------------------------------------

SECRET = b"TOP-SECRET-CONTENT-OUTSIDE-THE-DELIVERY"


def make_odd(kind: str, path: Path, outside: Path) -> None:
    if kind == "symlink-outside":
        outside.write_bytes(b",".join(c.encode() for c in COLUMNS) + b"\n" + SECRET + b"\n")
        path.symlink_to(outside)
    elif kind == "symlink-inside":
        path.symlink_to(path.parent / "data-1.csv")
    elif kind == "dangling-symlink":
        path.symlink_to(path.parent / "nowhere.csv")
    elif kind == "directory":
        path.mkdir()
        (path / "inner.csv").write_bytes(SECRET)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers; needs root


@pytest.mark.parametrize(
    "kind,phrase",
    [
        ("symlink-outside", "is a symbolic link"),
        ("symlink-inside", "is a symbolic link"),
        ("dangling-symlink", "is a symbolic link"),
        ("directory", "is a directory"),
        ("fifo", "is a FIFO, device or socket"),
        ("device", "is a FIFO, device or socket"),
    ],
)
def test_only_regular_files_are_read(cli, storage, tmp_path, kind, phrase):
    if kind == "device" and os.geteuid() != 0:
        pytest.fail("creating a device node needs root; these tests run as root")
    landing = deliver(storage, {"data-1.csv": csv_bytes([good_row(1)])})
    make_odd(kind, landing / "data-odd.csv", tmp_path / "outside.csv")
    proc = cli("copy-to-raw", *ARGS)
    assert proc.returncode == EXIT_BAD_INPUT, proc.stderr
    assert f"'data-odd.csv' {phrase}" in proc.stderr and str(landing) in proc.stderr
    assert SECRET.decode() not in proc.stderr + proc.stdout
    assert "outside.csv" not in proc.stderr  # a link's target is not echoed either
    assert not (storage / "raw").exists() or not any(
        SECRET in f.read_bytes() for f in (storage / "raw").rglob("*") if f.is_file()
    )
    assert not part(storage, "raw").exists()


# 4. Strict value grammar, no silent coercion ------------------------------------------------------------------

REFUSED = [
    ("units_sold", "2.5", "units_sold is not an integer"),
    ("units_sold", "0x10", "units_sold is not an integer"),
    ("units_sold", "1e3", "units_sold is not an integer"),
    ("units_sold", "1_000", "units_sold is not an integer"),
    ("units_sold", "+5", "units_sold is not an integer"),
    ("units_sold", " 5", "units_sold is not an integer"),
    ("units_sold", "٣", "units_sold is not an integer"),
    ("regular_price", "9.999", "regular_price has more than two decimals (never rounded)"),
    ("regular_price", "9.001", "regular_price has more than two decimals"),
    ("regular_price", "1e2", "regular_price is not a number"),
    ("regular_price", "NaN", "regular_price is not a number"),
    ("regular_price", "infinity", "regular_price is not a number"),
    ("regular_price", "0x1A", "regular_price is not a number"),
    ("regular_price", "9,5", None),  # a comma is a field separator: the row has too many columns
    ("regular_price", "12345678901.00", "regular_price is out of range"),
    ("promo_start", "2026-11-20 10:00:00", "promo_start is not a date (YYYY-MM-DD)"),
    ("promo_start", "2026-11-20T10:00", "promo_start is not a date"),
    ("promo_start", "epoch", "promo_start is not a date"),
    ("promo_start", "infinity", "promo_start is not a date"),
    ("promo_start", "2026/11/20", "promo_start is not a date"),
    ("promo_start", "20261120", "promo_start is not a date"),
    ("promo_start", "2026-11-20 (BC)", "promo_start is not a date"),
    ("promo_start", "2026-02-30", "promo_start is not a date"),
    ("promo_start", "1999-12-31", "promo_start is out of range (2000-01-01 to 2099-12-31)"),
    ("promo_end", "10000-01-01", "promo_end is not a date"),
    ("supermarket_id", "1.0", "supermarket_id is not an integer"),
    ("supermarket_id", "0x1", "supermarket_id is not an integer"),
    ("supermarket_id", "99999999999999999999", "does not match the delivery's supermarket 1"),
    ("supermarket_id", "2", "does not match the delivery's supermarket 1"),
]


def test_values_outside_the_grammar_are_quarantined_never_coerced(cli, storage):
    rows = [good_row(i, **{column: value}) for i, (column, value, _) in enumerate(REFUSED)]
    ok = [
        good_row(100, units_sold="007", regular_price="7", promo_price="6.5"),
        good_row(101, supermarket_id="0001", product_name=" padded name\t", promo_start="2000-01-01"),
    ]
    deliver(storage, {"data-1.csv": csv_bytes(rows + ok)})
    pipeline(cli, "copy-to-raw", "process")
    bad = quarantined(storage)
    assert len(bad) == len(REFUSED)
    for row, (column, value, reason) in zip(bad, REFUSED, strict=True):
        if reason is None:
            assert "too many columns" in row["reason"], row
        else:
            assert reason in row["reason"], (column, value, row["reason"])
            assert row[column] == value  # the text as delivered
    assert accepted(storage) == [meaning(r) for r in ok]
    assert accepted(storage)[1]["product_name"] == " padded name\t"  # text is kept exactly


# 5. No overflow -----------------------------------------------------------------------------------------------


def test_extreme_accepted_values_never_overflow_metrics_or_report(cli, storage):
    top = [
        good_row(i, regular_price="9999999999.99", promo_price="9999999999.98", units_sold="1000000000")
        for i in range(2000)
    ]
    over = [good_row(5000, units_sold="1000000001"), good_row(5001, units_sold="9223372036854775808")]
    deliver(storage, {"data-1.csv": csv_bytes(top + over)})
    pipeline(cli, "copy-to-raw", "process")
    reasons = [r["reason"].split(":")[0] for r in quarantined(storage)]
    assert reasons == ["units_sold is out of range (at most 1000000000)"] * 2
    proc = cli("metrics", *ARGS, check=True)
    assert '"units_sold": 2000000000000' in proc.stdout
    cli("report", "--date", DATE, "--supermarkets", "1", check=True)
    summary = json.loads((storage / "metrics" / "supermarket_1" / DATE / "summary.json").read_bytes())
    assert summary["promo_revenue"] == float(Decimal("9999999999.98") * 1000000000 * 2000)


# 6. Malformed CSV is quarantined, never exit 1 ----------------------------------------------------------------


def malformed_delivery() -> tuple[bytes, list[bytes]]:
    good = csv_bytes([good_row(i) for i in range(6)]).split(b"\n")
    long_line = b"P900000,1,SKU1," + b"x" * 2_100_000 + b",dairy,2.00,1.00,2026-11-20,2026-11-30,1"
    not_utf8 = b"P900001,1,SKU1,Caf\xe9,dairy,2.00,1.00,2026-11-20,2026-11-30,1"
    lone_byte = b"\xff"
    unterminated = b'P900002,1,SKU1,"Cheese 400g,dairy,2.00,1.00,2026-11-20,2026-11-30,1'
    lines = [good[0], good[1], long_line, good[2], not_utf8, good[3], lone_byte, good[4], unterminated]
    return b"\n".join(lines) + b"\n", [long_line, not_utf8, lone_byte, unterminated]


def test_malformed_lines_are_quarantined_with_their_exact_bytes(cli, storage):
    data, rejected = malformed_delivery()
    deliver(storage, {"data-1.csv": data})
    pipeline(cli, "copy-to-raw", "process")
    bad = quarantined(storage)
    assert [r["raw_bytes"] for r in bad] == rejected
    assert [r["line"] for r in bad] == [3, 5, 7, 9]
    assert [r["promotion_id"] for r in accepted(storage)] == [f"P{i:06d}" for i in range(4)]


@pytest.mark.parametrize(
    "data",
    [
        b"promotion_id\n",  # header cut short: wrong header, named
        csv_bytes([good_row(1)]) + b'P2,1,"',  # an unterminated quote as the last bytes of a small file
        csv_bytes([good_row(1)]).replace(b"Product 1", b'"Prod\ruct"'),  # a bare CR inside a field
        csv_bytes([good_row(1)]).replace(b"\n", b"\r\n", 1),  # mixed line endings
        bytes(range(256)) * 4,  # any bytes
    ],
    ids=["short-header", "unterminated-last", "bare-cr", "mixed-newlines", "binary"],
)
def test_any_byte_sequence_gives_0_or_65_never_1(cli, storage, data):
    deliver(storage, {"data-1.csv": data})
    cli("copy-to-raw", *ARGS, check=True)
    proc = cli("process", *ARGS)
    assert proc.returncode in (0, EXIT_BAD_INPUT), proc.stderr
    if proc.returncode == EXIT_BAD_INPUT:
        assert "data-1.csv" in proc.stderr and not (part(storage, "processed") / "promotions.parquet").exists()
    else:
        total = len(accepted(storage)) + len(quarantined(storage))
        assert f"rows_in={total}" in proc.stderr


# 7. Storage faults are 75 with a clear message ----------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(path: Path, size: str):
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def fill(path: Path) -> None:
    """Fills the filesystem of `path` to the last byte."""
    fd = os.open(path / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        for size in (65536, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")


@needs_root
def test_disk_full_during_copy_to_raw_is_75_and_leaves_no_partial_raw(cli, tmp_path):
    with tmpfs(tmp_path / "small", "2m") as root:
        storage = root / "data"
        deliver(storage, {"data-1.csv": csv_bytes([good_row(i) for i in range(17_000)])})  # 1.3 MB: no room for a copy
        proc = cli("copy-to-raw", *ARGS, storage_url=str(storage))
        assert proc.returncode == EXIT_INFRA, proc.stderr
        assert "infrastructure error" in proc.stderr and "No space left on device" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert not part(storage, "raw").exists()
        assert [p.name for p in (storage / "raw" / "supermarket_1").iterdir()] == []  # staging removed


@needs_root
def test_disk_full_during_process_is_75_and_leaves_no_partial_output(cli, tmp_path):
    with tmpfs(tmp_path / "small", "3m") as root:
        storage = root / "data"
        deliver(storage, {"data-1.csv": csv_bytes([good_row(i) for i in range(5_000)])})
        cli("copy-to-raw", *ARGS, check=True, storage_url=str(storage))
        fill(root)
        proc = cli("process", *ARGS, storage_url=str(storage))
        assert proc.returncode == EXIT_INFRA, proc.stderr
        assert "infrastructure error" in proc.stderr and "Traceback" not in proc.stderr
        for area in ("processed", "quarantine"):
            assert not part(storage, area).exists() or list(part(storage, area).iterdir()) == []


@needs_root
@pytest.mark.parametrize("outputs_exist", [False, True], ids=["fresh", "output-dirs-exist"])
def test_read_only_storage_is_75(cli, tmp_path, outputs_exist):
    with tmpfs(tmp_path / "ro", "16m") as root:
        storage = root / "data"
        deliver(storage, {"data-1.csv": csv_bytes([good_row(i) for i in range(50)])})
        cli("copy-to-raw", *ARGS, check=True, storage_url=str(storage))
        if outputs_exist:
            cli("process", *ARGS, check=True, storage_url=str(storage))
        before = {str(p): p.read_bytes() for p in storage.rglob("*") if p.is_file()}
        subprocess.run(["mount", "-o", "remount,ro", str(root)], check=True)
        for step in ("process", "metrics") if outputs_exist else ("process",):
            proc = cli(step, *ARGS, storage_url=str(storage))
            assert proc.returncode == EXIT_INFRA, proc.stderr
            assert "Read-only file system" in proc.stderr and "Traceback" not in proc.stderr
        assert {str(p): p.read_bytes() for p in storage.rglob("*") if p.is_file()} == before


def s3_env(port: int) -> dict[str, str]:
    config = (
        f'{{"endpoint_url": "http://127.0.0.1:{port}", "key": "k", "secret": "s", '
        '"config_kwargs": {"connect_timeout": 1, "read_timeout": 1, "retries": {"max_attempts": 1}}}'
    )
    return {**os.environ, "FSSPEC_S3": config}


def run_with_env(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "supermarket", *argv], capture_output=True, text=True, env=env, timeout=120
    )


def test_object_storage_refusing_connections_is_75():
    with socket.socket() as s:  # a port nobody listens on: bind, read the number, close
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = run_with_env(s3_env(port), "copy-to-raw", "--storage", "s3://bucket/data", *ARGS)
    assert proc.returncode == EXIT_INFRA, proc.stderr
    assert "infrastructure error" in proc.stderr and "Traceback" not in proc.stderr


def test_object_storage_timing_out_is_75():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)  # accepts connections and never answers
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.5)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        proc = run_with_env(s3_env(server.getsockname()[1]), "copy-to-raw", "--storage", "s3://bucket/data", *ARGS)
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()
    assert proc.returncode == EXIT_INFRA, proc.stderr
    assert "infrastructure error" in proc.stderr and "Traceback" not in proc.stderr


# 8. Killed runs leave nothing behind --------------------------------------------------------------------------


def kill_when(argv: list[str], appeared) -> None:
    """Starts a step and SIGKILLs it as soon as `appeared()` sees its temporary output (polling, no sleep)."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while proc.poll() is None and not appeared():
            pass
        assert proc.poll() is None, "the step finished before its temporary output was seen"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()


def step_argv(storage: Path, step: str) -> list[str]:
    return [sys.executable, "-m", "supermarket", step, "--storage", str(storage), *ARGS]


def test_killed_copy_to_raw_leaves_nothing_and_the_next_run_cleans_up(cli, storage):
    cli("simulate", "--date", DATE, "--supermarkets", "1", "--rows", "1000000", "--files", "1", check=True)
    parent = storage / "raw" / "supermarket_1"
    kill_when(step_argv(storage, "copy-to-raw"), lambda: parent.exists() and any(parent.iterdir()))
    leftovers = [p.name for p in parent.iterdir()]
    assert leftovers and all(n.startswith(f".{DATE}.tmp-") for n in leftovers)
    assert not part(storage, "raw").exists()  # never a partial raw partition
    proc = cli("copy-to-raw", *ARGS, check=True)
    assert "removed_leftovers=" in proc.stderr
    assert [p.name for p in parent.iterdir()] == [DATE]


def test_killed_process_leaves_no_incomplete_set_and_the_next_run_cleans_up(cli, storage):
    cli("simulate", "--date", DATE, "--supermarkets", "1", "--rows", "1000000", "--files", "1", check=True)
    cli("copy-to-raw", *ARGS, check=True)
    processed = part(storage, "processed")

    def temporary_output() -> bool:
        return processed.exists() and any(".tmp-" in p.name for p in processed.iterdir())

    kill_when(step_argv(storage, "process"), temporary_output)
    assert not (processed / "summary.json").exists()
    proc = cli("metrics", *ARGS)  # an incomplete set is not used
    assert proc.returncode == EXIT_BAD_INPUT and "run process first" in proc.stderr
    cli("process", *ARGS, check=True)
    assert sorted(p.name for p in processed.iterdir()) == ["promotions.parquet", "summary.json"]
    assert [p.name for p in part(storage, "quarantine").iterdir()] == ["rejected.parquet"]


# 9. Text fields: whitespace of any kind only counts as empty --------------------------------------------------

BLANKS = ["\t", " \t ", "\u00a0", "\u3000", "\u2003\u2009", "\x0b", "\x0c", "\u2028", "\u0085", "\x1f"]


def test_whitespace_only_text_is_empty(cli, storage):
    rows = [good_row(i, product_name=blank) for i, blank in enumerate(BLANKS)]
    rows.append(good_row(50, category="\t"))
    ok = [good_row(60, product_name="\u00a0Brie\u00a0")]
    deliver(storage, {"data-1.csv": csv_bytes(rows + ok)})
    pipeline(cli, "copy-to-raw", "process")
    reasons = [r["reason"] for r in quarantined(storage)]
    assert reasons == ["product_name is empty"] * len(BLANKS) + ["category is empty"]
    assert accepted(storage) == [meaning(r) for r in ok]


# 10. Arguments ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv,phrase",
    [
        (["process", "--storage", "", *ARGS], "is empty or the root of a filesystem"),
        (["process", "--storage", "/", *ARGS], "is empty or the root of a filesystem"),
        (["process", "--storage", "file:///", *ARGS], "is empty or the root of a filesystem"),
        (["process", "--storage", "s3://", *ARGS], "is empty or the root of a filesystem"),
        (["report", "--storage", "/tmp/x", "--date", DATE, "--supermarkets", "1,2,1"], "[1] given more than once"),
        (["process", "--storage", "/tmp/x", "--supermarket", "0", "--date", DATE], "not a supermarket id"),
        (["process", "--storage", "/tmp/x", "--supermarket", "1000000000", "--date", DATE], "from 1 to 999999999"),
        (["process", "--storage", "/tmp/x", "--supermarket", "+1", "--date", DATE], "not a supermarket id"),
        (["report", "--storage", "/tmp/x", "--date", DATE, "--supermarkets", "1,-2"], "not a supermarket id"),
        (["process", "--storage", "/tmp/x", "--supermarket", "1", "--date", "20261124"], "YYYY-MM-DD"),
        (["simulate", "--storage", "/tmp/x", "--date", DATE, "--rows", "-5"], "expected a positive integer"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(argv, phrase):
    proc = subprocess.run([sys.executable, "-m", "supermarket", *argv], capture_output=True, text=True, timeout=60)
    assert proc.returncode == EXIT_USAGE, proc.stderr
    assert phrase in proc.stderr


def test_a_file_the_fast_reader_refuses_is_read_line_by_line(cli, storage):
    """A bare CR inside a field and mixed CRLF/LF endings make DuckDB's reader give up on the whole file; the
    line-by-line fallback takes it: good lines accepted (the CR is data), bad ones quarantined byte for byte."""
    rows = [good_row(i) for i in range(5)]
    lines = csv_bytes(rows).split(b"\n")
    lines[1] = lines[1].replace(b"Product 0", b"Prod\ruct 0")  # a bare CR: data of a text field
    lines[2] += b"\r"  # CRLF among LF lines
    bad_utf8 = b"P900001,1,SKU1,Caf\xe9,dairy,2.00,1.00,2026-11-20,2026-11-30,1"
    short = b"P900002,1,SKU1"
    unclosed = b'P900003,1,"SKU1,x,dairy,2.00,1.00,2026-11-20,2026-11-30,1'
    data = b"\n".join([*lines[:4], bad_utf8, short, unclosed, *lines[4:]])
    deliver(storage, {"data-1.csv": data, "data-2.csv": csv_bytes([good_row(10)])})
    pipeline(cli, "copy-to-raw", "process")
    expected = [dict(r) for r in rows]
    expected[0]["product_name"] = "Prod\ruct 0"
    assert accepted(storage) == [meaning(r) for r in [*expected, good_row(10)]]
    bad = quarantined(storage)
    assert [(r["line"], r["raw_bytes"]) for r in bad] == [(5, bad_utf8), (6, short), (7, unclosed)]
    assert [r["source_file"] for r in bad] == ["data-1.csv"] * 3

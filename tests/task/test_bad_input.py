"""The bad-input catalogue: each kind gives a clear error with exit code 65, or quarantined rows with a
reason, and raw always keeps the original bytes."""

import subprocess

import pytest

from supermarket.errors import EXIT_BAD_INPUT

from .conftest import DATE, part, read_table

ARGS = ("--supermarket", "1", "--date", DATE)


def deliver(cli, bad, rows="20", files="2"):
    cli(
        "simulate",
        "--date",
        DATE,
        "--supermarkets",
        "1",
        "--rows",
        rows,
        "--files",
        files,
        "--bad",
        bad,
        check=True,
    )


def assert_bad_input(proc: subprocess.CompletedProcess[str], *phrases: str) -> None:
    assert proc.returncode == EXIT_BAD_INPUT, proc.stderr
    for phrase in phrases:
        assert phrase in proc.stderr, proc.stderr


def assert_raw_keeps_original_bytes(storage):
    landing, raw = part(storage, "landing"), part(storage, "raw")
    for f in landing.glob("data-*.csv"):
        assert (raw / f.name).read_bytes() == f.read_bytes()


def quarantined(storage):
    return read_table(part(storage, "quarantine") / "rejected.parquet")


def accepted(storage):
    return read_table(part(storage, "processed") / "promotions.parquet")


def test_missing_success_marker_is_an_incomplete_delivery(cli, storage):
    deliver(cli, "missing-success")
    proc = cli("copy-to-raw", *ARGS)
    assert_bad_input(proc, "incomplete delivery", "_SUCCESS", str(part(storage, "landing")))
    assert not part(storage, "raw").exists()


def test_no_data_files(cli, storage):
    deliver(cli, "no-data")
    assert_bad_input(cli("copy-to-raw", *ARGS), "no data-*.csv files")


def test_empty_file_names_the_file(cli, storage):
    deliver(cli, "empty-file")
    cli("copy-to-raw", *ARGS, check=True)
    assert_raw_keeps_original_bytes(storage)
    assert_bad_input(cli("process", *ARGS), "data-2.csv", "file is empty")
    assert not part(storage, "processed").exists()


def test_header_only_delivery_has_no_rows(cli, storage):
    deliver(cli, "header-only")
    cli("copy-to-raw", *ARGS, check=True)
    assert_bad_input(cli("process", *ARGS), "no data rows")


@pytest.mark.parametrize(
    "kind,phrase",
    [
        ("wrong-columns", "unexpected columns ['price']"),
        ("missing-columns", "missing columns ['units_sold']"),
    ],
)
def test_wrong_or_missing_columns(cli, storage, kind, phrase):
    deliver(cli, kind)
    cli("copy-to-raw", *ARGS, check=True)
    assert_raw_keeps_original_bytes(storage)
    assert_bad_input(cli("process", *ARGS), "data-1.csv, line 1", phrase)


@pytest.mark.parametrize(
    "kind,reasons",
    [
        ("bad-types", ['regular_price is not a number: "abc"']),
        ("bad-prices", ["regular_price must be > 0, got -3.50", "promo_price must be > 0, got 0.00"]),
        ("promo-above-regular", ["promo_price 2.50 is above regular_price 2.00"]),
        ("end-before-start", ["promo_end 2026-01-05 is before promo_start 2026-01-10"]),
    ],
)
def test_invalid_values_are_quarantined_with_file_line_and_reason(cli, storage, kind, reasons):
    deliver(cli, kind)
    cli("copy-to-raw", *ARGS, check=True)
    proc = cli("process", *ARGS, check=True)
    bad = quarantined(storage)
    assert len(bad) == len(reasons)
    for row, reason in zip(bad, reasons, strict=True):
        assert reason in row["reason"]
        assert row["source_file"] == "data-1.csv"
    assert [r["line"] for r in bad] == list(range(2, 2 + len(reasons)))  # the first data lines were changed
    assert len(accepted(storage)) + len(bad) == 20  # nothing lost
    assert f"quarantined={len(reasons)}" in proc.stderr


def test_exact_duplicates_are_dropped_into_quarantine(cli, storage):
    deliver(cli, "duplicates")
    cli("copy-to-raw", *ARGS, check=True)
    cli("process", *ARGS, check=True)
    bad = quarantined(storage)
    assert [r["reason"] for r in bad] == ["exact duplicate of an earlier row"] * 3
    assert len(accepted(storage)) == 20
    ids = [r["promotion_id"] for r in accepted(storage)]
    assert len(ids) == len(set(ids))


def test_non_utf8_line_is_quarantined_and_raw_keeps_the_bytes(cli, storage):
    deliver(cli, "non-utf8")
    cli("copy-to-raw", *ARGS, check=True)
    assert b"Caf\xe9" in (part(storage, "raw") / "data-1.csv").read_bytes()
    cli("process", *ARGS, check=True)
    [bad] = quarantined(storage)
    assert bad["line"] == 2 and "invalid encoding" in bad["reason"]
    assert len(accepted(storage)) == 19


def test_truncated_last_line_is_quarantined(cli, storage):
    deliver(cli, "truncated", files="1")
    cli("copy-to-raw", *ARGS, check=True)
    cli("process", *ARGS, check=True)
    [bad] = quarantined(storage)
    assert bad["line"] == 21 and "missing columns" in bad["reason"]
    assert bad["raw_line"] and len(accepted(storage)) == 19


def test_line_numbers_stay_right_after_structural_rejects(cli, storage):
    """A row rejected by the parser shifts later rows; a quarantined value below it keeps its true line."""
    cli("simulate", "--date", DATE, "--supermarkets", "1", "--rows", "10", "--files", "1", check=True)
    f = part(storage, "landing") / "data-1.csv"
    lines = f.read_bytes().splitlines(keepends=True)
    lines[3] = b"broken,line\n"  # line 4: wrong column count
    fields = lines[7].split(b",")
    fields[9] = b"-5\n"  # line 8: negative units
    lines[7] = b",".join(fields)
    f.write_bytes(b"".join(lines))
    cli("copy-to-raw", *ARGS, check=True)
    cli("process", *ARGS, check=True)
    assert [(r["line"], r["reason"].split(":")[0]) for r in quarantined(storage)] == [
        (4, "missing columns"),
        (8, "units_sold must be >= 0, got -5"),
    ]


def test_same_delivery_twice_is_a_no_op(cli, storage):
    cli("simulate", "--date", DATE, "--supermarkets", "1", "--rows", "20", check=True)
    cli("copy-to-raw", *ARGS, check=True)
    cli("simulate", "--date", DATE, "--supermarkets", "1", "--rows", "20", check=True)  # delivered again
    proc = cli("copy-to-raw", *ARGS, check=True)
    assert "result=already-in-raw" in proc.stderr


def test_different_delivery_for_existing_raw_partition_is_refused(cli, storage):
    cli("simulate", "--date", DATE, "--supermarkets", "1", "--rows", "20", check=True)
    cli("copy-to-raw", *ARGS, check=True)
    before = {p.name: p.read_bytes() for p in part(storage, "raw").iterdir()}
    cli("simulate", "--date", DATE, "--supermarkets", "1", "--rows", "20", "--seed", "7", check=True)
    assert_bad_input(cli("copy-to-raw", *ARGS), "a different delivery already exists in raw", "immutable")
    assert {p.name: p.read_bytes() for p in part(storage, "raw").iterdir()} == before


def test_process_before_copy_is_a_clear_error(cli, storage):
    assert_bad_input(cli("process", *ARGS), "run copy-to-raw first")
    assert_bad_input(cli("metrics", *ARGS), "run process first")


def test_usage_errors_exit_2_with_the_bad_value(cli):
    proc = cli("process", "--supermarket", "x", "--date", DATE)
    assert proc.returncode == 2 and "not a supermarket id" in proc.stderr
    proc = cli("process", "--supermarket", "1", "--date", "24-11-2026")
    assert proc.returncode == 2 and "YYYY-MM-DD" in proc.stderr


def test_help_documents_exit_codes(cli):
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "supermarket", "process", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "65" in out and "bad input" in out and "75" in out and "infrastructure" in out


def test_unreachable_storage_is_an_infrastructure_error(cli, tmp_path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    # The storage root is below a regular file: the OS refuses every access (ENOTDIR), as an unmounted volume would.
    proc = cli("simulate", "--date", DATE, "--supermarkets", "1", "--rows", "5", storage_url=str(blocker / "data"))
    assert proc.returncode == 75, proc.stderr
    assert "infrastructure error" in proc.stderr

"""The sensor's readiness check on every kind of partial delivery."""

import datetime as dt

import pytest

from supermarket.delivery import delivery_status, is_delivery_complete

from .conftest import DATE, part

D = dt.date.fromisoformat(DATE)


def deliver(storage, files=(), success=False):
    p = part(storage, "landing")
    p.mkdir(parents=True, exist_ok=True)
    for name in files:
        (p / name).write_text("promotion_id\n")
    if success:
        (p / "_SUCCESS").write_text("")


def test_nothing_delivered_yet(storage):
    assert is_delivery_complete(str(storage), 1, D) is False
    assert "no data-*.csv files and no _SUCCESS" in delivery_status(str(storage), 1, D).describe()


def test_files_without_success_marker_are_not_ready(storage):
    deliver(storage, ["data-1.csv", "data-2.csv"])
    assert is_delivery_complete(str(storage), 1, D) is False


def test_success_marker_without_data_files_is_not_ready(storage):
    # The book's `data_files and success.exists()` says True here: glob() returns an (always truthy) generator.
    deliver(storage, [], success=True)
    assert is_delivery_complete(str(storage), 1, DATE) is False


def test_success_marker_with_only_non_matching_files_is_not_ready(storage):
    deliver(storage, ["data-1.csv.part", "notes.txt"], success=True)
    assert is_delivery_complete(str(storage), 1, D) is False


def test_complete_delivery_is_ready_by_path_and_by_file_url(storage):
    deliver(storage, ["data-1.csv"], success=True)
    assert is_delivery_complete(str(storage), 1, D) is True
    assert is_delivery_complete(f"file://{storage}", 1, D) is True
    assert is_delivery_complete(str(storage), 2, D) is False  # other supermarkets are separate


def test_delivery_module_needs_only_the_standard_library_and_fsspec():
    import subprocess
    import sys

    code = (
        "import sys; import supermarket.delivery; "
        "heavy = {'duckdb', 'pyarrow', 'pandas'} & set(sys.modules); print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("url", ["memory://bucket/data"])
def test_works_on_non_local_fsspec_storage(url):
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe(f"/bucket/data/landing/supermarket_1/{DATE}/data-1.csv", b"x\n")
    assert is_delivery_complete(url, 1, D) is False
    fs.pipe(f"/bucket/data/landing/supermarket_1/{DATE}/_SUCCESS", b"")
    assert is_delivery_complete(url, 1, D) is True

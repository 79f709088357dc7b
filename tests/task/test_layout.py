import datetime as dt

import pytest

from supermarket.layout import Layout, is_data_file, parse_date, parse_supermarket_id


def test_partitions_are_built_under_the_root_with_its_scheme():
    layout = Layout("s3://bucket/prefix/")
    assert layout.partition("raw", 3, dt.date(2026, 11, 24)) == "s3://bucket/prefix/raw/supermarket_3/2026-11-24"
    assert Layout("/data").report_partition(dt.date(2026, 1, 2)) == "/data/reports/2026-01-02"


def test_unknown_area_is_rejected():
    with pytest.raises(ValueError, match="unknown area"):
        Layout("/data").area("landingg")


@pytest.mark.parametrize(
    "name,ok",
    [
        ("data-1.csv", True),
        ("data-x.csv", True),
        ("data-1.csv.tmp", False),
        ("data.csv", False),
        ("_SUCCESS", False),
        (".data-1.csv.tmp-ab", False),
    ],
)
def test_data_file_names(name, ok):
    assert is_data_file(name) is ok


@pytest.mark.parametrize("value", ["2026-13-01", "24-11-2026", "", "2026/11/24"])
def test_bad_dates_are_rejected_with_the_value(value):
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date(value)


@pytest.mark.parametrize("value", ["0", "-1", "x", "1.5"])
def test_bad_supermarket_ids_are_rejected(value):
    with pytest.raises(ValueError, match="supermarket id"):
        parse_supermarket_id(value)

"""The four steps end to end on good data, checked against an independent computation (pyarrow)."""

import json
from decimal import Decimal

import pyarrow.parquet as pq

from .conftest import DATE, part, read_table


def run_all(cli, supermarket="1"):
    for step in ("copy-to-raw", "process", "metrics"):
        cli(step, "--supermarket", supermarket, "--date", DATE, check=True)


def test_simulate_writes_files_then_success_marker_reproducibly(cli, storage, tmp_path):
    cli("simulate", "--date", DATE, "--supermarkets", "1,2", "--files", "2", "--rows", "100", check=True)
    landing = part(storage, "landing")
    assert sorted(p.name for p in landing.iterdir()) == ["_SUCCESS", "data-1.csv", "data-2.csv"]
    assert (landing / "_SUCCESS").stat().st_mtime_ns >= (landing / "data-2.csv").stat().st_mtime_ns
    rows = sum(len((landing / f).read_text().splitlines()) - 1 for f in ("data-1.csv", "data-2.csv"))
    assert rows == 100
    first = (landing / "data-1.csv").read_bytes()
    cli(
        "simulate",
        "--date",
        DATE,
        "--supermarkets",
        "1",
        "--files",
        "2",
        "--rows",
        "100",
        check=True,
        storage_url=str(tmp_path / "again"),
    )
    assert (part(tmp_path / "again", "landing") / "data-1.csv").read_bytes() == first


def test_never_deliver_writes_nothing_for_that_supermarket(cli, storage):
    cli(
        "simulate",
        "--date",
        DATE,
        "--supermarkets",
        "1,2",
        "--never-deliver",
        "2",
        "--rows",
        "10",
        check=True,
    )
    assert part(storage, "landing", 1).exists()
    assert not part(storage, "landing", 2).exists()


def test_pipeline_outputs_are_correct(cli, storage):
    cli("simulate", "--date", DATE, "--supermarkets", "1,2", "--rows", "3000", check=True)
    run_all(cli, "1")
    run_all(cli, "2")

    raw = part(storage, "raw")
    manifest = json.loads((raw / "_MANIFEST.json").read_text())
    for f in manifest["files"]:
        assert (raw / f["name"]).read_bytes() == (part(storage, "landing") / f["name"]).read_bytes()

    promotions = pq.read_table(part(storage, "processed") / "promotions.parquet")
    assert promotions.num_rows == 3000
    assert str(promotions.schema.field("regular_price").type) == "decimal128(12, 2)"
    assert str(promotions.schema.field("promo_start").type) == "date32[day]"
    assert pq.read_table(part(storage, "quarantine") / "rejected.parquet").num_rows == 0

    rows = promotions.to_pylist()
    discounts = [(1 - r["promo_price"] / r["regular_price"]) * 100 for r in rows]
    summary = json.loads((part(storage, "metrics") / "summary.json").read_text())
    assert summary["promotions"] == 3000
    assert summary["units_sold"] == sum(r["units_sold"] for r in rows)
    assert Decimal(str(summary["promo_revenue"])) == sum(r["promo_price"] * r["units_sold"] for r in rows)
    assert abs(summary["avg_discount_pct"] - float(sum(discounts) / len(discounts))) < 0.01
    assert abs(summary["max_discount_pct"] - float(max(discounts))) < 0.01
    by_category = read_table(part(storage, "metrics") / "metrics.parquet")
    assert sum(c["promotions"] for c in by_category) == 3000
    assert summary["top_categories"] == [c["category"] for c in by_category[:3]]

    cli("report", "--date", DATE, "--supermarkets", "1,2,3", check=True)
    report = json.loads((storage / "reports" / DATE / "summary.json").read_text())
    assert [r["supermarket_id"] for r in report["supermarkets"]] == [1, 2]
    assert report["missing"] == [3]
    assert len(read_table(storage / "reports" / DATE / "report.parquet")) == 2
    page = (storage / "reports" / DATE / "report.html").read_text()
    assert "<svg" in page and "Supermarket 2" in page and "not delivered by the deadline" in page


def test_reruns_are_idempotent(cli, storage):
    cli("simulate", "--date", DATE, "--supermarkets", "1", "--rows", "500", check=True)
    run_all(cli)

    def outputs():
        files = sorted(p for p in storage.rglob("*") if p.is_file() and "landing" not in p.parts)
        return {p: (pq.read_table(p) if p.suffix == ".parquet" else p.read_bytes()) for p in files}

    first = outputs()
    run_all(cli)
    again = outputs()
    assert again.keys() == first.keys()  # no stray temporary files
    for path, content in first.items():
        same = content.equals(again[path]) if path.suffix == ".parquet" else content == again[path]
        assert same, path


def test_logs_say_what_was_read_and_written(cli, storage):
    cli("simulate", "--date", DATE, "--supermarkets", "1", "--rows", "50", check=True)
    cli("copy-to-raw", "--supermarket", "1", "--date", DATE, check=True)
    proc = cli("process", "--supermarket", "1", "--date", DATE, check=True)
    [line] = [line for line in proc.stderr.splitlines() if " process " in line]
    for key in ("rows_in=50", "accepted=50", "quarantined=0", "out=", "seconds="):
        assert key in line


def test_pipeline_on_non_local_storage(tmp_path):
    """fsspec URLs other than local paths go through the same code (memory:// stands in for s3://)."""
    import datetime as dt

    import fsspec

    from supermarket.metrics import metrics
    from supermarket.process import process
    from supermarket.raw import copy_to_raw
    from supermarket.simulate import simulate

    url, d = "memory://bucket/pipeline", dt.date.fromisoformat(DATE)
    simulate(url, d, [1], rows=200)
    copy_to_raw(url, 1, d)
    assert process(url, 1, d).accepted == 200
    assert metrics(url, 1, d)["promotions"] == 200
    fs = fsspec.filesystem("memory")
    assert fs.exists(f"/bucket/pipeline/metrics/supermarket_1/{DATE}/metrics.parquet")

"""Hand-made deliveries for the second bad-input catalogue and the property tests: rows as text, written as
the bytes a supermarket would send, plus the reads of our outputs the tests compare them with."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from supermarket.schema import COLUMNS

from .conftest import DATE, part, read_table


def good_row(i: int, supermarket: int = 1, **overrides: str) -> dict[str, str]:
    row = {
        "promotion_id": f"P{i:06d}",
        "supermarket_id": str(supermarket),
        "product_id": f"SKU{i % 97:04d}",
        "product_name": f"Product {i}",
        "category": ("dairy", "bakery", "produce")[i % 3],
        "regular_price": f"{2 + i % 50}.{i % 100:02d}",
        "promo_price": f"{1 + i % 50}.{i % 100:02d}",
        "promo_start": "2026-11-20",
        "promo_end": "2026-11-30",
        "units_sold": str(i % 1000),
    }
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict[str, str]], columns: tuple[str, ...] | list[str] = COLUMNS) -> bytes:
    """Plain CSV (values must hold no comma, quote or newline; tests that need those write bytes directly)."""
    lines = [",".join(columns)] + [",".join(r[c] for c in columns) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def deliver(storage: Path, files: dict[str, bytes], supermarket: int = 1, date: str = DATE) -> Path:
    landing = part(storage, "landing", supermarket, date)
    landing.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (landing / name).write_bytes(data)
    (landing / "_SUCCESS").write_bytes(b"")
    return landing


def accepted(storage: Path, supermarket: int = 1) -> list[dict[str, object]]:
    return read_table(part(storage, "processed", supermarket) / "promotions.parquet")


def quarantined(storage: Path, supermarket: int = 1) -> list[dict[str, object]]:
    return read_table(part(storage, "quarantine", supermarket) / "rejected.parquet")


def meaning(row: dict[str, str]) -> dict[str, object]:
    """What an accepted row's text means, independently of our SQL: the typed values we must store."""
    return {
        "promotion_id": row["promotion_id"],
        "supermarket_id": int(row["supermarket_id"]),
        "product_id": row["product_id"],
        "product_name": row["product_name"],
        "category": row["category"],
        "regular_price": Decimal(row["regular_price"]).quantize(Decimal("0.01")),
        "promo_price": Decimal(row["promo_price"]).quantize(Decimal("0.01")),
        "promo_start": dt.date.fromisoformat(row["promo_start"]),
        "promo_end": dt.date.fromisoformat(row["promo_end"]),
        "units_sold": int(row["units_sold"]),
    }


def outputs(storage: Path) -> dict[str, bytes]:
    """Every output file below processed/ and quarantine/, by relative path (for byte-identical re-runs)."""
    found = {}
    for area in ("processed", "quarantine"):
        for f in sorted((storage / area).rglob("*")):
            if f.is_file():
                found[str(f.relative_to(storage))] = f.read_bytes()
    return found

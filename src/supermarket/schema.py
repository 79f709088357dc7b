"""The promotion record: column names and the rules a row must satisfy (applied in `process`)."""

from __future__ import annotations

COLUMNS: tuple[str, ...] = (
    "promotion_id",
    "supermarket_id",
    "product_id",
    "product_name",
    "category",
    "regular_price",
    "promo_price",
    "promo_start",
    "promo_end",
    "units_sold",
)

# DuckDB types of the processed (typed) table.
TYPES: dict[str, str] = {
    "promotion_id": "VARCHAR",
    "supermarket_id": "INTEGER",
    "product_id": "VARCHAR",
    "product_name": "VARCHAR",
    "category": "VARCHAR",
    "regular_price": "DECIMAL(12,2)",
    "promo_price": "DECIMAL(12,2)",
    "promo_start": "DATE",
    "promo_end": "DATE",
    "units_sold": "BIGINT",
}

REQUIRED_TEXT = ("promotion_id", "product_id", "product_name", "category")

"""One configured DuckDB connection: bounded memory, spill to $TMPDIR, fsspec storage registered."""

from __future__ import annotations

import os
import tempfile

import duckdb

from .storage import Location

# Bounded memory whatever the delivery size: DuckDB spills to disk beyond this.
DEFAULT_MEMORY_LIMIT = os.environ.get("SUPERMARKET_MEMORY_LIMIT", "512MB")


def connect(*locations: Location, memory_limit: str = DEFAULT_MEMORY_LIMIT) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"memory_limit": memory_limit})
    con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/supermarket-duckdb'")
    con.execute("SET preserve_insertion_order = true")
    registered: set[int] = set()
    for location in locations:
        if not location.is_local and id(location.fs) not in registered:
            con.register_filesystem(location.fs)
            registered.add(id(location.fs))
    return con


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"

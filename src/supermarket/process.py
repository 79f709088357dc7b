"""process: raw CSVs -> validated, typed Parquet; rejected rows -> quarantine with a reason.

Nothing is lost: every input record ends up either in `processed` or in `quarantine` (with its file, line
and reason), and raw keeps the original bytes. Outputs are written atomically and re-runs give the same
result, because raw is immutable.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import asdict, dataclass

import duckdb

from . import engine
from .errors import BadInputError
from .layout import MANIFEST, PROCESSED, PROMOTIONS_FILE, QUARANTINE, RAW, REJECTED_FILE, SUMMARY_FILE, Layout
from .logs import log
from .schema import COLUMNS, REQUIRED_TEXT, TYPES
from .storage import Location

HEADER_PROBE_BYTES = 64 * 1024


@dataclass(frozen=True)
class ProcessResult:
    supermarket_id: int
    date: str
    files: int
    records_in: int
    accepted: int
    quarantined: int
    duplicates: int
    processed: str
    quarantine: str


def _check_header(file: Location) -> None:
    """Wrong or missing columns make the whole file unusable: bad input, named precisely."""
    if file.size() == 0:
        raise BadInputError("file is empty (0 bytes); expected a header line and rows", file=file.path)
    with file.open_read() as fh:
        head: bytes = fh.read(HEADER_PROBE_BYTES)
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        header = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInputError(f"header is not UTF-8 ({exc.reason})", file=file.path, row=1) from None
    names = [n.strip().strip('"') for n in header.split(",")]
    missing = [c for c in COLUMNS if c not in names]
    unexpected = [n for n in names if n not in COLUMNS]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if missing or unexpected or duplicated:
        parts = []
        if missing:
            parts.append(f"missing columns {missing}")
        if unexpected:
            parts.append(f"unexpected columns {unexpected}")
        if duplicated:
            parts.append(f"duplicated columns {duplicated}")
        raise BadInputError(
            f"wrong header: {'; '.join(parts)}; expected exactly {list(COLUMNS)}", file=file.path, row=1
        )


def _shown(column: str) -> str:
    """SQL for a value as it appeared, quoted, for error messages."""
    return f"coalesce('\"' || {column} || '\"', 'empty')"


def _reason_sql(supermarket_id: int) -> str:
    """One SQL expression: '' for a good row, else every rule it breaks, '; '-separated."""
    price = "TRY_CAST({} AS DECIMAL(12,2))"
    checks = [f"CASE WHEN nullif(trim({c}), '') IS NULL THEN '{c} is empty' END" for c in REQUIRED_TEXT]
    for c in ("regular_price", "promo_price"):
        checks += [
            f"CASE WHEN {price.format(c)} IS NULL THEN '{c} is not a number: ' || {_shown(c)} END",
            f"CASE WHEN {price.format(c)} <= 0 THEN '{c} must be > 0, got ' || {c} END",
        ]
    for c in ("promo_start", "promo_end"):
        checks.append(
            f"CASE WHEN TRY_CAST({c} AS DATE) IS NULL THEN '{c} is not a date (YYYY-MM-DD): ' || {_shown(c)} END"
        )
    checks += [
        "CASE WHEN TRY_CAST(supermarket_id AS INTEGER) IS NULL THEN 'supermarket_id is not an integer: ' || "
        f"{_shown('supermarket_id')} WHEN TRY_CAST(supermarket_id AS INTEGER) <> {supermarket_id} THEN "
        f"'supermarket_id ' || supermarket_id || ' does not match the delivery''s supermarket {supermarket_id}' END",
        "CASE WHEN TRY_CAST(units_sold AS BIGINT) IS NULL THEN 'units_sold is not an integer: ' || "
        f"{_shown('units_sold')} WHEN TRY_CAST(units_sold AS BIGINT) < 0 THEN "
        "'units_sold must be >= 0, got ' || units_sold END",
        f"CASE WHEN {price.format('promo_price')} > {price.format('regular_price')} "
        "THEN 'promo_price ' || promo_price || ' is above regular_price ' || regular_price END",
        "CASE WHEN TRY_CAST(promo_end AS DATE) < TRY_CAST(promo_start AS DATE) "
        "THEN 'promo_end ' || promo_end || ' is before promo_start ' || promo_start END",
        "CASE WHEN dup > 1 THEN 'exact duplicate of an earlier row' END",
    ]
    return "concat_ws('; ', " + ", ".join(checks) + ")"


def _load(con: duckdb.DuckDBPyConnection, files: list[Location], supermarket_id: int) -> None:
    """Parses every file (all columns as text, so no value is lost to a cast) into `parsed`."""
    cols = ", ".join(COLUMNS)
    selects = []
    for i, f in enumerate(files):
        selects.append(
            f"SELECT {i} AS file_no, row_number() OVER () AS rec, {cols} FROM read_csv({engine.quote(f.url)}, "
            "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', "
            f"strict_mode = true, store_rejects = true, rejects_table = 'rejects_{i}', "
            f"rejects_scan = 'scans_{i}')"
        )
    con.execute("CREATE TEMP TABLE parsed AS " + " UNION ALL ".join(selects))
    con.execute(
        "CREATE TEMP TABLE checked AS SELECT *, "
        + _reason_sql(supermarket_id)
        + " AS reason FROM (SELECT *, row_number() OVER (PARTITION BY "
        + cols
        + " ORDER BY file_no, rec) AS dup FROM parsed)"
    )
    # Structural rejects (wrong column count, invalid UTF-8, ...) of every file, with their line numbers.
    # Structural rejects (wrong column count, invalid UTF-8, ...) of every file, one per line (DuckDB may
    # report a short line once per missing column).
    rejects = " UNION ALL ".join(
        f"SELECT {i} AS file_no, line::BIGINT AS line, lower(replace(error_type::VARCHAR, '_', ' ')) || ': ' "
        f"|| error_message AS reason, csv_line FROM rejects_{i}"
        for i in range(len(files))
    )
    con.execute(
        "CREATE TEMP TABLE structural AS SELECT file_no, line, min(reason) AS reason, "
        f"any_value(csv_line) AS csv_line FROM ({rejects}) GROUP BY file_no, line"
    )


def _line_of_record_sql() -> str:
    # Record k of a file sits on line 1 + k + (number of structurally rejected lines before it);
    # rejected line l_j (the j-th of its file) has l_j - j - 1 good records before it.
    return (
        "1 + rec + (SELECT count(*) FROM (SELECT line - row_number() OVER (ORDER BY line) - 1 AS before "
        "FROM structural s WHERE s.file_no = c.file_no) b WHERE b.before < c.rec)"
    )


def process(storage: str, supermarket_id: int, date: dt.date) -> ProcessResult:
    started = time.monotonic()
    layout = Layout(storage)
    raw = Location.of(layout.partition(RAW, supermarket_id, date))
    manifest_file = raw.child(MANIFEST)
    if not manifest_file.exists():
        raise BadInputError("no raw copy of this delivery (no _MANIFEST.json): run copy-to-raw first", file=raw.path)
    manifest = json.loads(manifest_file.read_bytes())
    files = [raw.child(f["name"]) for f in manifest["files"]]
    for f in files:
        _check_header(f)

    processed = Location.of(layout.partition(PROCESSED, supermarket_id, date))
    quarantine = Location.of(layout.partition(QUARANTINE, supermarket_id, date))
    con = engine.connect(raw, processed, quarantine)
    _load(con, files, supermarket_id)
    records_in, accepted, duplicates = con.execute(
        "SELECT count(*), count(*) FILTER (reason = ''), count(*) FILTER (dup > 1) FROM checked"
    ).fetchone() or (0, 0, 0)
    structural = (con.execute("SELECT count(*) FROM structural").fetchone() or (0,))[0]
    records_in += structural
    if records_in == 0:
        raise BadInputError("delivery has no data rows (every file holds only the header)", file=raw.path)

    typed = ", ".join(f"CAST({c} AS {TYPES[c]}) AS {c}" for c in COLUMNS)
    with processed.child(PROMOTIONS_FILE).atomic_local_file() as out:
        con.execute(
            f"COPY (SELECT {typed} FROM checked WHERE reason = '' ORDER BY file_no, rec) "
            f"TO {engine.quote(out)} (FORMAT parquet, COMPRESSION zstd)"
        )
    names = [f["name"] for f in manifest["files"]]
    file_name = "CASE file_no " + " ".join(f"WHEN {i} THEN {engine.quote(n)}" for i, n in enumerate(names)) + " END"
    raw_cols = ", ".join(COLUMNS)
    null_cols = ", ".join(f"NULL::VARCHAR AS {c}" for c in COLUMNS)
    with quarantine.child(REJECTED_FILE).atomic_local_file() as out:
        con.execute(
            f"COPY (SELECT {file_name} AS source_file, line, reason, raw_line, {raw_cols} FROM ("
            f"  SELECT file_no, {_line_of_record_sql()} AS line, reason, NULL::VARCHAR AS raw_line, {raw_cols}"
            "   FROM checked c WHERE reason <> ''"
            f"  UNION ALL SELECT file_no, line, reason, csv_line AS raw_line, {null_cols} FROM structural"
            f") ORDER BY file_no, line) TO {engine.quote(out)} (FORMAT parquet, COMPRESSION zstd)"
        )
    result = ProcessResult(
        supermarket_id=supermarket_id,
        date=date.isoformat(),
        files=len(files),
        records_in=records_in,
        accepted=accepted,
        quarantined=records_in - accepted,
        duplicates=duplicates,
        processed=processed.child(PROMOTIONS_FILE).path,
        quarantine=quarantine.child(REJECTED_FILE).path,
    )
    processed.child(SUMMARY_FILE).write_bytes_atomic(json.dumps(asdict(result), indent=2).encode() + b"\n")
    log(
        "process",
        supermarket=supermarket_id,
        date=date,
        files=len(files),
        rows_in=records_in,
        accepted=accepted,
        quarantined=records_in - accepted,
        duplicates=duplicates,
        out=processed.path,
        quarantine=quarantine.path,
        seconds=time.monotonic() - started,
    )
    return result

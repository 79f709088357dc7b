"""process: raw CSVs -> validated, typed Parquet; rejected rows -> quarantine with a reason.

Nothing is lost: every input record ends up either in `processed` or in `quarantine` (with its file, line
and reason), and raw keeps the original bytes. Outputs are written atomically and re-runs give the same
result, because raw is immutable.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import duckdb

from . import engine
from .errors import BadInputError
from .layout import MANIFEST, PROCESSED, PROMOTIONS_FILE, QUARANTINE, RAW, REJECTED_FILE, SUMMARY_FILE, Layout
from .logs import log
from .schema import COLUMNS, REQUIRED_TEXT, TYPES
from .storage import Location

HEADER_PROBE_BYTES = 64 * 1024
# A longer line is quarantined as such (DuckDB's default maximum, stated so the README can name it).
MAX_LINE_BYTES = 2_000_000


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


def _check_header(file: Location) -> list[str]:
    """Wrong or missing columns make the whole file unusable: bad input, named precisely. Returns the file's
    column names in its own order, so that every read maps columns by name, never by position."""
    if file.size() == 0:
        raise BadInputError("file is empty (0 bytes); expected a header line and rows", file=file.path)
    with file.open_read() as fh:
        head: bytes = fh.read(HEADER_PROBE_BYTES)
    first = head.split(b"\n", 1)[0].removesuffix(b"\r")
    try:
        header = first.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise BadInputError(f"header is not UTF-8 ({exc.reason})", file=file.path, row=1) from None
    # A name may be quoted; whitespace around it is part of the name (and so wrong), never silently stripped.
    names = [n[1:-1] if len(n) >= 2 and n[0] == n[-1] == '"' else n for n in header.split(",")]
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
    return names


def _shown(column: str) -> str:
    """SQL for a value as it appeared, quoted, for error messages."""
    return f"coalesce('\"' || {column} || '\"', 'empty')"


# The value grammar (RE2, full match). Nothing a cast would also accept (' 1', '1e3', '0x10', '2.5' for an
# integer, '2026-01-01 10:00', 'infinity') gets through: accepted values equal their text.
INTEGER_RE = "-?[0-9]+"
PRICE_RE = "-?[0-9]+(\\.[0-9]+)?"
DATE_RE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
# Whitespace of any kind (what Python's str.isspace() calls whitespace) counts as empty.
BLANK_RE = "[\\t\\n\\x{0b}\\f\\r\\x{1c}-\\x{1f}\\x{85}\\p{Z}]*"
MAX_PRICE_DIGITS = 10  # DECIMAL(12,2): at most 9999999999.99
MAX_UNITS = 1_000_000_000  # per row; with prices bounded, every sum in metrics fits its type
MAX_SUPERMARKET_DIGITS = 9
DATE_RANGE = ("2000-01-01", "2099-12-31")


def _match(column: str, pattern: str) -> str:
    return f"coalesce(regexp_full_match({column}, '{pattern}'), false)"


def _price_ok(c: str) -> str:
    return (
        f"({_match(c, PRICE_RE)} AND length(split_part(ltrim({c}, '-'), '.', 1)) <= {MAX_PRICE_DIGITS} AND "
        f"length(split_part({c}, '.', 2)) <= 2)"
    )


def _price(c: str) -> str:
    return f"(CASE WHEN {_price_ok(c)} THEN CAST({c} AS DECIMAL(12,2)) END)"


def _date_ok(c: str) -> str:
    return f"({_match(c, DATE_RE)} AND TRY_CAST({c} AS DATE) BETWEEN DATE '{DATE_RANGE[0]}' AND DATE '{DATE_RANGE[1]}')"


def _date(c: str) -> str:
    return f"(CASE WHEN {_date_ok(c)} THEN CAST({c} AS DATE) END)"


def _reason_sql(supermarket_id: int) -> str:
    """One SQL expression: '' for a good row, else every rule it breaks, '; '-separated."""
    checks = [f"CASE WHEN {c} IS NULL OR {_match(c, BLANK_RE)} THEN '{c} is empty' END" for c in REQUIRED_TEXT]
    for c in ("regular_price", "promo_price"):
        checks.append(
            f"CASE WHEN NOT {_match(c, PRICE_RE)} THEN '{c} is not a number: ' || {_shown(c)} "
            f"WHEN length(split_part({c}, '.', 2)) > 2 THEN '{c} has more than two decimals (never rounded): ' "
            f"|| {c} WHEN NOT {_price_ok(c)} THEN '{c} is out of range (at most {10**MAX_PRICE_DIGITS - 1}.99): ' "
            f"|| {c} WHEN {_price(c)} <= 0 THEN '{c} must be > 0, got ' || {c} END"
        )
    lo, hi = DATE_RANGE
    for c in ("promo_start", "promo_end"):
        checks.append(
            f"CASE WHEN NOT {_match(c, DATE_RE)} OR TRY_CAST({c} AS DATE) IS NULL THEN "
            f"'{c} is not a date (YYYY-MM-DD): ' || {_shown(c)} WHEN NOT {_date_ok(c)} THEN "
            f"'{c} is out of range ({lo} to {hi}): ' || {c} END"
        )
    sid_ok = (
        f"({_match('supermarket_id', '[0-9]+')} AND length(ltrim(supermarket_id, '0')) <= {MAX_SUPERMARKET_DIGITS})"
    )
    units_ok = f"({_match('units_sold', INTEGER_RE)} AND length(ltrim(units_sold, '-0')) <= 10)"
    checks += [
        f"CASE WHEN NOT {_match('supermarket_id', INTEGER_RE)} THEN 'supermarket_id is not an integer: ' || "
        f"{_shown('supermarket_id')} WHEN NOT {sid_ok} OR CAST(supermarket_id AS BIGINT) <> {supermarket_id} THEN "
        f"'supermarket_id ' || supermarket_id || ' does not match the delivery''s supermarket {supermarket_id}' END",
        f"CASE WHEN NOT {_match('units_sold', INTEGER_RE)} THEN 'units_sold is not an integer: ' || "
        f"{_shown('units_sold')} WHEN starts_with(units_sold, '-') AND ltrim(units_sold, '-0') <> '' THEN "
        f"'units_sold must be >= 0, got ' || units_sold WHEN NOT {units_ok} OR CAST(units_sold AS HUGEINT) > "
        f"{MAX_UNITS} THEN 'units_sold is out of range (at most {MAX_UNITS}): ' || units_sold END",
        f"CASE WHEN {_price('promo_price')} > {_price('regular_price')} "
        "THEN 'promo_price ' || promo_price || ' is above regular_price ' || regular_price END",
        f"CASE WHEN {_date('promo_end')} < {_date('promo_start')} "
        "THEN 'promo_end ' || promo_end || ' is before promo_start ' || promo_start END",
    ]
    return "concat_ws('; ', " + ", ".join(checks) + ")"


def _valid_sql(supermarket_id: int) -> str:
    """True exactly when _reason_sql finds nothing: one conjunction over the texts. In a WHERE clause DuckDB
    evaluates it with selection vectors (a row leaves at its first failed test), much cheaper than computing
    every value's parse. Each cast is gated by a regular expression in the same conjunction, so it never
    coerces (`0*` admits leading zeros without admitting more significant digits than the type holds)."""
    lo, hi = DATE_RANGE
    price = f"-?[0-9]{{1,{MAX_PRICE_DIGITS}}}(\\.[0-9]{{1,2}})?"
    dates = ("promo_start", "promo_end")
    conditions = [f"NOT regexp_full_match(coalesce({c}, ''), '{BLANK_RE}')" for c in REQUIRED_TEXT]
    conditions += [f"regexp_full_match({c}, '{price}')" for c in ("regular_price", "promo_price")]
    conditions += [f"regexp_full_match({c}, '{DATE_RE}')" for c in dates]
    conditions += [
        f"regexp_full_match(supermarket_id, '0*[0-9]{{1,{MAX_SUPERMARKET_DIGITS}}}')",
        "regexp_full_match(units_sold, '-?0*[0-9]{1,10}')",
        "TRY_CAST(regular_price AS DECIMAL(12,2)) > 0",
        "TRY_CAST(promo_price AS DECIMAL(12,2)) > 0",
        "TRY_CAST(promo_price AS DECIMAL(12,2)) <= TRY_CAST(regular_price AS DECIMAL(12,2))",
        *(f"TRY_CAST({c} AS DATE) BETWEEN DATE '{lo}' AND DATE '{hi}'" for c in dates),
        "TRY_CAST(promo_end AS DATE) >= TRY_CAST(promo_start AS DATE)",
        f"TRY_CAST(supermarket_id AS INTEGER) = {supermarket_id}",
        f"TRY_CAST(units_sold AS BIGINT) BETWEEN 0 AND {MAX_UNITS}",
    ]
    return "coalesce(" + " AND ".join(conditions) + ", false)"


DUPLICATE = "exact duplicate of an earlier row"


def _glob_literal(url: str) -> str:
    """DuckDB expands glob characters in every path it reads; a file name is data. Object storage paths are
    escaped into one-character classes that match only themselves (`data-[1].csv` must not read `data-1.csv`)."""
    return "".join(f"[{ch}]" if ch in "*?[]" else ch for ch in url)


@contextlib.contextmanager
def _literal_paths(files: list[Location]) -> Iterator[list[str]]:
    """Paths DuckDB reads literally. Local raw files get plain aliases (symlinks named f<k>.csv in a private
    temporary directory): DuckDB's glob cannot match every name literally (a backslash next to a glob
    character defeats escaping), and our own raw files are the only link targets."""
    if not all(f.is_local for f in files):
        yield [_glob_literal(f.url) for f in files]
        return
    with tempfile.TemporaryDirectory(prefix="supermarket-read-") as tmp:
        aliases = []
        for k, f in enumerate(files):
            alias = os.path.join(tmp, f"f{k}.csv")
            os.symlink(os.path.abspath(f.path), alias)
            aliases.append(alias)
        yield aliases


class _Sources:
    """SQL over the raw files. All columns are read as text (no value is lost to a cast). Every query streams
    the CSVs again: memory stays bounded, and re-parsing is cheaper than materialising millions of rows.
    Each file is read with its own header's column order and selected by name (never by position)."""

    def __init__(
        self,
        files: list[Location],
        paths: list[str],
        headers: list[list[str]],
        supermarket_id: int,
        fallback: dict[int, list[tuple[int, bytes, str]]] | None = None,
    ) -> None:
        self.files = files
        self.paths = paths
        # Lines of files that only the line-by-line fallback could read: file_no -> (line, bytes, reason).
        self.fallback: dict[int, list[tuple[int, bytes, str]]] = fallback or {}
        self.headers = headers
        self.valid = _valid_sql(supermarket_id)
        # The detailed reasons are spelled out only for rows that are not valid (CASE evaluates lazily).
        # Never '' for an invalid row, so no row can fall between accepted and quarantined.
        self.reason = (
            f"CASE WHEN valid THEN '' ELSE coalesce(nullif({_reason_sql(supermarket_id)}, ''), "
            "'breaks a value rule') END"
        )
        self._scans = 0

    def _read(self, i: int, *more: int) -> str:
        """A scan of file i (and of files `more`, which have the same header)."""
        # Lines the parser rejects go to reject tables instead of failing the scan; one table per scan.
        self._scans += 1
        paths = "[" + ", ".join(engine.quote(self.paths[k]) for k in (i, *more)) + "]"
        return (
            # Columns are named by each file's own header (checked by _check_header) and selected by name.
            # Explicit `columns` with auto_detect off would skip the sniffer, but costs DuckDB 2.0 so much
            # more memory that a 5 M-row file no longer fits 192 MB; a file the sniffer refuses goes to the
            # line-by-line fallback instead.
            f"read_csv({paths}, header = true, all_varchar = true, skip = 0, "
            f"delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
            f"max_line_size = {MAX_LINE_BYTES}, store_rejects = true, "
            f"rejects_table = 'rejects_{self._scans}', "
            f"rejects_scan = 'scans_{self._scans}')"
        )

    def per_file(self, select: str, *, numbered: bool, checked: bool = True) -> tuple[str, list[str]]:
        """UNION ALL of `select` over each file with its file_no (and its rows numbered in file order: a
        streaming window, after the per-row work so that runs in parallel). Returns the SQL and the names of
        the reject tables it fills."""
        parts, tables = [], []
        for i in range(len(self.files)):
            inner = f"SELECT {select} FROM {self._checked(i) if checked else self._read(i)}"
            tables.append(f"rejects_{self._scans}")
            rec = "row_number() OVER () AS rec, " if numbered else ""
            parts.append(f"SELECT {i} AS file_no, {rec}* FROM ({inner})")
        return " UNION ALL ".join(parts), tables

    def _checked(self, i: int, *more: int) -> str:
        """The rows of file i (and `more`): the texts and `valid`."""
        # The columns in one canonical order, by name: UNION ALL binds by position, a file's order is its own.
        cols = ", ".join(COLUMNS)
        return f"(SELECT {cols}, {self.valid} AS valid FROM {self._read(i, *more)})"

    def all_files(self, select: str, *, checked: bool = True) -> str:
        """Every row in file order. Consecutive files with the same header are one scan (a single multi-file
        scan is much faster than a UNION ALL of per-file scans); different orders get their own."""
        runs: list[list[int]] = []
        for i in range(len(self.files)):
            if runs and self.headers[runs[-1][0]] == self.headers[i]:
                runs[-1].append(i)
            else:
                runs.append([i])
        return " UNION ALL ".join(
            f"SELECT {select} FROM {self._checked(*run) if checked else self._read(*run)}" for run in runs
        )


@dataclass(frozen=True)
class _Census:
    records: int  # rows the parser read (structural rejects not included)
    structural: int
    duplicates: int


def _prepare(con: duckdb.DuckDBPyConnection, src: _Sources) -> _Census:
    """Finds structural rejects and exact duplicates, and counts the rows the parser read."""
    cols = ", ".join(COLUMNS)
    # Pass 1: candidate duplicates by row hash (one cheap key), and the row count in the same scan (the empty
    # grouping set); also fills the per-file reject tables.
    hashes, reject_tables = src.per_file(f"hash({cols}) AS h", numbered=False, checked=False)
    con.execute(
        "CREATE TEMP TABLE hash_groups AS SELECT grouping(h) AS total, h, count(*) AS n "
        f"FROM ({hashes}) GROUP BY GROUPING SETS ((h), ()) HAVING count(*) > 1 OR grouping(h) = 1"
    )
    con.execute("CREATE TEMP TABLE dup_hashes AS SELECT h FROM hash_groups WHERE total = 0")
    records = int((con.execute("SELECT sum(n) FROM hash_groups WHERE total = 1").fetchone() or (0,))[0] or 0)
    # Structural rejects (wrong column count, invalid UTF-8, ...), one per line (DuckDB may report a short
    # line once per missing column).
    rejects = " UNION ALL ".join(
        f"SELECT {i} AS file_no, line::BIGINT AS line, lower(replace(error_type::VARCHAR, '_', ' ')) || ': ' "
        f"|| error_message AS reason, csv_line, line_byte_position, error_type::VARCHAR AS error_type FROM {table}"
        for i, table in enumerate(reject_tables)
    )
    con.execute(
        "CREATE TEMP TABLE structural_text AS SELECT file_no, line, min(reason) AS reason, "
        "any_value(csv_line) AS csv_line, min(line_byte_position) AS pos, min(error_type) AS error_type "
        f"FROM ({rejects}) GROUP BY file_no, line"
    )
    fallback = [(i, line, reason) for i, rows in src.fallback.items() for line, _, reason in rows]
    if fallback:
        con.executemany("INSERT INTO structural_text VALUES (?, ?, ?, NULL, NULL, 'FALLBACK')", fallback)
    _attach_raw_bytes(con, src)
    # Pass 2, only when hashes collide: exact comparison of the candidates; all but the first are duplicates.
    con.execute("CREATE TEMP TABLE duplicates (file_no INTEGER, rec BIGINT)")
    if (con.execute("SELECT count(*) FROM dup_hashes").fetchone() or (0,))[0]:
        numbered, _ = src.per_file(cols, numbered=True, checked=False)
        con.execute(
            f"INSERT INTO duplicates SELECT file_no, rec FROM (SELECT file_no, rec, row_number() OVER "
            f"(PARTITION BY {cols} ORDER BY file_no, rec) AS n FROM ({numbered}) "
            f"WHERE hash({cols}) IN (SELECT h FROM dup_hashes)) WHERE n > 1"
        )
    return _Census(
        records=records,
        structural=int((con.execute("SELECT count(*) FROM structural").fetchone() or (0,))[0]),
        duplicates=int((con.execute("SELECT count(*) FROM duplicates").fetchone() or (0,))[0]),
    )


def _attach_raw_bytes(con: duckdb.DuckDBPyConnection, src: _Sources) -> None:
    """The parser's text of a rejected line cannot hold bytes that are not UTF-8 (and may drop a neighbour),
    so quarantine keeps the exact bytes, read from the raw file at the line's byte position. DuckDB's position
    can point a byte into the line; the line starts after the newline before it. An unterminated quote runs
    over as many physical lines as the parser took."""
    files = src.files
    rows = con.execute(
        "SELECT file_no, line, pos, error_type, csv_line FROM structural_text WHERE pos IS NOT NULL "
        "ORDER BY file_no, line"
    ).fetchall()
    exact = [(i, line, data) for i, fallback in src.fallback.items() for line, data, _ in fallback]
    by_file: dict[int, list[tuple[int, int, str, str]]] = {}
    for file_no, line, pos, error_type, csv_line in rows:
        by_file.setdefault(file_no, []).append((line, pos, error_type, csv_line or ""))
    for file_no, rejects in by_file.items():
        with files[file_no].open_read() as fh:
            for line, pos, error_type, csv_line in rejects:
                back = max(0, pos - MAX_LINE_BYTES - 1)
                fh.seek(back)
                before = fh.read(pos - back)
                start = back + before.rfind(b"\n") + 1 if b"\n" in before else back
                fh.seek(start)
                lines = csv_line.rstrip("\n").count("\n") + 1 if error_type == "UNQUOTED VALUE" else 1
                data = b""
                for _ in range(lines):
                    chunk = fh.readline(MAX_LINE_BYTES * 4)
                    data += chunk
                    if not chunk.endswith(b"\n"):
                        break
                exact.append((file_no, line, data.removesuffix(b"\n").removesuffix(b"\r")))  # without CRLF/LF
    con.execute("CREATE TEMP TABLE structural_bytes (file_no INTEGER, line BIGINT, raw_bytes BLOB)")
    if exact:
        con.executemany("INSERT INTO structural_bytes VALUES (?, ?, ?)", exact)
    con.execute(
        "CREATE TEMP TABLE structural AS SELECT t.file_no, t.line, t.reason, t.csv_line, b.raw_bytes "
        "FROM structural_text t LEFT JOIN structural_bytes b USING (file_no, line)"
    )


def _good_rows_sql(src: _Sources, duplicates: int) -> str:
    # The casts run on valid rows only (after the filter), where the grammar has made them exact.
    typed = ", ".join(f"CAST({c} AS {TYPES[c]}) AS {c}" if TYPES[c] != "VARCHAR" else c for c in COLUMNS)
    cols = ", ".join(COLUMNS)
    if not duplicates:  # the common case: no row numbers needed, fully parallel, the rules as a filter
        return f"SELECT {typed} FROM ({src.all_files(cols, checked=False)}) WHERE {src.valid}"
    numbered, _ = src.per_file(cols + ", valid", numbered=True)
    return f"SELECT {typed} FROM ({numbered}) s ANTI JOIN duplicates d USING (file_no, rec) WHERE s.valid"


def _rejected_rows_sql(src: _Sources, file_names: list[str]) -> str:
    cols = ", ".join(COLUMNS)
    numbered, _ = src.per_file(f"{cols}, {src.reason} AS reason", numbered=True)
    file_name = "CASE file_no " + " ".join(f"WHEN {i} THEN {engine.quote(n)}" for i, n in enumerate(file_names))
    null_cols = ", ".join(f"NULL::VARCHAR AS {c}" for c in COLUMNS)
    flagged = (
        f"SELECT s.*, concat_ws('; ', nullif(s.reason, ''), CASE WHEN d.rec IS NOT NULL THEN '{DUPLICATE}' END) "
        f"AS why FROM ({numbered}) s LEFT JOIN duplicates d USING (file_no, rec)"
    )
    return (
        f"SELECT {file_name} END AS source_file, line, reason, raw_line, raw_bytes, {cols} FROM ("
        f"  SELECT file_no, {_line_of_record_sql()} AS line, why AS reason, NULL::VARCHAR AS raw_line, "
        f"  NULL::BLOB AS raw_bytes, {cols} FROM ({flagged}) c WHERE why <> ''"
        f"  UNION ALL SELECT file_no, line, reason, csv_line AS raw_line, raw_bytes, {null_cols} FROM structural"
        ") ORDER BY file_no, line"
    )


def _line_of_record_sql() -> str:
    # Record k of a file sits on line 1 + k + (number of structurally rejected lines before it);
    # rejected line l_j (the j-th of its file) has l_j - j - 1 good records before it.
    return (
        "1 + rec + (SELECT count(*) FROM (SELECT line - row_number() OVER (ORDER BY line) - 1 AS before "
        "FROM structural s WHERE s.file_no = c.file_no) b WHERE b.before < c.rec)"
    )


def _copied(cursor: duckdb.DuckDBPyConnection) -> int:
    """The row count a COPY statement reports."""
    row = cursor.fetchone()
    return int(row[0]) if row else 0


def _remove(location: Location) -> None:
    if location.exists():
        location.fs.rm(location.path)


def _write_outputs(
    raw: Location,
    processed: Location,
    quarantine: Location,
    files: list[Location],
    headers: list[list[str]],
    manifest: dict[str, Any],
) -> tuple[int, int, int]:
    with _literal_paths(files) as paths, tempfile.TemporaryDirectory(prefix="supermarket-fallback-") as tmp:
        src = _Sources(files, list(paths), headers, int(manifest["supermarket_id"]))
        try:
            return _write_with(raw, processed, quarantine, src, manifest)
        except _ReaderGaveUp:
            pass
        # DuckDB's reader refuses some file as a whole (a bare CR in a field, mixed line endings): those files
        # are read line by line instead, so that only their bad lines are quarantined, and the run repeated.
        for i in _unreadable_files(src):
            src.paths[i] = os.path.join(tmp, f"n{i}.csv")
            src.fallback[i] = _normalise(files[i], headers[i], src.paths[i])
        src = _Sources(files, src.paths, headers, int(manifest["supermarket_id"]), src.fallback)
        return _write_with(raw, processed, quarantine, src, manifest)


def _write_with(
    raw: Location, processed: Location, quarantine: Location, src: _Sources, manifest: dict[str, Any]
) -> tuple[int, int, int]:
    con = engine.connect(raw, processed, quarantine)
    try:
        census = _prepare(con, src)
        duplicates = census.duplicates
        # The good rows, typed, in file order, then every other record with its file, line and reason(s).
        # COPY returns the number of rows it wrote.
        with processed.child(PROMOTIONS_FILE).atomic_local_file() as out:
            good = _good_rows_sql(src, duplicates)
            accepted = _copied(con.execute(f"COPY ({good}) TO {engine.quote(out)} (FORMAT parquet, COMPRESSION zstd)"))
        with quarantine.child(REJECTED_FILE).atomic_local_file() as out:
            rejected = _rejected_rows_sql(src, [f["name"] for f in manifest["files"]])
            if not census.structural and not duplicates and accepted == census.records:
                # Every row was accepted: the quarantine is empty, so its file is written without another
                # scan (the optimiser drops the scans of an always-false filter; same schema as ever).
                rejected = f"SELECT * FROM ({rejected}) WHERE false"
            quarantined = _copied(
                con.execute(f"COPY ({rejected}) TO {engine.quote(out)} (FORMAT parquet, COMPRESSION zstd)")
            )
    except duckdb.InvalidInputException as exc:
        if not src.fallback:
            raise _ReaderGaveUp from None
        # Even the normalised files were refused: bad input, named. Its text is not echoed beyond the
        # reader's first line of explanation.
        raise BadInputError(
            "cannot be read as CSV line by line, nothing of this delivery was processed: "
            + str(exc).splitlines()[0].removeprefix("Invalid Input Error: "),
            file=", ".join(src.files[i].path for i in _unreadable_files(src)) or src.files[0].path,
        ) from None
    return accepted, quarantined, duplicates


class _ReaderGaveUp(Exception):
    """DuckDB's CSV reader refused a file as a whole."""


def _unreadable_files(src: _Sources) -> list[int]:
    """Which files the CSV reader refuses (each is tried alone)."""
    con = engine.connect(*src.files[:1])
    refused = []
    for i in range(len(src.files)):
        try:
            con.execute(f"SELECT count(*) FROM {src._read(i)}").fetchall()
        except duckdb.InvalidInputException:
            refused.append(i)
    return refused


_CR = "\ue000"  # stands in for a bare CR while Python's csv module splits a line (it refuses one unquoted)


def _normalise(raw: Location, header: list[str], out_path: str) -> list[tuple[int, bytes, str]]:
    """Reads a file DuckDB refuses line by line: every physical line (LF or CRLF ended) is one record. Good
    lines are written, every field quoted, to `out_path` (which DuckDB reads); the others are returned with
    their line number, exact bytes and reason. A quoted field cannot span lines here (such a line is
    quarantined): this path is for the rare file the fast reader cannot take at all."""
    rejects: list[tuple[int, bytes, str]] = []
    with raw.open_read() as fh, open(out_path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(header)
        for number, physical in enumerate(fh, start=1):
            line = physical.removesuffix(b"\n").removesuffix(b"\r")
            if number == 1 or not line:  # the header; a blank line holds no record (as in the fast reader)
                continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                rejects.append((number, line, f"invalid encoding: not UTF-8 ({exc.reason})"))
                continue
            if _CR in text:
                rejects.append((number, line, "unexpected character U+E000 in a line read by the fallback"))
                continue
            try:
                [fields] = list(csv.reader([text.replace("\r", _CR)], strict=True))
            except (csv.Error, ValueError):
                rejects.append((number, line, "unquoted value: a quote is not closed on its line"))
                continue
            if len(fields) != len(header):
                kind = "missing columns" if len(fields) < len(header) else "too many columns"
                rejects.append((number, line, f"{kind}: expected {len(header)} columns, found {len(fields)}"))
                continue
            writer.writerow([f.replace(_CR, "\r") for f in fields])
    return rejects


def process(storage: str, supermarket_id: int, date: dt.date) -> ProcessResult:
    started = time.monotonic()
    layout = Layout(storage)
    raw = Location.of(layout.partition(RAW, supermarket_id, date))
    manifest_file = raw.child(MANIFEST)
    if not manifest_file.exists():
        raise BadInputError("no raw copy of this delivery (no _MANIFEST.json): run copy-to-raw first", file=raw.path)
    manifest = json.loads(manifest_file.read_bytes())
    files = [raw.child(f["name"]) for f in manifest["files"]]
    headers = [_check_header(f) for f in files]

    processed = Location.of(layout.partition(PROCESSED, supermarket_id, date))
    quarantine = Location.of(layout.partition(QUARANTINE, supermarket_id, date))
    outputs = (processed.child(PROMOTIONS_FILE), quarantine.child(REJECTED_FILE), processed.child(SUMMARY_FILE))
    # The summary is written last and marks a complete set: drop it first, so an output set this run has only
    # begun to replace is never taken for complete; and drop what a killed run left behind.
    _remove(outputs[2])
    for area in (processed, quarantine):
        area.remove_leftovers(".")
    try:
        accepted, quarantined, duplicates = _write_outputs(raw, processed, quarantine, files, headers, manifest)
        records_in = accepted + quarantined
        if records_in == 0:
            raise BadInputError("delivery has no data rows (every file holds only the header)", file=raw.path)
    except BaseException:
        for output in outputs[:2]:  # never a partial set: data without its summary is removed
            with contextlib.suppress(Exception):  # the storage may be what failed; the error that counts is raised
                _remove(output)
        raise
    result = ProcessResult(
        supermarket_id=supermarket_id,
        date=date.isoformat(),
        files=len(files),
        records_in=records_in,
        accepted=accepted,
        quarantined=quarantined,
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

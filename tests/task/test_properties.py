"""Property-based tests: Hypothesis generates whole deliveries (random rows, column orders per file, file names
full of glob/SQL characters, non-ASCII text, BOMs, CRLF, missing final newlines, malformed lines, duplicates)
and the real `supermarket` CLI must keep every promise for all of them:

- exit code 0 or 65, never 1;
- rows_in = accepted + quarantined, exactly, and equal to the records delivered;
- every accepted row's values equal the meaning of its source text (an independent Python oracle of the rules
  decides which rows are accepted and what they mean);
- every quarantined malformed line keeps the source's exact bytes; every quarantined row keeps its texts;
- a re-run gives byte-identical outputs.

Profiles (SUPERMARKET_HYPOTHESIS_PROFILE): `ci` (default, bounded: about a minute, derandomised so CI is
repeatable) and `long` (`make test-properties-long`, random, many more examples).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supermarket.errors import EXIT_BAD_INPUT, EXIT_OK
from supermarket.schema import COLUMNS, REQUIRED_TEXT

from .conftest import DATE, part
from .delivery_kit import accepted, deliver, meaning, outputs, quarantined

settings.register_profile(
    "ci", max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
settings.register_profile("long", max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("SUPERMARKET_HYPOTHESIS_PROFILE", "ci"))

# Field text never holds a separator, quote or line break (those shapes are generated as malformed lines).
TEXT = st.text(
    alphabet=st.characters(blacklist_characters=',"\n\r', blacklist_categories=("Cs",)), min_size=0, max_size=8
)
BLANK = st.sampled_from(["", " ", "\t", "\u00a0", "\u3000", " \u2003 ", "\x0b", "\x1f"])
VALUES = {
    "promotion_id": st.one_of(st.from_regex(r"P[0-9]{1,4}", fullmatch=True), TEXT, BLANK),
    "supermarket_id": st.sampled_from(["1", "01", "2", "1.0", "+1", " 1", "0x1", "", "-1", "0000000001"]),
    "product_id": st.one_of(st.from_regex(r"SKU[0-9]{1,3}", fullmatch=True), BLANK),
    "product_name": st.one_of(TEXT, BLANK, st.sampled_from(["Café crème", "Brie\u00a0", "日本茶", "x*?[]{}';"])),
    "category": st.one_of(st.sampled_from(["dairy", "bakery", "fish"]), BLANK, TEXT),
    "regular_price": st.one_of(
        st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,2})?", fullmatch=True),
        st.sampled_from(["9.999", "1e2", "NaN", "-2.00", "0", "0.00", "12345678901", "9999999999.99", " 3", "3."]),
    ),
    "promo_price": st.one_of(
        st.from_regex(r"[0-9]{1,2}(\.[0-9]{1,2})?", fullmatch=True),
        st.sampled_from(["1.005", "infinity", "0x10", "", "-0.01"]),
    ),
    "promo_start": st.one_of(
        st.dates(dt.date(1990, 1, 1), dt.date(2110, 1, 1)).map(dt.date.isoformat),
        st.sampled_from(["2026-02-30", "epoch", "2026-11-20 10:00", "20261120", "2026/11/20", "infinity", ""]),
    ),
    "promo_end": st.one_of(
        st.dates(dt.date(2025, 1, 1), dt.date(2027, 1, 1)).map(dt.date.isoformat),
        st.sampled_from(["2026-11-20T00:00", "2026-13-01", "today"]),
    ),
    "units_sold": st.one_of(
        st.integers(0, 10**6).map(str),
        st.sampled_from(["2.5", "1e3", "1_000", "-5", "-0", "007", "1000000000", "1000000001", "99999999999999999999"]),
    ),
}
NAME = st.text(alphabet=list("ab1_-[]*?{}!'\";%é\\ "), min_size=1, max_size=6).map(lambda s: f"data-{s}.csv")


@dataclass
class Line:
    """One delivered record: either field texts (a well-formed line) or malformed bytes."""

    fields: dict[str, str] | None = None
    malformed: bytes | None = None


@dataclass
class File:
    name: str
    order: list[str]
    lines: list[Line]
    bom: bool = False
    crlf: bool = False
    final_newline: bool = True
    data: bytes = field(default=b"")


@st.composite
def rows(draw: st.DrawFn) -> dict[str, str]:
    return {c: draw(VALUES[c]) for c in COLUMNS}


@st.composite
def malformed(draw: st.DrawFn, order: list[str], last: bool) -> bytes:
    row = draw(rows())
    cells = [row[c].encode() for c in order]
    kinds = ["too-few", "too-many", "not-utf8"] + (["unterminated-quote"] if last else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "too-few":
        cells = cells[: draw(st.integers(1, len(cells) - 1))]
    elif kind == "too-many":
        cells += [b"extra"] * draw(st.integers(1, 3))
    elif kind == "not-utf8":
        i = draw(st.integers(0, len(cells) - 1))
        cells[i] += draw(st.sampled_from([b"\xe9", b"\xff", b"\xc3", b"\x80abc"]))
    else:
        i = draw(st.integers(0, len(cells) - 1))
        cells[i] = b'"' + cells[i]
    line = b",".join(cells)
    return line if line.strip() else b"x"  # the reader skips blank lines; a blank line holds no record anyway


@st.composite
def files(draw: st.DrawFn) -> list[File]:
    names = draw(st.lists(NAME, min_size=1, max_size=3, unique=True))
    delivered: list[File] = []
    previous: list[dict[str, str]] = []
    for name in names:
        order = draw(st.permutations(COLUMNS))
        n = draw(st.integers(0, 8))
        lines = []
        for k in range(n):
            shape = draw(st.sampled_from(["row", "row", "row", "duplicate", "malformed"]))
            if shape == "duplicate" and previous:
                lines.append(Line(fields=dict(draw(st.sampled_from(previous)))))
            elif shape == "malformed":
                lines.append(Line(malformed=draw(malformed(order, last=k == n - 1))))
            else:
                row = draw(rows())
                previous.append(row)
                lines.append(Line(fields=row))
        f = File(name, order, lines, draw(st.booleans()), draw(st.booleans()), draw(st.booleans()))
        end = b"\r\n" if f.crlf else b"\n"
        body = [",".join(order).encode()]
        body += [ln.malformed if ln.malformed is not None else ",".join(ln.fields[c] for c in order).encode()
                 for ln in lines]  # fmt: skip
        f.data = (b"\xef\xbb\xbf" if f.bom else b"") + end.join(body) + (end if f.final_newline or not lines else b"")
        delivered.append(f)
    return delivered


# The oracle: the rules of docs/contracts.md, written again in plain Python, independently of the SQL.
def _blank(text: str) -> bool:
    return text == "" or text.isspace()


def _price(text: str) -> Decimal | None:
    m = re.fullmatch(r"(-?)([0-9]+)(?:\.([0-9]+))?", text)
    if not m or len(m.group(2)) > 10 or len(m.group(3) or "") > 2:
        return None
    return Decimal(text)


def _date(text: str) -> dt.date | None:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return None
    try:
        d = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return d if dt.date(2000, 1, 1) <= d <= dt.date(2099, 12, 31) else None


def valid(row: dict[str, str]) -> bool:
    if any(_blank(row[c]) for c in REQUIRED_TEXT):
        return False
    regular, promo = _price(row["regular_price"]), _price(row["promo_price"])
    start, end = _date(row["promo_start"]), _date(row["promo_end"])
    sid, units = row["supermarket_id"], row["units_sold"]
    return (
        regular is not None
        and promo is not None
        and 0 < promo <= regular
        and start is not None
        and end is not None
        and start <= end
        and re.fullmatch(r"[0-9]+", sid) is not None
        and len(sid.lstrip("0")) <= 9
        and int(sid) == 1
        and re.fullmatch(r"-?[0-9]+", units) is not None
        and 0 <= int(units) <= 1_000_000_000
    )


def run(storage: Path, step: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "supermarket", step, "--storage", str(storage), "--supermarket", "1", "--date", DATE]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


@given(files())
def test_generated_deliveries_keep_every_promise(delivery: list[File]) -> None:
    with tempfile.TemporaryDirectory(prefix="supermarket-prop-") as tmp:
        storage = Path(tmp) / "data"
        deliver(storage, {f.name: f.data for f in delivery})
        copy = run(storage, "copy-to-raw")
        assert copy.returncode == EXIT_OK, copy.stderr
        first = run(storage, "process")
        assert first.returncode in (EXIT_OK, EXIT_BAD_INPUT), first.stderr
        records = [ln for f in delivery for ln in f.lines]
        if first.returncode == EXIT_BAD_INPUT:
            # The only bad-input outcome these deliveries can have: no records at all.
            assert not records, first.stderr
            assert "no data rows" in first.stderr
            assert not (part(storage, "processed") / "promotions.parquet").exists()
            return

        good, bad = accepted(storage), quarantined(storage)
        assert f"rows_in={len(good) + len(bad)} accepted={len(good)} quarantined={len(bad)}" in first.stderr
        assert len(good) + len(bad) == len(records)

        # Accepted: exactly the valid rows that are not an exact repeat of an earlier record, as meant.
        seen: set[tuple[str, ...]] = set()
        expected = []
        for ln in records:
            if ln.fields is None:
                continue
            key = tuple(ln.fields[c] for c in COLUMNS)
            if valid(ln.fields) and key not in seen:
                expected.append(meaning(ln.fields))
            seen.add(key)
        key_of = lambda r: tuple(str(r[c]) for c in COLUMNS)  # noqa: E731
        assert Counter(map(key_of, good)) == Counter(map(key_of, expected))

        # Quarantined: malformed lines with their exact bytes; rows with their texts (empty may read as null).
        assert Counter(r["raw_bytes"] for r in bad if r["raw_bytes"] is not None) == Counter(
            ln.malformed for ln in records if ln.malformed is not None
        )
        texts = Counter(tuple(r[c] or "" for c in COLUMNS) for r in bad if r["raw_bytes"] is None)
        rejected_rows = [ln.fields for ln in records if ln.fields is not None]
        assert texts <= Counter(tuple(f[c] for c in COLUMNS) for f in rejected_rows)

        before = outputs(storage)
        second = run(storage, "process")
        assert second.returncode == EXIT_OK, second.stderr
        assert outputs(storage) == before  # byte-identical re-run

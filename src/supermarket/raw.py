"""copy-to-raw: landing -> raw, byte for byte, with a manifest. Raw is immutable.

Re-running with the same delivery is a no-op; a *different* delivery for an existing raw partition is bad
input, never a silent overwrite. The partition is assembled under a temporary name and renamed into place,
so raw holds either nothing or the complete copy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from .delivery import delivery_status
from .errors import BadInputError
from .layout import LANDING, MANIFEST, RAW, SUCCESS_MARKER, Layout
from .logs import log
from .storage import Location, NotRegularFileError


@dataclass(frozen=True)
class FileEntry:
    name: str
    size: int
    sha256: str


def _checksum(location: Location) -> str:
    digest = hashlib.sha256()
    with location.open_regular() as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


_KINDS = {"symlink": "a symbolic link", "directory": "a directory", "other": "a FIFO, device or socket"}


def _refuse_non_regular(landing: Location, names: tuple[str, ...]) -> None:
    """Only regular files are delivered data. A link (wherever it points), a directory, a FIFO or a device
    named data-*.csv is named and refused, never followed, opened or echoed."""
    odd = [(name, kind) for name in names if (kind := landing.child(name).kind()) != "file"]
    if odd:
        listed = "; ".join(f"{name!r} is {_KINDS[kind]}" for name, kind in odd)
        raise BadInputError(
            f"only regular files are read as data files: {listed}. Nothing was followed or read; deliver the "
            "files themselves",
            file=landing.path,
        )


def _entries(partition: Location, names: tuple[str, ...]) -> list[FileEntry]:
    entries = []
    for name in names:
        try:
            entries.append(FileEntry(name, partition.child(name).size(), _checksum(partition.child(name))))
        except NotRegularFileError:  # swapped after the listing
            raise BadInputError(
                "is not a regular file (changed after it was listed); not read", file=partition.child(name).path
            ) from None
    return entries


def _manifest(supermarket_id: int, date: dt.date, files: list[FileEntry]) -> dict[str, Any]:
    return {
        "supermarket_id": supermarket_id,
        "date": date.isoformat(),
        "files": [{"name": f.name, "size": f.size, "sha256": f.sha256} for f in files],
    }


def copy_to_raw(storage: str, supermarket_id: int, date: dt.date) -> dict[str, Any]:
    started = time.monotonic()
    layout = Layout(storage)
    status = delivery_status(storage, supermarket_id, date)
    landing = Location.of(layout.partition(LANDING, supermarket_id, date))
    if not status.has_success_marker:
        raise BadInputError(
            f"incomplete delivery: no {SUCCESS_MARKER} marker, so the delivery may still be arriving",
            file=landing.path,
        )
    if not status.data_files:
        raise BadInputError("delivery has a _SUCCESS marker but no data-*.csv files", file=landing.path)

    _refuse_non_regular(landing, status.data_files)
    files = _entries(landing, status.data_files)
    manifest = _manifest(supermarket_id, date, files)
    raw = Location.of(layout.partition(RAW, supermarket_id, date))
    existing = raw.child(MANIFEST)
    if existing.exists():
        previous = json.loads(existing.read_bytes())
        if previous["files"] == manifest["files"]:
            log("copy-to-raw", supermarket=supermarket_id, date=date, result="already-in-raw", out=raw.path)
            return manifest
        raise BadInputError(
            "a different delivery already exists in raw for this supermarket and date; raw is immutable. "
            f"raw has {[f['name'] + ':' + f['sha256'][:12] for f in previous['files']]}, landing has "
            f"{[f.name + ':' + f.sha256[:12] for f in files]}. Move the old raw partition away deliberately "
            "if the new delivery must replace it.",
            file=raw.path,
        )

    # A killed run of this partition may have left a staging directory: it is never used, so remove it.
    parent = Location(raw.fs, raw.path.rsplit("/", 1)[0])
    stale = parent.remove_leftovers(f".{date.isoformat()}.tmp-")
    if stale:
        log("copy-to-raw", supermarket=supermarket_id, date=date, removed_leftovers=",".join(stale))
    staging = parent.child(f".{date.isoformat()}.tmp-{uuid.uuid4().hex}")
    try:
        staging.makedirs()
        for entry in files:
            staging.child(entry.name).copy_from(landing.child(entry.name))
            copied = staging.child(entry.name)
            if copied.size() != entry.size or _checksum(copied) != entry.sha256:
                raise BadInputError(
                    "the file changed while it was being copied (size or checksum differ)",
                    file=landing.child(entry.name).path,
                )
        staging.child(MANIFEST).write_bytes_atomic(json.dumps(manifest, indent=2).encode() + b"\n")
        staging.rename_dir(raw)
    finally:
        staging.remove_tree()
    log(
        "copy-to-raw",
        supermarket=supermarket_id,
        date=date,
        files=len(files),
        bytes=sum(f.size for f in files),
        out=raw.path,
        seconds=time.monotonic() - started,
    )
    return manifest

"""Storage access through fsspec URLs, with atomic writes.

Atomicity: an output file is first written completely under a temporary name and then put in place in one
step (`os.replace` locally; a single object PUT on object storage). A killed run leaves the old complete
file or the new complete file, never a partial one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, ParamSpec, TypeVar, cast

import fsspec
from fsspec.implementations.local import LocalFileSystem

from .errors import InfraError


class NotRegularFileError(Exception):
    """A path that should be a regular file is a link, directory, FIFO or device (not opened, not followed)."""


@dataclass(frozen=True)
class Location:
    """A filesystem plus a path on it, built from a URL (`file:///x`, `/x`, `s3://b/x`, `memory://x`)."""

    fs: fsspec.AbstractFileSystem
    path: str

    @classmethod
    def of(cls, url: str) -> Location:
        try:
            fs, path = fsspec.core.url_to_fs(url)
        except (ImportError, ValueError) as exc:
            raise InfraError(f"cannot open storage {url!r}: {exc}") from exc
        return cls(fs, path.rstrip("/") or "/")

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, LocalFileSystem)

    @property
    def url(self) -> str:
        """A URL duckdb can read: a plain path locally, the protocol-qualified path elsewhere."""
        if self.is_local:
            return self.path
        protocol = self.fs.protocol if isinstance(self.fs.protocol, str) else self.fs.protocol[0]
        return f"{protocol}://{self.path.lstrip('/')}" if protocol != "memory" else f"memory://{self.path}"

    def child(self, name: str) -> Location:
        return Location(self.fs, f"{self.path}/{name}")

    def exists(self) -> bool:
        return bool(_io(self.fs.exists, self.path))

    def list_names(self) -> list[str]:
        """Names directly below this directory; an empty list when it does not exist."""
        if not self.exists():
            return []
        entries = _io(self.fs.ls, self.path, detail=False)
        return sorted(os.path.basename(str(e).rstrip("/")) for e in entries)

    def kind(self) -> str:
        """'file', 'symlink', 'directory' or 'other' (FIFO, device, socket), without following a link or opening
        anything: a delivery may only hand us regular files."""
        if self.is_local:
            mode = _io(os.lstat, self.path).st_mode
            if stat.S_ISLNK(mode):
                return "symlink"
            if stat.S_ISREG(mode):
                return "file"
            return "directory" if stat.S_ISDIR(mode) else "other"
        info = _io(self.fs.info, self.path)
        kind = str(info.get("type", "other"))
        return {"file": "file", "directory": "directory", "link": "symlink"}.get(kind, "other")

    def size(self) -> int:
        return int(_io(self.fs.size, self.path))

    def read_bytes(self) -> bytes:
        return bytes(_io(self.fs.cat_file, self.path))

    def open_read(self) -> IO[bytes]:
        return cast(IO[bytes], _io(self.fs.open, self.path, "rb"))

    def open_regular(self) -> IO[bytes]:
        """Opens a file that must be a regular file. Locally the check is made on the opened descriptor
        (O_NOFOLLOW, non-blocking so a FIFO cannot hang us), so a file swapped for a link or a FIFO after it
        was listed is still never followed or read."""
        if not self.is_local:
            if self.kind() != "file":
                raise NotRegularFileError(self.path)
            return self.open_read()
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # the last component is a symlink
                raise NotRegularFileError(self.path) from None
            raise InfraError(f"storage error on {self.path}: {exc}") from exc
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise NotRegularFileError(self.path)
        return os.fdopen(fd, "rb")

    def write_bytes_atomic(self, data: bytes) -> None:
        with self.atomic_local_file() as tmp, open(tmp, "wb") as fh:
            fh.write(data)

    @contextlib.contextmanager
    def atomic_local_file(self) -> Iterator[str]:
        """Yields a local path to write this file's full content to; on success it is put in place."""
        if self.is_local:
            directory = os.path.dirname(self.path)
            _io(os.makedirs, directory, exist_ok=True)
            tmp = os.path.join(directory, f".{os.path.basename(self.path)}.tmp-{uuid.uuid4().hex}")
            try:
                yield tmp
                _io(os.replace, tmp, self.path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(tmp)
        else:
            with tempfile.TemporaryDirectory(prefix="supermarket-") as tmpdir:
                tmp = os.path.join(tmpdir, os.path.basename(self.path))
                yield tmp
                _io(self.fs.put_file, tmp, self.path)

    def copy_from(self, source: Location) -> None:
        """Byte copy of one file, streamed (bounded memory), placed atomically."""
        with self.atomic_local_file() as tmp, source.open_regular() as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, length=1 << 20)

    def makedirs(self) -> None:
        _io(self.fs.makedirs, self.path, exist_ok=True)

    def rename_dir(self, target: Location) -> None:
        """Move a fully written directory into place (one rename locally)."""
        if self.is_local:
            _io(os.makedirs, os.path.dirname(target.path), exist_ok=True)
            _io(os.rename, self.path, target.path)
        else:
            _io(self.fs.mv, self.path, target.path, recursive=True)

    def remove_tree(self) -> None:
        if self.exists():
            _io(self.fs.rm, self.path, recursive=True)

    def remove_leftovers(self, prefix: str) -> list[str]:
        """Removes what a killed run left below this directory: entries whose names start with `prefix`
        (temporary files and staging directories carry such a name). Returns the names removed."""
        removed = []
        for name in self.list_names():
            if name.startswith(prefix) and ".tmp-" in name:
                leftover = self.child(name)
                if self.is_local and leftover.kind() != "directory":
                    _io(os.remove, leftover.path)
                else:
                    leftover.remove_tree()
                removed.append(name)
        return removed


_P = ParamSpec("_P")
_T = TypeVar("_T")


def _io(func: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """Runs a storage call; an OS-level failure becomes an InfraError (a retry may help)."""
    try:
        return func(*args, **kwargs)
    except (FileNotFoundError, FileExistsError):
        raise  # callers decide: usually bad input, checked explicitly before
    except Exception as exc:
        if is_storage_fault(exc):
            raise InfraError(f"storage error on {args[0] if args else '?'}: {exc}") from exc
        raise


def is_storage_fault(exc: BaseException) -> bool:
    """Faults of the storage underneath, not of our code or the data: disk full, read-only, permission,
    an object store refusing connections or timing out, DuckDB running out of its memory limit (the pod's
    SUPERMARKET_MEMORY_LIMIT is configuration, not data) (OSError, DuckDB's IO/HTTP errors, botocore's and
    aiohttp's errors, which s3fs lets through). Imports nothing: the modules are looked up by name."""
    if isinstance(exc, OSError):
        return True
    for klass in type(exc).__mro__:
        module = klass.__module__.split(".")[0]
        if module in ("botocore", "aiobotocore", "aiohttp") or (
            module.lstrip("_") == "duckdb"
            and klass.__name__ in ("IOException", "HTTPException", "OutOfMemoryException")
        ):
            return True
    return False

"""Storage access through fsspec URLs, with atomic writes.

Atomicity: an output file is first written completely under a temporary name and then put in place in one
step (`os.replace` locally; a single object PUT on object storage). A killed run leaves the old complete
file or the new complete file, never a partial one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, ParamSpec, TypeVar, cast

import fsspec
from fsspec.implementations.local import LocalFileSystem

from .errors import InfraError


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

    def size(self) -> int:
        return int(_io(self.fs.size, self.path))

    def read_bytes(self) -> bytes:
        return bytes(_io(self.fs.cat_file, self.path))

    def open_read(self) -> IO[bytes]:
        return cast(IO[bytes], _io(self.fs.open, self.path, "rb"))

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
        with self.atomic_local_file() as tmp, source.open_read() as src, open(tmp, "wb") as dst:
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


_P = ParamSpec("_P")
_T = TypeVar("_T")


def _io(func: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """Runs a storage call; an OS-level failure becomes an InfraError (a retry may help)."""
    try:
        return func(*args, **kwargs)
    except (FileNotFoundError, FileExistsError):
        raise  # callers decide: usually bad input, checked explicitly before
    except OSError as exc:
        raise InfraError(f"storage error on {args[0] if args else '?'}: {exc}") from exc

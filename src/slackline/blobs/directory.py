"""Blobs as files under one directory (``file:///path``): the default beside a SQLite file.

Each key is a relative path under the root. A write goes to a temporary file in the same
directory, is flushed to disk (``fsync``) and then renamed over the key's path, so a reader
sees the old bytes or the new ones, never a part, and an acknowledged upload survives a
crash. The file system calls run on the default executor, off the event loop.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from slackline.blobs.base import BlobData, check_key
from slackline.errors import StorageError

R = TypeVar("R")


class DirectoryBlobStore:
    """A :class:`~slackline.blobs.base.BlobStore` in a directory."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def start(self) -> None:
        """Create the root directory if needed."""
        await _off_loop(lambda: self.root.mkdir(parents=True, exist_ok=True))

    async def close(self) -> None:
        """Nothing is held open."""

    async def put(self, key: str, data: BlobData) -> None:
        """Write to a temporary file, flush it to disk, rename it over the key's path."""
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
            try:
                with open(temporary, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, path)
            finally:
                temporary.unlink(missing_ok=True)
            _sync_directory(path.parent)

        await _off_loop(write)

    async def get(self, key: str) -> bytes | None:
        """The file's bytes, or None when there is no such file."""
        path = self._path(key)

        def read() -> bytes | None:
            try:
                return path.read_bytes()
            except FileNotFoundError:
                return None

        return await _off_loop(read)

    async def delete(self, key: str) -> bool:
        """Remove the file; whether it existed."""
        path = self._path(key)

        def remove() -> bool:
            try:
                path.unlink()
            except FileNotFoundError:
                return False
            return True

        return await _off_loop(remove)


def _sync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (where the platform allows opening one)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


async def _off_loop(work: Callable[[], R]) -> R:
    try:
        return await asyncio.to_thread(work)
    except OSError as exc:
        raise StorageError(f"blobs: {type(exc).__name__}: {exc}") from exc

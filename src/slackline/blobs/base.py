"""The blob store interface: the bytes of files, by key, wherever they are kept.

Keys are paths of ``[A-Za-z0-9_-]`` segments joined by ``/`` (``T0001/F0ABCDEF12``), so that
every implementation can use them as they are: a directory store as relative paths, a table
as its primary key. Every call may raise :class:`slackline.errors.StorageError` when the
store fails; a missing key is not a failure (``get`` answers None, ``delete`` False).
"""

from __future__ import annotations

import re
from typing import Protocol

_KEY = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$")
MAX_KEY_CHARS = 200
# What ``put`` takes: bytes, or a view of them (an upload's part of its request body).
BlobData = bytes | memoryview


def check_key(key: str) -> str:
    """The key, if it is one every store accepts; ValueError otherwise."""
    if len(key) > MAX_KEY_CHARS or not _KEY.match(key):
        raise ValueError(f"not a blob key: {key!r}")
    return key


class BlobStore(Protocol):
    """Bytes by key: written whole, read whole, deleted."""

    async def start(self) -> None:
        """Prepare the store (create its directory or table); called once, at start."""
        ...

    async def close(self) -> None:
        """Release connections; the store is not used afterwards."""
        ...

    async def put(self, key: str, data: BlobData) -> None:
        """Store ``data`` under ``key``, replacing what was there; whole or not at all."""
        ...

    async def get(self, key: str) -> bytes | None:
        """The bytes under ``key``, or None."""
        ...

    async def delete(self, key: str) -> bool:
        """Forget ``key``; whether it was there."""
        ...

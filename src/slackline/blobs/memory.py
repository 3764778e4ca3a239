"""Blobs in this process's memory (``memory://``): for an in-memory SQLite database, whose
rows die with the process too. Never shared between processes."""

from __future__ import annotations

from slackline.blobs.base import BlobData, check_key


class MemoryBlobStore:
    """A :class:`~slackline.blobs.base.BlobStore` in a dict."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    async def start(self) -> None:
        """Nothing to prepare."""

    async def close(self) -> None:
        """Nothing to release (the bytes stay until the store is dropped)."""

    async def put(self, key: str, data: BlobData) -> None:
        """Keep a copy of the bytes."""
        self._blobs[check_key(key)] = bytes(data)

    async def get(self, key: str) -> bytes | None:
        """The bytes, or None."""
        return self._blobs.get(check_key(key))

    async def delete(self, key: str) -> bool:
        """Forget the key; whether it was there."""
        return self._blobs.pop(check_key(key), None) is not None

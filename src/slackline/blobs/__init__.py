"""Where the bytes of files are kept, behind one :class:`BlobStore` interface, chosen by URL.

- ``file:///path``: a directory (:mod:`slackline.blobs.directory`); the default for a SQLite
  database is a ``blobs/`` directory beside its file.
- ``postgresql://…`` (or ``postgres://``): a table (:mod:`slackline.blobs.postgres`); the
  default for a PostgreSQL database is the same database, so every process of a cluster
  shares the bytes.
- ``memory://``: this process's memory (:mod:`slackline.blobs.memory`); the default for an
  in-memory SQLite database.

Drivers are imported only when used. The files service receives a :class:`Blobs`: the store
and the largest file it accepts (``--max-file-bytes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from slackline.blobs.base import BlobStore

DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Blobs:
    """The bytes of files: where they are kept, and how large one may be."""

    store: BlobStore
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES


def default_blob_url(database_url: str) -> str:
    """Where a database's files go unless ``--blobs`` says otherwise."""
    scheme = database_url.partition(":")[0].lower()
    if scheme in ("postgresql", "postgres"):
        return database_url
    if scheme == "sqlite":
        path = urlsplit(database_url).path
        path = path[1:] if path.startswith("/") else path
        if not path or path == ":memory:":
            return "memory://"
        return (Path(path).resolve().parent / "blobs").as_uri()
    raise ValueError(f"no default blob store for the database URL scheme {scheme!r}")


def open_blob_store(url: str) -> BlobStore:
    """The blob store a URL names (``file://``, ``postgresql://``, ``memory://``)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        from slackline.blobs.directory import DirectoryBlobStore  # noqa: PLC0415

        path = unquote(parts.netloc + parts.path)
        if not path:
            raise ValueError("a file:// blob URL needs a directory, e.g. file:///var/lib/blobs")
        return DirectoryBlobStore(path)
    if scheme in ("postgresql", "postgres"):
        from slackline.blobs.postgres import PostgresBlobStore  # noqa: PLC0415

        return PostgresBlobStore.from_url(url)
    if scheme == "memory":
        from slackline.blobs.memory import MemoryBlobStore  # noqa: PLC0415

        return MemoryBlobStore()
    raise ValueError(
        f"unsupported blob store URL scheme {scheme!r} "
        "(expected file://, postgresql:// or memory://)"
    )


__all__ = ["DEFAULT_MAX_FILE_BYTES", "BlobStore", "Blobs", "default_blob_url", "open_blob_store"]

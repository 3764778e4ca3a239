"""File metadata and where files are shared (``files.*``); the bytes are in a blob store.

A part of the store (see :mod:`slackline.storage.parts`): its tables, its migration, its SQL.
"""

from __future__ import annotations

from typing import Protocol

from slackline.storage.parts import SqlRunner


class FilesReader(Protocol):
    """What handlers may read."""


class FilesStore(FilesReader, Protocol):
    """Everything, writes included (services only)."""


class SqlFiles:
    """The part over a SQL backend."""

    TABLES: tuple[str, ...] = ()

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

"""Full-text search over messages (``search.messages``): SQLite FTS5, PostgreSQL text search.

A part of the store (see :mod:`slackline.storage.parts`): its tables, its migration, its SQL.
"""

from __future__ import annotations

from typing import Protocol

from slackline.storage.parts import SqlRunner


class SearchReader(Protocol):
    """What handlers may read."""


class SearchStore(SearchReader, Protocol):
    """Everything, writes included (services only)."""


class SqlSearch:
    """The part over a SQL backend."""

    TABLES: tuple[str, ...] = ()

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

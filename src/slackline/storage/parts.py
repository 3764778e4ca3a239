"""What a part of the store (read state, pins, emoji, files, …) runs its SQL through.

A :class:`~slackline.storage.sqlstore.SqlStore` is the conversations-and-messages core plus
one *part* per further aggregate (``store.pins``, ``store.files``, …), each in its own module
with its own tables and migration. A part writes portable SQL with ``?`` marks (SQLite 3.24+
and PostgreSQL share ``INSERT … ON CONFLICT``) and runs it through :class:`SqlRunner`, which
the backend provides; statements that must commit together go through :meth:`SqlRunner.
execute_together`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from slackline.storage.sql import Dialect

Statement = tuple[str, Sequence[Any]]


class SqlRunner(Protocol):
    """Runs a part's statements on the backend's connection (thread or pool)."""

    @property
    def dialect(self) -> Dialect:
        """The backend's SQL dialect (placeholders, the substring function)."""
        ...

    async def fetch_one(self, sql: str, params: Sequence[Any]) -> Any:
        """The first row of a query written with ``?`` marks, or None."""
        ...

    async def fetch_all(self, sql: str, params: Sequence[Any]) -> list[Any]:
        """Every row of a query written with ``?`` marks."""
        ...

    async def execute(self, sql: str, params: Sequence[Any]) -> int:
        """Run one statement written with ``?`` marks; how many rows it changed."""
        ...

    async def execute_together(self, statements: Sequence[Statement]) -> list[int]:
        """Run statements in one transaction (all or none); each one's changed-row count."""
        ...


class StorePart(Protocol):
    """What every part has: its tables, children first (the toolkit's reset empties them)."""

    TABLES: tuple[str, ...]

"""Read marks and open flags per member: ``last_read`` of each conversation and
whether a DM or group DM is open for the user (``conversations.mark``, ``.close``).

A part of the store (see :mod:`slackline.storage.parts`): its tables, its migration, its SQL.
"""

from __future__ import annotations

from typing import Protocol

from slackline.storage.parts import SqlRunner


class ReadStateReader(Protocol):
    """What handlers may read."""


class ReadStateStore(ReadStateReader, Protocol):
    """Everything, writes included (services only)."""


class SqlReadState:
    """The part over a SQL backend."""

    TABLES: tuple[str, ...] = ()

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

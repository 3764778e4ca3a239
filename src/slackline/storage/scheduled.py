"""Messages scheduled for later (``chat.scheduleMessage``), posted when the clock says.

A part of the store (see :mod:`slackline.storage.parts`): its tables, its migration, its SQL.
"""

from __future__ import annotations

from typing import Protocol

from slackline.storage.parts import SqlRunner


class ScheduledReader(Protocol):
    """What handlers may read."""


class ScheduledStore(ScheduledReader, Protocol):
    """Everything, writes included (services only)."""


class SqlScheduled:
    """The part over a SQL backend."""

    TABLES: tuple[str, ...] = ()

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

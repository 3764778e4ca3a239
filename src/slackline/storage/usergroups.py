"""User groups and their members (``usergroups.*``).

A part of the store (see :mod:`slackline.storage.parts`): its tables, its migration, its SQL.
"""

from __future__ import annotations

from typing import Protocol

from slackline.storage.parts import SqlRunner


class UsergroupsReader(Protocol):
    """What handlers may read."""


class UsergroupsStore(UsergroupsReader, Protocol):
    """Everything, writes included (services only)."""


class SqlUsergroups:
    """The part over a SQL backend."""

    TABLES: tuple[str, ...] = ()

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

"""A team's custom emoji (``emoji.list``): names, image URLs and aliases.

A part of the store (see :mod:`slackline.storage.parts`): its tables, its migration, its SQL.
"""

from __future__ import annotations

from typing import Protocol

from slackline.storage.parts import SqlRunner


class EmojiReader(Protocol):
    """What handlers may read."""


class EmojiStore(EmojiReader, Protocol):
    """Everything, writes included (services only)."""


class SqlEmoji:
    """The part over a SQL backend."""

    TABLES: tuple[str, ...] = ()

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

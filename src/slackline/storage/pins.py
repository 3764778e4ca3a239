"""Pinned messages per conversation (``pins.*``).

A part of the store (see :mod:`slackline.storage.parts`): its tables, its migration, its SQL.
A pin is stored only while its message exists, and listed only while it still does (a
deleted message takes its pin out of every listing).
"""

from __future__ import annotations

from typing import Any, Protocol

from slackline.domain.pins import Pin
from slackline.storage.parts import SqlRunner

_COLUMNS = "p.conversation_id, p.ts, p.team_id, p.pinned_by, p.created"
_WITH_MESSAGE = (
    "EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = p.conversation_id AND m.ts = p.ts)"
)


class PinsReader(Protocol):
    """What handlers may read."""

    async def list_pins(self, conversation_id: str) -> list[Pin]:
        """The conversation's pins whose message still exists, the newest pin first."""
        ...

    async def get_pin(self, conversation_id: str, ts: str) -> Pin | None:
        """The pin of one message, if it is pinned."""
        ...


class PinsStore(PinsReader, Protocol):
    """Everything, writes included (services only)."""

    async def add_pin(self, pin: Pin) -> bool:
        """Pin a message; False when it is already pinned or the message does not exist."""
        ...

    async def remove_pin(self, conversation_id: str, ts: str) -> bool:
        """Unpin a message; whether it was pinned."""
        ...


def _pin(row: Any) -> Pin:
    return Pin(channel=row[0], ts=row[1], team_id=row[2], pinned_by=row[3], created=int(row[4]))


class SqlPins:
    """The part over a SQL backend."""

    TABLES: tuple[str, ...] = ("pins",)

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    async def list_pins(self, conversation_id: str) -> list[Pin]:
        """The conversation's pins whose message still exists, the newest pin first."""
        sql = (
            f"SELECT {_COLUMNS} FROM pins p WHERE p.conversation_id = ? AND {_WITH_MESSAGE} "  # noqa: S608
            "ORDER BY p.seq DESC"
        )
        return [_pin(row) for row in await self._runner.fetch_all(sql, [conversation_id])]

    async def get_pin(self, conversation_id: str, ts: str) -> Pin | None:
        """The pin of one message, if it is pinned (and the message exists)."""
        sql = (
            f"SELECT {_COLUMNS} FROM pins p WHERE p.conversation_id = ? AND p.ts = ? "  # noqa: S608
            f"AND {_WITH_MESSAGE}"
        )
        row = await self._runner.fetch_one(sql, [conversation_id, ts])
        return _pin(row) if row is not None else None

    async def add_pin(self, pin: Pin) -> bool:
        """Pin a message of the conversation, in one statement: nothing when it is pinned
        already or the message is gone."""
        sql = (
            "INSERT INTO pins (conversation_id, ts, team_id, pinned_by, created) "
            "SELECT m.conversation_id, m.ts, ?, ?, ? FROM messages m "
            "WHERE m.conversation_id = ? AND m.ts = ? ON CONFLICT DO NOTHING"
        )
        params = [pin.team_id, pin.pinned_by, pin.created, pin.channel, pin.ts]
        return await self._runner.execute(sql, params) > 0

    async def remove_pin(self, conversation_id: str, ts: str) -> bool:
        """Unpin a message; whether it was pinned."""
        sql = "DELETE FROM pins WHERE conversation_id = ? AND ts = ?"
        return await self._runner.execute(sql, [conversation_id, ts]) > 0

"""Starred items per user (``stars.*``), and the messages a user reacted to
(``reactions.list``, read from the core store's ``reactions`` table).

A part of the store (see :mod:`slackline.storage.parts`): its tables, its migration, its SQL.
Both listings are newest first and resume below a ``seq`` (a cursor's key); a starred or
reacted message that was deleted is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from slackline.domain.stars import Star
from slackline.storage.parts import SqlRunner

# Larger than any ``seq``: where a listing without a cursor starts.
NO_SEQ_LIMIT = 2**62
_COLUMNS = "s.user_id, s.team_id, s.conversation_id, s.ts, s.created, s.seq"


@dataclass(frozen=True, slots=True)
class ReactedMessage:
    """A message a user reacted to; ``seq`` is the order of their latest reaction on it."""

    channel: str
    ts: str
    seq: int


class StarsReader(Protocol):
    """What handlers may read."""

    async def list_stars(self, user_id: str, *, before_seq: int, limit: int) -> list[Star]:
        """A user's stars with ``seq`` below ``before_seq``, the newest first."""
        ...

    async def get_star(self, user_id: str, conversation_id: str, ts: str) -> Star | None:
        """One star of a user (``ts`` empty: the conversation's)."""
        ...

    async def reacted_messages(
        self, team_id: str, user_id: str, *, before_seq: int, limit: int
    ) -> list[ReactedMessage]:
        """The team's messages the user reacted to, by their latest reaction (below
        ``before_seq``), the newest first."""
        ...


class StarsStore(StarsReader, Protocol):
    """Everything, writes included (services only)."""

    async def add_star(self, star: Star) -> Star | None:
        """Store a star; the star with its ``seq``, or None when it was already there."""
        ...

    async def remove_star(self, user_id: str, conversation_id: str, ts: str) -> bool:
        """Take a star back; whether there was one."""
        ...


def _star(row: Any) -> Star:
    return Star(
        user_id=row[0],
        team_id=row[1],
        channel=row[2],
        ts=row[3],
        created=int(row[4]),
        seq=int(row[5]),
    )


class SqlStars:
    """The part over a SQL backend."""

    TABLES: tuple[str, ...] = ("stars",)

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    async def list_stars(self, user_id: str, *, before_seq: int, limit: int) -> list[Star]:
        """A user's stars below ``before_seq``, the newest first; stars of deleted messages
        are left out."""
        sql = (
            f"SELECT {_COLUMNS} FROM stars s WHERE s.user_id = ? AND s.seq < ? "  # noqa: S608
            "AND (s.ts = '' OR EXISTS (SELECT 1 FROM messages m "
            "WHERE m.conversation_id = s.conversation_id AND m.ts = s.ts)) "
            "ORDER BY s.seq DESC LIMIT ?"
        )
        rows = await self._runner.fetch_all(sql, [user_id, before_seq, limit])
        return [_star(row) for row in rows]

    async def get_star(self, user_id: str, conversation_id: str, ts: str) -> Star | None:
        """One star of a user."""
        sql = (
            f"SELECT {_COLUMNS} FROM stars s WHERE s.user_id = ? "  # noqa: S608
            "AND s.conversation_id = ? AND s.ts = ?"
        )
        row = await self._runner.fetch_one(sql, [user_id, conversation_id, ts])
        return _star(row) if row is not None else None

    async def add_star(self, star: Star) -> Star | None:
        """Store a star (once per user and item)."""
        sql = (
            "INSERT INTO stars (user_id, team_id, conversation_id, ts, created) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
        )
        params = [star.user_id, star.team_id, star.channel, star.ts, star.created]
        if await self._runner.execute(sql, params) == 0:
            return None
        return await self.get_star(star.user_id, star.channel, star.ts)

    async def remove_star(self, user_id: str, conversation_id: str, ts: str) -> bool:
        """Take a star back."""
        sql = "DELETE FROM stars WHERE user_id = ? AND conversation_id = ? AND ts = ?"
        return await self._runner.execute(sql, [user_id, conversation_id, ts]) > 0

    async def reacted_messages(
        self, team_id: str, user_id: str, *, before_seq: int, limit: int
    ) -> list[ReactedMessage]:
        """The team's messages the user reacted to, newest latest reaction first."""
        sql = (
            "SELECT r.conversation_id, r.ts, MAX(r.seq) AS latest FROM reactions r "
            "JOIN messages m ON m.conversation_id = r.conversation_id AND m.ts = r.ts "
            "WHERE r.user_id = ? AND m.team_id = ? GROUP BY r.conversation_id, r.ts "
            "HAVING MAX(r.seq) < ? ORDER BY latest DESC LIMIT ?"
        )
        rows = await self._runner.fetch_all(sql, [user_id, team_id, before_seq, limit])
        return [ReactedMessage(row[0], row[1], int(row[2])) for row in rows]

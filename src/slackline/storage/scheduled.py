"""Messages scheduled for later (``chat.scheduleMessage``), posted when the clock says.

A part of the store (see :mod:`slackline.storage.parts`): its tables, its migration
(``0005_scheduled``), its SQL. A pending message is one row; posting it starts by deleting
the row (:meth:`SqlScheduled.take_due`, ``DELETE ... RETURNING``), so in a cluster each
message is taken, and posted, by exactly one process, and a deletion by
``chat.deleteScheduledMessage`` (:meth:`SqlScheduled.remove`) races the clock cleanly: one of
them gets the row. ``post_at`` and ``date_created`` are whole seconds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from slackline.domain.models import Message
from slackline.storage.parts import SqlRunner

_COLUMNS = (
    "id", "team_id", "channel_id", "user_id", "post_at", "date_created", "text", "message",
)  # fmt: skip
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM scheduled_messages"  # noqa: S608 - fixed names
_RETURNING = f" RETURNING {', '.join(_COLUMNS)}"
_INSERT = (
    f"INSERT INTO scheduled_messages ({', '.join(_COLUMNS)}) "  # noqa: S608 - fixed names
    f"VALUES ({', '.join('?' for _ in _COLUMNS)})"
)
# Parameters: team, user, channel (twice: "" for every channel), oldest, latest, then the
# key resumed after (post_at twice, id), limit.
_LIST = (
    _SELECT + " WHERE team_id = ? AND user_id = ? AND (channel_id = ? OR ? = '') "
    "AND post_at >= ? AND post_at <= ? AND (post_at > ? OR (post_at = ? AND id > ?)) "
    "ORDER BY post_at, id LIMIT ?"
)
_TIMES = (
    "SELECT post_at FROM scheduled_messages WHERE channel_id = ? AND post_at >= ? "
    "AND post_at <= ? ORDER BY post_at"
)
_NEXT = "SELECT MIN(post_at) FROM scheduled_messages"
_REMOVE = "DELETE FROM scheduled_messages WHERE id = ?" + _RETURNING  # noqa: S608
# The due rows, earliest first, claimed by deleting them; ``{lock}`` is PostgreSQL's
# ``FOR UPDATE SKIP LOCKED`` (SQLite has one writer and no row locks).
_TAKE = (
    "DELETE FROM scheduled_messages WHERE id IN (SELECT id FROM scheduled_messages "  # noqa: S608
    "WHERE post_at <= ? ORDER BY post_at, id LIMIT ?{lock})" + _RETURNING
)
_SKIP_LOCKED = " FOR UPDATE SKIP LOCKED"


@dataclass(frozen=True, slots=True)
class ScheduledMessage:
    """A message waiting for ``post_at``: the draft it will be posted as (``ts`` empty),
    who scheduled it, whether the reply is also sent to the channel, and whether the token
    could post in public channels it had not joined (``chat:write.public``)."""

    id: str
    post_at: int
    date_created: int
    draft: Message
    broadcast: bool = False
    public: bool = False

    @property
    def channel(self) -> str:
        """The conversation it will be posted in."""
        return self.draft.channel

    @property
    def user(self) -> str:
        """Who scheduled it (its author once posted)."""
        return self.draft.user


class ScheduledReader(Protocol):
    """What handlers may read."""

    async def get(self, scheduled_id: str) -> ScheduledMessage | None:
        """A pending scheduled message by id."""
        ...

    async def list_for(
        self,
        team_id: str,
        user_id: str,
        *,
        channel: str,
        oldest: int,
        latest: int,
        after: tuple[int, str] | None,
        limit: int,
    ) -> list[ScheduledMessage]:
        """The user's pending messages (in ``channel``, or every channel when it is ""), with
        ``post_at`` between ``oldest`` and ``latest`` (both included), ordered by ``post_at``
        then id, after the key ``after``."""
        ...

    async def post_times(self, channel_id: str, low: int, high: int) -> list[int]:
        """The ``post_at`` of every pending message of the channel in ``[low, high]``, sorted."""
        ...

    async def next_post_at(self) -> int | None:
        """The earliest ``post_at`` of any pending message (of any team), or None."""
        ...


class ScheduledStore(ScheduledReader, Protocol):
    """Everything, writes included (services only)."""

    async def add(self, scheduled: ScheduledMessage) -> None:
        """Store a new pending message."""
        ...

    async def remove(self, scheduled_id: str) -> ScheduledMessage | None:
        """Delete a pending message; returns it, or None when it was posted or removed."""
        ...

    async def take_due(self, now: int, limit: int) -> list[ScheduledMessage]:
        """Delete and return up to ``limit`` messages with ``post_at <= now``, earliest
        first; each row is returned to one caller only, whatever the number of processes."""
        ...


class SqlScheduled:
    """The part over a SQL backend."""

    TABLES: tuple[str, ...] = ("scheduled_messages",)

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    async def get(self, scheduled_id: str) -> ScheduledMessage | None:
        """A pending scheduled message by id."""
        row = await self._runner.fetch_one(_SELECT + " WHERE id = ?", [scheduled_id])
        return _scheduled(row) if row else None

    async def list_for(
        self,
        team_id: str,
        user_id: str,
        *,
        channel: str,
        oldest: int,
        latest: int,
        after: tuple[int, str] | None,
        limit: int,
    ) -> list[ScheduledMessage]:
        """The user's pending messages in a ``post_at`` range, keyset-paged."""
        after_at, after_id = after if after is not None else (-1, "")
        params = [team_id, user_id, channel, channel, oldest, latest, after_at, after_at]
        found = await self._runner.fetch_all(_LIST, [*params, after_id, limit])
        return [_scheduled(row) for row in found]

    async def post_times(self, channel_id: str, low: int, high: int) -> list[int]:
        """The channel's pending ``post_at`` values in ``[low, high]``."""
        found = await self._runner.fetch_all(_TIMES, [channel_id, low, high])
        return [int(row[0]) for row in found]

    async def next_post_at(self) -> int | None:
        """The earliest pending ``post_at``."""
        row = await self._runner.fetch_one(_NEXT, [])
        return int(row[0]) if row and row[0] is not None else None

    async def add(self, scheduled: ScheduledMessage) -> None:
        """Store a new pending message."""
        await self._runner.execute(_INSERT, _row(scheduled))

    async def remove(self, scheduled_id: str) -> ScheduledMessage | None:
        """Delete a pending message and return it (None if already gone)."""
        found = await self._runner.fetch_all(_REMOVE, [scheduled_id])
        return _scheduled(found[0]) if found else None

    async def take_due(self, now: int, limit: int) -> list[ScheduledMessage]:
        """Claim due messages by deleting them, earliest first.

        On PostgreSQL the rows are chosen ``FOR UPDATE SKIP LOCKED``: a process taking them
        at the same moment skips the rows another holds instead of waiting for them, and a
        row deleted by another transaction is never returned twice. SQLite has one writer.
        """
        lock = _SKIP_LOCKED if self._runner.dialect.name == "postgresql" else ""
        sql = _TAKE.format(lock=lock)
        found = await self._runner.fetch_all(sql, [now, limit])
        return sorted((_scheduled(row) for row in found), key=lambda s: (s.post_at, s.id))


def _row(scheduled: ScheduledMessage) -> tuple[Any, ...]:
    draft = scheduled.draft
    message = {
        "bot_id": draft.bot_id,
        "subtype": draft.subtype,
        "thread_ts": draft.thread_ts,
        "extra": draft.extra,
        "broadcast": scheduled.broadcast,
        "public": scheduled.public,
    }
    return (
        scheduled.id, draft.team_id, draft.channel, draft.user, scheduled.post_at,
        scheduled.date_created, draft.text, json.dumps(message, separators=(",", ":")),
    )  # fmt: skip


def _scheduled(row: Sequence[Any]) -> ScheduledMessage:
    message = json.loads(row[7])
    draft = Message(
        channel=row[2],
        ts="",
        team_id=row[1],
        user=row[3],
        text=row[6],
        bot_id=message.get("bot_id"),
        subtype=message.get("subtype"),
        thread_ts=message.get("thread_ts"),
        extra=message.get("extra") or {},
    )
    return ScheduledMessage(
        id=row[0],
        post_at=int(row[4]),
        date_created=int(row[5]),
        draft=draft,
        broadcast=bool(message.get("broadcast")),
        public=bool(message.get("public")),
    )

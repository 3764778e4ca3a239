"""Read marks and open flags per member: ``last_read`` of each conversation and
whether a DM or group DM is open for the user (``conversations.mark``, ``.close``).

A part of the store (see :mod:`slackline.storage.parts`): its tables, its migration, its SQL.
A member without a row has read nothing and has every conversation open
(:class:`~slackline.domain.read_state.ReadState`'s defaults). Unread counts are computed
from the messages table when asked for (:mod:`slackline.domain.read_state` has the rule),
never stored.

The part also answers the two membership questions the conversations area asks that the core
store does not: the conversations a given user is in (``users.conversations``) and the group
DM of exactly a set of people (``conversations.open`` with several users).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from slackline.domain.models import Conversation
from slackline.domain.read_state import (
    BROADCAST_SUBTYPE,
    DISPLAYED_SUBTYPES,
    NO_READ_TS,
    ReadState,
    mention_patterns,
)
from slackline.storage.parts import SqlRunner

# Hidden messages (stored with ``"hidden": true`` in their extra JSON) never count as unread.
_HIDDEN = '%"hidden":true%'
_DISPLAYED = ", ".join(f"'{subtype}'" for subtype in DISPLAYED_SUBTYPES)
# One row per conversation of a member: its read state and unread counts. Parameters: the
# default last_read, the two mention patterns, the default last_read again, the hidden
# pattern, the member; then any extra WHERE parameters.
_STATES = f"""
SELECT m.conversation_id, COALESCE(r.last_read, ?), COALESCE(r.is_open, 1), COUNT(x.ts),
  COALESCE(SUM(CASE WHEN x.ts IS NOT NULL AND (x.subtype IS NULL OR x.subtype IN ({_DISPLAYED}))
    THEN 1 ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN x.text LIKE ? OR x.text LIKE ? THEN 1 ELSE 0 END), 0)
FROM members m
LEFT JOIN read_state r ON r.conversation_id = m.conversation_id AND r.user_id = m.user_id
LEFT JOIN messages x ON x.conversation_id = m.conversation_id
  AND x.ts > COALESCE(r.last_read, ?) AND x.user_id <> m.user_id
  AND (x.thread_ts IS NULL OR x.thread_ts = x.ts OR x.subtype = '{BROADCAST_SUBTYPE}')
  AND x.extra NOT LIKE ?
WHERE m.user_id = ?"""  # noqa: S608 - fixed fragments only
_GROUP = " GROUP BY m.conversation_id, r.last_read, r.is_open"
_MARK = (
    "INSERT INTO read_state (conversation_id, user_id, last_read) VALUES (?, ?, ?) "
    "ON CONFLICT (conversation_id, user_id) DO UPDATE SET last_read = EXCLUDED.last_read"
)
_CLOSE = (
    "INSERT INTO read_state (conversation_id, user_id, is_open) VALUES (?, ?, 0) "
    "ON CONFLICT (conversation_id, user_id) DO UPDATE SET is_open = 0 "
    "WHERE read_state.is_open <> 0"
)
_OPEN = (
    "UPDATE read_state SET is_open = 1 WHERE conversation_id = ? AND user_id = ? AND is_open = 0"
)
_CLOSED = "SELECT conversation_id FROM read_state WHERE user_id = ? AND is_open = 0"


class ReadStateReader(Protocol):
    """What handlers may read."""

    async def state(self, conversation_id: str, user_id: str) -> ReadState | None:
        """The member's read state with its unread counts; None if they are not a member."""
        ...

    async def states_of(self, user_id: str) -> dict[str, ReadState]:
        """The read state of every conversation the user is a member of, by id."""
        ...

    async def closed_of(self, user_id: str) -> frozenset[str]:
        """The conversations the user has closed."""
        ...

    async def conversations_of(
        self,
        team_id: str,
        user_id: str,
        kinds: Sequence[str],
        *,
        viewer: str,
        exclude_archived: bool,
        after: str,
        limit: int,
    ) -> list[Conversation]:
        """Conversations of these kinds ``user_id`` is a member of that ``viewer`` may see
        (public channels, or the viewer is a member too), ordered by id, after ``after``."""
        ...

    async def find_mpim(self, team_id: str, user_ids: Sequence[str]) -> Conversation | None:
        """The team's group DM whose members are exactly these users."""
        ...


class ReadStateStore(ReadStateReader, Protocol):
    """Everything, writes included (services only)."""

    async def mark(self, conversation_id: str, user_id: str, ts: str) -> None:
        """Move the member's read marker to ``ts`` (back or forward)."""
        ...

    async def set_open(self, conversation_id: str, user_id: str, *, is_open: bool) -> bool:
        """Open or close the conversation for the member; whether that changed anything."""
        ...


class SqlReadState:
    """The part over a SQL backend."""

    TABLES: tuple[str, ...] = ("read_state",)

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    async def state(self, conversation_id: str, user_id: str) -> ReadState | None:
        """The member's read state with its unread counts; None for a non-member."""
        sql = _STATES + " AND m.conversation_id = ?" + _GROUP
        row = await self._runner.fetch_one(sql, [*_state_params(user_id), conversation_id])
        return _state(row) if row else None

    async def states_of(self, user_id: str) -> dict[str, ReadState]:
        """Every conversation of the member, with read state and unread counts."""
        found = await self._runner.fetch_all(_STATES + _GROUP, _state_params(user_id))
        return {row[0]: _state(row) for row in found}

    async def closed_of(self, user_id: str) -> frozenset[str]:
        """The conversations the user has closed."""
        return frozenset(r[0] for r in await self._runner.fetch_all(_CLOSED, [user_id]))

    async def conversations_of(
        self,
        team_id: str,
        user_id: str,
        kinds: Sequence[str],
        *,
        viewer: str,
        exclude_archived: bool,
        after: str,
        limit: int,
    ) -> list[Conversation]:
        """The user's conversations of these kinds that the viewer may see, by id."""
        if not kinds:
            return []
        from slackline.storage.sql import (  # noqa: PLC0415 (storage.base imports this module)
            conversations_sql,
        )

        sql = conversations_sql(kinds, exclude_archived=exclude_archived, of_member=True)
        found = await self._runner.fetch_all(sql, [team_id, after, user_id, viewer, limit])
        return [_conversation(r) for r in found]

    async def find_mpim(self, team_id: str, user_ids: Sequence[str]) -> Conversation | None:
        """The group DM of exactly these users (the order does not matter)."""
        from slackline.storage.sql import CONVERSATION_SELECT  # noqa: PLC0415 (as above)

        people = sorted(set(user_ids))
        marks = ", ".join("?" for _ in people)
        sql = (  # only fixed fragments and ? marks are interpolated
            f"{CONVERSATION_SELECT} FROM conversations c WHERE c.team_id = ? AND c.is_mpim = 1 "  # noqa: S608
            "AND (SELECT COUNT(*) FROM members m WHERE m.conversation_id = c.id) = ? "
            "AND (SELECT COUNT(*) FROM members m WHERE m.conversation_id = c.id "
            f"AND m.user_id IN ({marks})) = ? ORDER BY c.id LIMIT 1"
        )
        params = [team_id, len(people), *people, len(people)]
        row = await self._runner.fetch_one(sql, params)
        return _conversation(row) if row else None

    async def mark(self, conversation_id: str, user_id: str, ts: str) -> None:
        """Move the member's read marker to ``ts``."""
        await self._runner.execute(_MARK, [conversation_id, user_id, ts])

    async def set_open(self, conversation_id: str, user_id: str, *, is_open: bool) -> bool:
        """Open or close for the member; False when it already was so."""
        sql = _OPEN if is_open else _CLOSE
        return await self._runner.execute(sql, [conversation_id, user_id]) > 0


def _conversation(row: Sequence[Any]) -> Conversation:
    from slackline.storage.rows import row_conversation  # noqa: PLC0415 (as above)

    return row_conversation(row)


def _state_params(user_id: str) -> list[Any]:
    mentions = mention_patterns(user_id)
    return [NO_READ_TS, *mentions, NO_READ_TS, _HIDDEN, user_id]


def _state(row: Sequence[Any]) -> ReadState:
    return ReadState(
        last_read=row[1],
        is_open=bool(row[2]),
        unread_count=int(row[3]),
        unread_count_display=int(row[4]),
        mention_count=int(row[5]),
    )

"""Full-text search over messages (``search.messages``): SQLite FTS5, PostgreSQL text search.

A part of the store (see :mod:`slackline.storage.parts`): its index, its migration, its SQL.
The index lives on the messages table (migration 0008): an external-content FTS5 table kept
by triggers on SQLite, a GIN expression index on PostgreSQL; neither has rows of its own to
clear, so :attr:`SqlSearch.TABLES` is empty (deleting messages empties the index).

The index narrows the candidates, SQL applies the team, visibility, conversation, user, time
and thread conditions, and :func:`slackline.domain.search.message_matches` decides each
candidate, so both backends give the same answer (``tests/storage/test_search_contract.py``
runs every query case on both). Candidates are read newest first in batches of
:data:`BATCH_ROWS`, at most :data:`MAX_SCANNED_ROWS` of them per search.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from slackline.domain.models import Message
from slackline.domain.search import MessageQuery, message_matches
from slackline.storage.parts import SqlRunner

BATCH_ROWS = 500
MAX_SCANNED_ROWS = 20_000
# Messages people wrote; system messages (joins, renames, pins …) are not searched.
SEARCHABLE_SUBTYPES = ("bot_message", "me_message", "thread_broadcast", "file_share")
# What PostgreSQL indexes (migration 0008, word for word, so that the planner uses it).
PG_DOCUMENT = "to_tsvector('simple', regexp_replace(m.text, '[!-/:-@[-`{-~]', ' ', 'g'))"
# Above every ts and conversation id: the keyset's start.
_TOP = "~"

_SUBTYPES = ", ".join(f"'{subtype}'" for subtype in SEARCHABLE_SUBTYPES)
_VISIBLE = (
    "(c.is_private = 0 AND c.is_im = 0 AND c.is_mpim = 0 OR EXISTS (SELECT 1 FROM members mm "
    "WHERE mm.conversation_id = c.id AND mm.user_id = ?))"
)
_IN_THREAD = (
    "(m.thread_ts IS NOT NULL OR EXISTS (SELECT 1 FROM messages r WHERE "
    "r.conversation_id = m.conversation_id AND r.thread_ts = m.ts AND r.ts != m.ts))"
)


class SearchReader(Protocol):
    """What handlers may read."""

    async def search_messages(self, query: MessageQuery, *, limit: int) -> list[Message]:
        """The messages ``query`` matches that its viewer may see, newest first (by ts, then
        conversation id), at most ``limit``; without their reactions."""
        ...


class SearchStore(SearchReader, Protocol):
    """Everything, writes included (services only): the index keeps itself."""


def fts5_query(words: Sequence[tuple[str, bool]]) -> str:
    """An FTS5 MATCH expression requiring every word (``"word"`` or the prefix ``"wo"*``)."""
    return " ".join(f'"{word}"' + ("*" if prefix else "") for word, prefix in words)


def tsquery(words: Sequence[tuple[str, bool]]) -> str:
    """A ``to_tsquery`` text requiring every word (``word`` or the prefix ``wo:*``).

    Words hold only letters, numbers and marks, never the syntax of a query.
    """
    return " & ".join(word + (":*" if prefix else "") for word, prefix in words)


class SqlSearch:
    """The part over a SQL backend."""

    TABLES: tuple[str, ...] = ()

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    async def search_messages(self, query: MessageQuery, *, limit: int) -> list[Message]:
        """See :meth:`SearchReader.search_messages`."""
        # Imported here: rows imports storage.base, which imports this module.
        from slackline.storage import rows  # noqa: PLC0415

        if query.matches_nothing() or limit <= 0:
            return []
        sql, params = self._statement(query, rows.MESSAGE_COLUMNS)
        found: list[Message] = []
        scanned = 0
        last_ts, last_channel = _TOP, _TOP
        while len(found) < limit and scanned < MAX_SCANNED_ROWS:
            batch = min(BATCH_ROWS, MAX_SCANNED_ROWS - scanned)
            page = await self._runner.fetch_all(
                sql, [*params, last_ts, last_ts, last_channel, batch]
            )
            scanned += len(page)
            for row in page:
                message = rows.row_message(row)
                if message_matches(query, message):
                    found.append(message)
            if len(page) < batch:
                break
            last_ts, last_channel = page[-1][1], page[-1][0]
        return found[:limit]

    def _statement(self, query: MessageQuery, columns: Sequence[str]) -> tuple[str, list[Any]]:
        """The candidates' query (its keyset and limit parameters last) and its parameters."""
        where = ["c.team_id = ?", _VISIBLE, f"(m.subtype IS NULL OR m.subtype IN ({_SUBTYPES}))"]
        params: list[Any] = [query.team_id, query.viewer]
        words = query.index_words()
        if words and self._runner.dialect.name == "sqlite":
            where.append("m.rowid IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)")
            params.append(fts5_query(words))
        elif words:
            where.append(f"{PG_DOCUMENT} @@ to_tsquery('simple', ?)")
            params.append(tsquery(words))
        if query.channels is not None:
            where.append(f"m.conversation_id IN ({', '.join('?' for _ in query.channels)})")
            params += query.channels
        if query.users is not None:
            where.append(f"m.user_id IN ({', '.join('?' for _ in query.users)})")
            params += query.users
        if query.oldest:
            where.append("m.ts >= ?")
            params.append(query.oldest)
        if query.before:
            where.append("m.ts < ?")
            params.append(query.before)
        if query.thread_only:
            where.append(_IN_THREAD)
        where.append("(m.ts < ? OR (m.ts = ? AND m.conversation_id < ?))")
        conditions = " AND ".join(where)
        sql = (
            f"SELECT {', '.join(f'm.{c}' for c in columns)} FROM messages m "  # noqa: S608 - bound
            "JOIN conversations c "
            f"ON c.id = m.conversation_id WHERE {conditions} "
            "ORDER BY m.ts DESC, m.conversation_id DESC LIMIT ?"
        )
        return sql, params

"""The embedded default store: one SQLite file in WAL mode, driven from a single thread.

SQLite allows one writer at a time, so every call runs on one dedicated thread; the event
loop never blocks on disk. ``synchronous=NORMAL`` in WAL mode is durable across process
crashes (decisions F.1); ``?synchronous=FULL`` in the URL also survives power loss.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from slackline.domain.models import Bot, Conversation, Message, Team, Token, User
from slackline.domain.ts import micros_to_ts, next_ts
from slackline.errors import StorageError
from slackline.storage import rows
from slackline.storage.base import ThreadSummary
from slackline.storage.migrations import load_migrations

R = TypeVar("R")
DEFAULT_BUSY_TIMEOUT_MS = 5000
WAL_RETRY_SECS = 0.01
MAX_TS_MICROS = rows.MAX_TS_MICROS
_SYNCHRONOUS_MODES = frozenset({"OFF", "NORMAL", "FULL", "EXTRA"})


def _upsert(table: str, columns: Sequence[str]) -> str:
    return (
        f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) "  # noqa: S608
        f"VALUES ({rows.placeholders(columns)})"
    )


_select = rows.select_sql
_KIND_CLAUSES = rows.KIND_CLAUSES
_CONVERSATION_SELECT = rows.CONVERSATION_SELECT


class SqliteStore:
    """A :class:`~slackline.storage.base.Store` on one SQLite database file."""

    def __init__(
        self,
        path: str,
        *,
        synchronous: str = "NORMAL",
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    ) -> None:
        if synchronous.upper() not in _SYNCHRONOUS_MODES:
            raise ValueError(f"synchronous must be one of {sorted(_SYNCHRONOUS_MODES)}")
        self.path = path
        self._synchronous = synchronous.upper()
        self._busy_timeout_ms = busy_timeout_ms
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._connection: sqlite3.Connection | None = None

    @classmethod
    def from_url(cls, url: str) -> SqliteStore:
        """``sqlite:///relative.db``, ``sqlite:////absolute.db``; options in the query string."""
        parts = urlsplit(url)
        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        if not path:
            raise ValueError("a sqlite:// URL needs a file path, e.g. sqlite:///slackline.db")
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        return cls(
            path,
            synchronous=options.get("synchronous", "NORMAL"),
            busy_timeout_ms=int(options.get("busy_timeout_ms", DEFAULT_BUSY_TIMEOUT_MS)),
        )

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            connection.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            _enable_wal(connection, self._busy_timeout_ms)
            connection.execute(f"PRAGMA synchronous = {self._synchronous}")
            connection.execute("PRAGMA foreign_keys = ON")
            self._connection = connection
        return self._connection

    async def _run(self, work: Callable[[sqlite3.Connection], R]) -> R:
        def call() -> R:
            try:
                return work(self._connect())
            except sqlite3.Error as exc:
                raise StorageError(f"sqlite: {exc}") from exc

        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def _fetchone(self, sql: str, params: Sequence[Any]) -> Any:
        return await self._run(lambda db: db.execute(sql, params).fetchone())

    async def _fetchall(self, sql: str, params: Sequence[Any]) -> list[Any]:
        return await self._run(lambda db: db.execute(sql, params).fetchall())

    async def _execute(self, sql: str, params: Sequence[Any]) -> int:
        return await self._run(lambda db: db.execute(sql, params).rowcount)

    async def migrate(self) -> None:
        """Apply pending migrations, each in its own immediate (write-locked) transaction."""
        await self._run(_migrate)

    async def close(self) -> None:
        """Close the connection and stop the thread."""

        def close(db: sqlite3.Connection) -> None:
            db.close()
            self._connection = None

        if self._connection is not None:
            await self._run(close)
        self._executor.shutdown(wait=True)

    async def put_team(self, team: Team) -> None:
        """Insert or replace a team."""
        await self._execute(_upsert("teams", rows.TEAM_COLUMNS), rows.team_row(team))

    async def get_team(self, team_id: str) -> Team | None:
        """A team by id."""
        row = await self._fetchone(_select("teams", rows.TEAM_COLUMNS) + " WHERE id = ?", [team_id])
        return rows.row_team(row) if row else None

    async def list_teams(self) -> list[Team]:
        """Every team, ordered by id."""
        found = await self._fetchall(_select("teams", rows.TEAM_COLUMNS) + " ORDER BY id", [])
        return [rows.row_team(r) for r in found]

    async def put_user(self, user: User) -> None:
        """Insert or replace a user."""
        await self._execute(_upsert("users", rows.USER_COLUMNS), rows.user_row(user))

    async def get_user(self, user_id: str) -> User | None:
        """A user by id."""
        row = await self._fetchone(_select("users", rows.USER_COLUMNS) + " WHERE id = ?", [user_id])
        return rows.row_user(row) if row else None

    async def list_users(self, team_id: str, after: str, limit: int) -> list[User]:
        """A team's users after ``after``, ordered by id."""
        sql = (
            _select("users", rows.USER_COLUMNS)
            + " WHERE team_id = ? AND id > ? ORDER BY id LIMIT ?"
        )
        return [rows.row_user(r) for r in await self._fetchall(sql, [team_id, after, limit])]

    async def put_bot(self, bot: Bot) -> None:
        """Insert or replace a bot."""
        await self._execute(_upsert("bots", rows.BOT_COLUMNS), rows.bot_row(bot))

    async def get_bot(self, bot_id: str) -> Bot | None:
        """A bot by id."""
        row = await self._fetchone(_select("bots", rows.BOT_COLUMNS) + " WHERE id = ?", [bot_id])
        return rows.row_bot(row) if row else None

    async def list_bots(self, team_id: str) -> list[Bot]:
        """A team's bots, ordered by id."""
        sql = _select("bots", rows.BOT_COLUMNS) + " WHERE team_id = ? ORDER BY id"
        return [rows.row_bot(r) for r in await self._fetchall(sql, [team_id])]

    async def put_conversation(self, conversation: Conversation) -> None:
        """Insert or update a conversation, keeping its ``last_ts``."""
        columns = rows.CONVERSATION_COLUMNS
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
        sql = (
            f"INSERT INTO conversations ({', '.join(columns)}) "  # noqa: S608
            f"VALUES ({rows.placeholders(columns)}) ON CONFLICT (id) DO UPDATE SET {updates}"
        )
        await self._execute(sql, rows.conversation_row(conversation))

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        """A conversation by id."""
        sql = _CONVERSATION_SELECT + " FROM conversations c WHERE c.id = ?"
        row = await self._fetchone(sql, [conversation_id])
        return rows.row_conversation(row) if row else None

    async def list_conversations(
        self,
        team_id: str,
        kinds: Sequence[str],
        *,
        viewer: str,
        exclude_archived: bool,
        after: str,
        limit: int,
    ) -> list[Conversation]:
        """Conversations of the given kinds the viewer may see, ordered by id."""
        if not kinds:
            return []
        kind_sql = " OR ".join(_KIND_CLAUSES[k] for k in kinds)
        visible = (
            "(c.is_private = 0 AND c.is_im = 0 AND c.is_mpim = 0 OR EXISTS "
            "(SELECT 1 FROM members m WHERE m.conversation_id = c.id AND m.user_id = ?))"
        )
        archived = " AND c.is_archived = 0" if exclude_archived else ""
        sql = (
            f"{_CONVERSATION_SELECT} FROM conversations c WHERE c.team_id = ? AND c.id > ? "
            f"AND ({kind_sql}) AND {visible}{archived} ORDER BY c.id LIMIT ?"
        )
        found = await self._fetchall(sql, [team_id, after, viewer, limit])
        return [rows.row_conversation(r) for r in found]

    async def add_members(self, conversation_id: str, user_ids: Sequence[str]) -> list[str]:
        """Add members; returns those who were not members before."""

        def add(db: sqlite3.Connection) -> list[str]:
            added = []
            with _transaction(db):
                for user_id in user_ids:
                    cursor = db.execute(
                        "INSERT OR IGNORE INTO members (conversation_id, user_id) VALUES (?, ?)",
                        (conversation_id, user_id),
                    )
                    if cursor.rowcount:
                        added.append(user_id)
            return added

        return await self._run(add)

    async def remove_member(self, conversation_id: str, user_id: str) -> bool:
        """Remove a member; returns whether it was one."""
        sql = "DELETE FROM members WHERE conversation_id = ? AND user_id = ?"
        return await self._execute(sql, [conversation_id, user_id]) > 0

    async def is_member(self, conversation_id: str, user_id: str) -> bool:
        """Whether the user is a member."""
        sql = "SELECT 1 FROM members WHERE conversation_id = ? AND user_id = ?"
        return await self._fetchone(sql, [conversation_id, user_id]) is not None

    async def list_members(self, conversation_id: str, after: str, limit: int) -> list[str]:
        """Member ids after ``after``, ordered by id."""
        sql = (
            "SELECT user_id FROM members WHERE conversation_id = ? AND user_id > ? "
            "ORDER BY user_id LIMIT ?"
        )
        return [r[0] for r in await self._fetchall(sql, [conversation_id, after, limit])]

    async def count_members(self, conversation_id: str) -> int:
        """How many members a conversation has."""
        sql = "SELECT COUNT(*) FROM members WHERE conversation_id = ?"
        row = await self._fetchone(sql, [conversation_id])
        return int(row[0])

    async def put_token(self, token: Token) -> None:
        """Insert or replace a token."""
        await self._execute(_upsert("tokens", rows.TOKEN_COLUMNS), rows.token_row(token))

    async def get_token(self, token_hash: str) -> Token | None:
        """A token by its keyed hash."""
        sql = _select("tokens", rows.TOKEN_COLUMNS) + " WHERE hash = ?"
        row = await self._fetchone(sql, [token_hash])
        return rows.row_token(row) if row else None

    async def list_tokens(self, team_id: str) -> list[Token]:
        """A team's tokens."""
        sql = _select("tokens", rows.TOKEN_COLUMNS) + " WHERE team_id = ? ORDER BY created, hash"
        return [rows.row_token(r) for r in await self._fetchall(sql, [team_id])]

    async def insert_message(self, message: Message, now: float) -> Message:
        """Store a message under the conversation's next ts, in one write transaction."""

        def insert(db: sqlite3.Connection) -> Message:
            with _transaction(db):
                row = db.execute(
                    "SELECT last_ts FROM conversations WHERE id = ?", (message.channel,)
                ).fetchone()
                if row is None:
                    raise sqlite3.IntegrityError(f"no conversation {message.channel}")
                ts = next_ts(row[0], now)
                stored = replace(message, ts=ts)
                db.execute(
                    _upsert("messages", rows.MESSAGE_COLUMNS).replace("OR REPLACE ", ""),
                    rows.message_row(stored),
                )
                db.execute(
                    "UPDATE conversations SET last_ts = ? WHERE id = ?", (ts, stored.channel)
                )
            return stored

        return await self._run(insert)

    async def get_message(self, conversation_id: str, ts: str) -> Message | None:
        """A message by conversation and ts, with its reactions."""
        return await self._run(lambda db: _get_message(db, conversation_id, ts))

    async def list_messages(
        self,
        conversation_id: str,
        *,
        oldest_micros: int,
        latest_micros: int,
        inclusive: bool,
        limit: int,
    ) -> list[Message]:
        """Top-level messages (no thread replies) between oldest and latest, newest first."""
        low, high = (">=", "<=") if inclusive else (">", "<")
        sql = (
            _select("messages", rows.MESSAGE_COLUMNS)
            + f" WHERE conversation_id = ? AND ts {low} ? AND ts {high} ?"
            " AND (thread_ts IS NULL OR thread_ts = ts) ORDER BY ts DESC LIMIT ?"
        )
        # ts are compared as fixed-width text, so bounds must be clamped into the ts range.
        oldest, latest = (min(max(m, 0), MAX_TS_MICROS) for m in (oldest_micros, latest_micros))
        params = [conversation_id, micros_to_ts(oldest), micros_to_ts(latest), limit]
        return await self._run(lambda db: _messages(db, conversation_id, sql, params))

    async def update_message(self, message: Message) -> bool:
        """Replace a message's content, keeping its reactions."""
        row = rows.message_row(message)
        sql = (
            "UPDATE messages SET user_id = ?, bot_id = ?, text = ?, subtype = ?, thread_ts = ?, "
            "edited = ?, extra = ? WHERE conversation_id = ? AND ts = ?"
        )
        return await self._execute(sql, [*row[3:], message.channel, message.ts]) > 0

    async def delete_message(self, conversation_id: str, ts: str) -> Message | None:
        """Delete a message and its reactions in one transaction; returns it as it was."""

        def delete(db: sqlite3.Connection) -> Message | None:
            with _transaction(db):
                found = _get_message(db, conversation_id, ts)
                if found is not None:
                    key = (conversation_id, ts)
                    db.execute("DELETE FROM messages WHERE conversation_id = ? AND ts = ?", key)
                    db.execute("DELETE FROM reactions WHERE conversation_id = ? AND ts = ?", key)
            return found

        return await self._run(delete)

    async def list_thread(
        self, conversation_id: str, thread_ts: str, *, after: str, limit: int
    ) -> list[Message]:
        """The parent and its replies after ``after``, oldest first."""
        sql = (
            _select("messages", rows.MESSAGE_COLUMNS)
            + " WHERE conversation_id = ? AND (ts = ? OR thread_ts = ?) AND ts > ?"
            " ORDER BY ts LIMIT ?"
        )
        params = [conversation_id, thread_ts, thread_ts, after, limit]
        return await self._run(lambda db: _messages(db, conversation_id, sql, params))

    async def thread_summary(self, conversation_id: str, thread_ts: str) -> ThreadSummary:
        """Count the replies under a parent and list who wrote them."""
        sql = (
            "SELECT user_id, ts FROM messages WHERE conversation_id = ? AND thread_ts = ? "
            "AND ts != ? ORDER BY ts"
        )
        found = await self._fetchall(sql, [conversation_id, thread_ts, thread_ts])
        if not found:
            return ThreadSummary()
        users = list(dict.fromkeys(r[0] for r in found))
        return ThreadSummary(len(found), users, found[-1][1])

    async def add_reaction(self, conversation_id: str, ts: str, name: str, user_id: str) -> bool:
        """Add a reaction to an existing message, atomically; False if missing or repeated."""
        sql = (
            "INSERT OR IGNORE INTO reactions (conversation_id, ts, name, user_id) "
            "SELECT ?, ?, ?, ? WHERE EXISTS "
            "(SELECT 1 FROM messages WHERE conversation_id = ? AND ts = ?)"
        )
        params = [conversation_id, ts, name, user_id, conversation_id, ts]
        return await self._execute(sql, params) > 0

    async def remove_reaction(self, conversation_id: str, ts: str, name: str, user_id: str) -> bool:
        """Remove a reaction; returns whether there was one."""
        sql = (
            "DELETE FROM reactions WHERE conversation_id = ? AND ts = ? AND name = ? "
            "AND user_id = ?"
        )
        return await self._execute(sql, [conversation_id, ts, name, user_id]) > 0

    async def find_channel_by_name(self, team_id: str, name: str) -> Conversation | None:
        """The team's channel with this name (DMs and group DMs excluded)."""
        sql = (
            f"{_CONVERSATION_SELECT} FROM conversations c WHERE c.team_id = ? AND c.name = ? "
            "AND c.is_im = 0 AND c.is_mpim = 0 ORDER BY c.id LIMIT 1"
        )
        row = await self._fetchone(sql, [team_id, name])
        return rows.row_conversation(row) if row else None

    async def find_im(self, team_id: str, user_id: str, other_id: str) -> Conversation | None:
        """The DM whose members are exactly these users."""
        people = sorted({user_id, other_id})
        member = "EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = c.id AND m.user_id = ?)"
        sql = (
            f"{_CONVERSATION_SELECT} FROM conversations c WHERE c.team_id = ? AND c.is_im = 1 "  # noqa: S608
            f"AND {member} AND {member} AND (SELECT COUNT(*) FROM members m "
            "WHERE m.conversation_id = c.id) = ? ORDER BY c.id LIMIT 1"
        )
        row = await self._fetchone(sql, [team_id, people[0], people[-1], len(people)])
        return rows.row_conversation(row) if row else None


def _get_message(db: sqlite3.Connection, conversation_id: str, ts: str) -> Message | None:
    sql = _select("messages", rows.MESSAGE_COLUMNS) + " WHERE conversation_id = ? AND ts = ?"
    found = _messages(db, conversation_id, sql, [conversation_id, ts])
    return found[0] if found else None


def _messages(
    db: sqlite3.Connection, conversation_id: str, sql: str, params: Sequence[Any]
) -> list[Message]:
    """Messages of one conversation from a query, each with its reactions."""
    messages = [rows.row_message(r) for r in db.execute(sql, params).fetchall()]
    if not messages:
        return messages
    # One range query (no parameter-count limit); ts are fixed-width text, so it is exact.
    stamps = sorted(m.ts for m in messages)
    reactions = db.execute(
        "SELECT ts, name, user_id FROM reactions WHERE conversation_id = ? "
        "AND ts >= ? AND ts <= ? ORDER BY seq",
        [conversation_id, stamps[0], stamps[-1]],
    ).fetchall()
    return rows.with_reaction_rows(messages, reactions)


class _transaction:  # noqa: N801 - used as a lower-case context manager
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self._db.execute("ROLLBACK")
            return
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error:
            # A failed COMMIT (disk full, I/O error) leaves the transaction open; end it so
            # the next call on this connection starts clean.
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise


def _enable_wal(db: sqlite3.Connection, busy_timeout_ms: int) -> None:
    """Switch to WAL, retrying while another connection holds the lock.

    SQLite does not call the busy handler for a journal-mode change, so two processes
    opening a new database at once would otherwise fail with "database is locked".
    """
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(WAL_RETRY_SECS)


def _migrate(db: sqlite3.Connection) -> None:
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL)"
    )
    for migration in load_migrations("sqlite"):
        with _transaction(db):
            done = db.execute(
                "SELECT 1 FROM schema_migrations WHERE version = ?", (migration.version,)
            ).fetchone()
            if done:
                continue
            for statement in migration.statements:
                db.execute(statement)
            db.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                (migration.version, migration.name),
            )

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

from slackline.domain.models import Message
from slackline.domain.ts import next_ts
from slackline.errors import StorageError
from slackline.storage import rows
from slackline.storage.migrations import load_migrations
from slackline.storage.parts import Statement
from slackline.storage.repair import repair_statements, repaired
from slackline.storage.sql import SQLITE, Statements
from slackline.storage.sqlstore import SqlStore

R = TypeVar("R")
DEFAULT_BUSY_TIMEOUT_MS = 5000
WAL_RETRY_SECS = 0.01
_SYNCHRONOUS_MODES = frozenset({"OFF", "NORMAL", "FULL", "EXTRA"})
_SQL = Statements(SQLITE)


class SqliteStore(SqlStore):
    """A :class:`~slackline.storage.base.Store` on one SQLite database file."""

    _sql = _SQL

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
        self._attach_parts()

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

    async def _messages(
        self, conversation_id: str, sql: str, params: Sequence[Any]
    ) -> list[Message]:
        return await self._run(lambda db: _messages(db, conversation_id, sql, params))

    async def _execute_together(self, statements: Sequence[Statement]) -> list[int]:
        def run(db: sqlite3.Connection) -> list[int]:
            with _transaction(db):
                return [db.execute(sql, params).rowcount for sql, params in statements]

        return await self._run(run)

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

    async def insert_message(self, message: Message, now: float) -> Message:
        """Store a message under the conversation's next ts, in one write transaction."""

        def insert(db: sqlite3.Connection) -> Message:
            with _transaction(db):
                row = db.execute(_SQL.last_ts, (message.channel,)).fetchone()
                if row is None:
                    raise sqlite3.IntegrityError(f"no conversation {message.channel}")
                ts = next_ts(row[0], now)
                stored = replace(message, ts=ts)
                db.execute(_SQL.insert_message, rows.message_row(stored))
                db.execute(_SQL.set_last_ts, (ts, stored.channel))
            return stored

        return await self._run(insert)

    async def delete_message(self, conversation_id: str, ts: str) -> Message | None:
        """Delete a message and its reactions in one transaction; returns it as it was."""

        def delete(db: sqlite3.Connection) -> Message | None:
            with _transaction(db):
                # Read first: the same write-locked transaction, so nothing changes it between.
                found = _get_message(db, conversation_id, ts)
                if found is not None:
                    key = (conversation_id, ts)
                    db.execute(_SQL.delete_message, key)
                    db.execute(_SQL.delete_reactions, key)
            return found

        return await self._run(delete)

    async def add_reaction(self, conversation_id: str, ts: str, name: str, user_id: str) -> bool:
        """Add a reaction to an existing message, atomically; False if missing or repeated."""
        sql = (
            "INSERT OR IGNORE INTO reactions (conversation_id, ts, name, user_id) "
            "SELECT ?, ?, ?, ? WHERE EXISTS "
            "(SELECT 1 FROM messages WHERE conversation_id = ? AND ts = ?)"
        )
        params = [conversation_id, ts, name, user_id, conversation_id, ts]
        return await self._execute(sql, params) > 0


def _get_message(db: sqlite3.Connection, conversation_id: str, ts: str) -> Message | None:
    found = _messages(db, conversation_id, _SQL.get_message, [conversation_id, ts])
    return found[0] if found else None


def _messages(
    db: sqlite3.Connection, conversation_id: str, sql: str, params: Sequence[Any]
) -> list[Message]:
    """Messages of one conversation from a query, each with its reactions."""
    messages = [rows.row_message(r) for r in db.execute(sql, params).fetchall()]
    if not messages:
        return messages
    span = rows.ts_span(messages)
    reactions = db.execute(_SQL.reactions_between, [conversation_id, *span]).fetchall()
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
    db.execute(_SQL.create_schema_migrations)
    for migration in load_migrations(SQLITE.name):
        with _transaction(db):
            if db.execute(_SQL.migration_done, (migration.version,)).fetchone():
                continue
            for statement in migration.statements:
                db.execute(statement)
            if migration.repair:
                _repair(db)
            db.execute(_SQL.record_migration, (migration.version, migration.name))


def _repair(db: sqlite3.Connection) -> None:
    for statements in repair_statements(SQLITE):
        for row in db.execute(statements.select).fetchall():
            fixed = repaired(row[-1])
            if fixed is not None:
                db.execute(statements.update, (fixed, *row[:-1]))

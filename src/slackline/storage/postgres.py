"""PostgreSQL storage: psycopg 3 (async) on a connection pool, shared by several processes.

Every call checks a connection out of a pool (``psycopg_pool``; each connection is checked
on checkout, so connections broken by a server restart are replaced) and runs either one
autocommitted statement or one explicit transaction. Every failure (a psycopg error, a pool
timeout, an unreachable server, a statement over ``statement_timeout``) becomes
:class:`~slackline.errors.StorageError`, and no call waits longer than its deadline
(decisions B.6). Message ``ts`` values are assigned under a row lock on the conversation
(``SELECT ... FOR UPDATE``), so they increase strictly across processes (decisions F.2).

URL: ``postgresql://user:password@host:5432/dbname?name=value&...`` (or ``postgres://``).
Slackline's own options are taken out of the query string; the rest (``sslmode``,
``options``, ...) go to libpq unchanged:

- ``pool_min`` (1) and ``pool_max`` (10): connections kept open, and opened at most.
- ``timeout_secs`` (5): the longest wait for a pooled connection and for connecting; also
  how long a lost connection is retried before its slot is given up (and reopened on the
  next demand).
- ``statement_timeout_secs`` (``timeout_secs``): the server-side limit on each statement,
  lock waits included.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, TypeAlias, TypeVar
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow
from psycopg_pool import AsyncConnectionPool

from slackline.domain.models import Message
from slackline.domain.ts import next_ts
from slackline.errors import StorageError
from slackline.storage import rows
from slackline.storage.migrations import load_migrations
from slackline.storage.parts import Statement
from slackline.storage.repair import repair_statements, repaired
from slackline.storage.sql import POSTGRESQL, Statements
from slackline.storage.sqlstore import SqlStore

R = TypeVar("R")
Connection: TypeAlias = psycopg.AsyncConnection[TupleRow]
# The first key of the migration advisory lock ("SLmg"); the second is the schema's hash,
# so stores on different schemas of one database do not wait for each other.
MIGRATION_LOCK_KEY = 0x534C6D67
MS_PER_SEC = 1000
DEFAULT_POOL_MIN = 1
DEFAULT_POOL_MAX = 10
DEFAULT_TIMEOUT_SECS = 5.0


@dataclass(frozen=True, slots=True)
class PostgresOptions:
    """Pool size and timeouts, from the URL's query string."""

    pool_min: int = DEFAULT_POOL_MIN
    pool_max: int = DEFAULT_POOL_MAX
    timeout_secs: float = DEFAULT_TIMEOUT_SECS
    statement_timeout_secs: float | None = None

    def __post_init__(self) -> None:
        if self.pool_min < 0 or self.pool_max < max(self.pool_min, 1):
            raise ValueError("need 0 <= pool_min <= pool_max and pool_max >= 1")
        if self.timeout_secs <= 0 or self.statement_secs <= 0:
            raise ValueError("timeouts must be positive")

    @property
    def statement_secs(self) -> float:
        """The server-side limit on one statement."""
        return self.statement_timeout_secs or self.timeout_secs

    @property
    def call_deadline_secs(self) -> float:
        """The client-side bound on a whole call: a connection wait, then a few statements.

        The server enforces ``statement_secs`` itself; this also covers a server that stops
        answering altogether (a network partition), where nothing would ever come back.
        """
        return self.timeout_secs + 2 * self.statement_secs

    @classmethod
    def parse(cls, values: dict[str, str]) -> PostgresOptions:
        """Options from query-string values (missing ones keep their defaults)."""
        statement = values.get("statement_timeout_secs")
        try:
            return cls(
                pool_min=int(values.get("pool_min", DEFAULT_POOL_MIN)),
                pool_max=int(values.get("pool_max", DEFAULT_POOL_MAX)),
                timeout_secs=float(values.get("timeout_secs", DEFAULT_TIMEOUT_SECS)),
                statement_timeout_secs=float(statement) if statement else None,
            )
        except ValueError as exc:
            raise ValueError(f"invalid PostgreSQL URL option: {exc}") from None


_OPTION_NAMES = frozenset({"pool_min", "pool_max", "timeout_secs", "statement_timeout_secs"})


def split_url(
    url: str, defaults: Mapping[str, str] = MappingProxyType({}), **fixed: str
) -> tuple[str, PostgresOptions]:
    """The libpq connection string and the options of a ``postgresql://`` URL.

    Slackline's options are taken out of the query string (``defaults`` stand for missing
    ones, ``fixed`` ones override the URL); every other parameter stays for libpq.
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    values = {**defaults, **{k: v for k, v in query if k in _OPTION_NAMES}, **fixed}
    options = PostgresOptions.parse(values)
    passed = urlencode([(k, v) for k, v in query if k not in _OPTION_NAMES], quote_via=quote)
    conninfo = urlunsplit(parts._replace(query=passed))
    try:
        conninfo_to_dict(conninfo)
    except psycopg.Error as exc:
        raise ValueError(f"invalid PostgreSQL URL: {exc}") from None
    return conninfo, options


def connection_pool(
    conninfo: str,
    options: PostgresOptions,
    *,
    min_size: int,
    name: str,
    configure: Callable[[Connection], Awaitable[None]],
) -> AsyncConnectionPool[Connection]:
    """An unopened pool of autocommit connections, each checked on checkout, waiting and
    reconnecting for at most ``options.timeout_secs``."""
    return AsyncConnectionPool(
        conninfo,
        kwargs={"autocommit": True, "connect_timeout": max(1, round(options.timeout_secs))},
        min_size=min_size,
        max_size=options.pool_max,
        open=False,
        configure=configure,
        check=AsyncConnectionPool.check_connection,
        name=name,
        timeout=options.timeout_secs,
        reconnect_timeout=options.timeout_secs,
    )


class PooledCalls:
    """Calls on a pool opened on first use, each within the options' call deadline; every
    failure a :class:`~slackline.errors.StorageError` whose message starts with ``LABEL``."""

    LABEL = "postgresql"
    _options: PostgresOptions
    _pool: AsyncConnectionPool[Connection]
    _opened: bool

    async def _run(self, work: Callable[[Connection], Awaitable[R]]) -> R:
        """Run ``work`` on a pooled connection; any failure or overrun is a StorageError.

        The work runs as its own task, abandoned (cancelled) at the call deadline; callers
        may be plain coroutines driven outside any task (the HTTP driver starts requests
        eagerly), where ``asyncio.timeout`` cannot be used.
        """
        task = asyncio.ensure_future(self._call(work))
        try:
            done, _ = await asyncio.wait((task,), timeout=self._options.call_deadline_secs)
        except BaseException:
            task.cancel()
            raise
        if not done:
            task.cancel()
            deadline = self._options.call_deadline_secs
            raise StorageError(f"{self.LABEL}: no answer within {deadline:g} s")
        return task.result()

    async def _call(self, work: Callable[[Connection], Awaitable[R]]) -> R:
        try:
            if not self._opened:
                await self._pool.open()
                self._opened = True
            async with self._pool.connection() as conn:
                return await work(conn)
        except (psycopg.Error, OSError) as exc:
            raise StorageError(f"{self.LABEL}: {type(exc).__name__}: {exc}") from exc

    async def close(self) -> None:
        """Close every pooled connection."""
        if self._opened:
            self._opened = False
            await self._pool.close()


_SQL = Statements(POSTGRESQL)
# RETURNING makes concurrent deletions of one message return it (and its reactions) once.
_DELETE_MESSAGE = f"{_SQL.delete_message} RETURNING {', '.join(rows.MESSAGE_COLUMNS)}"
_DELETE_REACTIONS = f"{_SQL.delete_reactions} RETURNING seq, name, user_id"


class PostgresStore(PooledCalls, SqlStore):
    """A :class:`~slackline.storage.base.Store` on one PostgreSQL database (or schema)."""

    _sql = _SQL

    def __init__(self, conninfo: str, options: PostgresOptions | None = None) -> None:
        self._options = options or PostgresOptions()
        self._pool = connection_pool(
            conninfo,
            self._options,
            min_size=self._options.pool_min,
            name="slackline",
            configure=self._configure,
        )
        self._opened = False
        self._attach_parts()

    @classmethod
    def from_url(cls, url: str) -> PostgresStore:
        """``postgresql://user@host:port/dbname?pool_max=10&timeout_secs=5&sslmode=...``."""
        return cls(*split_url(url))

    async def _configure(self, conn: Connection) -> None:
        """Per-connection limits, so no statement or abandoned transaction holds on forever."""
        statement_ms = str(round(self._options.statement_secs * MS_PER_SEC))
        idle_ms = str(round(self._options.call_deadline_secs * MS_PER_SEC))
        await conn.execute(
            "SELECT set_config('statement_timeout', %s, false), "
            "set_config('idle_in_transaction_session_timeout', %s, false)",
            [statement_ms, idle_ms],
        )

    async def _fetchone(self, sql: str, params: Sequence[Any]) -> Any:
        async def fetch(conn: Connection) -> Any:
            return await (await conn.execute(sql, params)).fetchone()

        return await self._run(fetch)

    async def _fetchall(self, sql: str, params: Sequence[Any]) -> list[Any]:
        async def fetch(conn: Connection) -> list[Any]:
            return await (await conn.execute(sql, params)).fetchall()

        return await self._run(fetch)

    async def _execute(self, sql: str, params: Sequence[Any]) -> int:
        async def execute(conn: Connection) -> int:
            return (await conn.execute(sql, params)).rowcount

        return await self._run(execute)

    async def _execute_together(self, statements: Sequence[Statement]) -> list[int]:
        async def run(conn: Connection) -> list[int]:
            counts = []
            async with conn.transaction():
                for sql, params in statements:
                    counts.append((await conn.execute(sql, params)).rowcount)
            return counts

        return await self._run(run)

    async def _messages(
        self, conversation_id: str, sql: str, params: Sequence[Any]
    ) -> list[Message]:
        return await self._run(lambda conn: _messages(conn, conversation_id, sql, params))

    async def migrate(self) -> None:
        """Apply pending migrations, each in its own transaction under an advisory lock.

        Migrations run without the call deadline and without ``statement_timeout``: one that
        backfills a large table (the search index of 0008) may take minutes, and stopping it
        half-way would only make the next start do it again.
        """
        await self._call(_migrate)

    async def add_members(self, conversation_id: str, user_ids: Sequence[str]) -> list[str]:
        """Add members in one statement; returns those who were not members before."""
        sql = (
            "INSERT INTO members (conversation_id, user_id) SELECT %s, u "
            "FROM unnest(%s::text[]) AS u ON CONFLICT DO NOTHING RETURNING user_id"
        )
        wanted = list(dict.fromkeys(user_ids))
        added = {r[0] for r in await self._fetchall(sql, [conversation_id, wanted])}
        return [u for u in wanted if u in added]

    async def insert_message(self, message: Message, now: float) -> Message:
        """Store a message under the conversation's next ts.

        The conversation row is locked (``FOR UPDATE``) for the whole transaction, so
        inserts into one conversation, from any process, take their ts one after another.
        """

        async def insert(conn: Connection) -> Message:
            async with conn.transaction():
                row = await (await conn.execute(_SQL.last_ts, [message.channel])).fetchone()
                if row is None:
                    raise StorageError(f"no conversation {message.channel}")
                stored = replace(message, ts=next_ts(row[0], now))
                await conn.execute(_SQL.insert_message, rows.message_row(stored))
                await conn.execute(_SQL.set_last_ts, [stored.ts, stored.channel])
            return stored

        return await self._run(insert)

    async def delete_message(self, conversation_id: str, ts: str) -> Message | None:
        """Delete a message and its reactions in one transaction; returns it as it was."""

        async def delete(conn: Connection) -> Message | None:
            key = [conversation_id, ts]
            async with conn.transaction():
                cursor = await conn.execute(_DELETE_MESSAGE, key)
                row = await cursor.fetchone()
                if row is None:
                    return None
                cursor = await conn.execute(_DELETE_REACTIONS, key)
                reactions = sorted(await cursor.fetchall())
            return rows.with_reactions(rows.row_message(row), [(n, u) for _, n, u in reactions])

        return await self._run(delete)

    async def add_reaction(self, conversation_id: str, ts: str, name: str, user_id: str) -> bool:
        """Add a reaction to an existing message; False if missing or repeated.

        The message row is share-locked while the reaction goes in, so a concurrent
        deletion either happens first (nothing is added) or also deletes this reaction.
        """
        sql = (
            "INSERT INTO reactions (conversation_id, ts, name, user_id) "
            "SELECT conversation_id, ts, %s, %s FROM messages "
            "WHERE conversation_id = %s AND ts = %s FOR KEY SHARE ON CONFLICT DO NOTHING"
        )
        return await self._execute(sql, [name, user_id, conversation_id, ts]) > 0


async def _messages(
    conn: Connection, conversation_id: str, sql: str, params: Sequence[Any]
) -> list[Message]:
    """Messages of one conversation from a query, each with its reactions."""
    found = await (await conn.execute(sql, params)).fetchall()
    messages = [rows.row_message(r) for r in found]
    if not messages:
        return messages
    span = rows.ts_span(messages)
    cursor = await conn.execute(_SQL.reactions_between, [conversation_id, *span])
    return rows.with_reaction_rows(messages, await cursor.fetchall())


async def _migrate(conn: Connection) -> None:
    """Apply each pending migration in its own transaction, holding the migration lock.

    ``pg_advisory_xact_lock`` serialises processes migrating one schema at once; it is
    released by the commit, after ``schema_migrations`` records the version.
    """
    for migration in load_migrations(POSTGRESQL.name):
        async with conn.transaction():
            await conn.execute("SET LOCAL statement_timeout = 0")
            await conn.execute(
                "SELECT pg_advisory_xact_lock(%s::integer, "
                "hashtext(coalesce(current_schema(), '')))",
                [MIGRATION_LOCK_KEY],
            )
            await conn.execute(_SQL.create_schema_migrations)
            cursor = await conn.execute(_SQL.migration_done, [migration.version])
            if await cursor.fetchone():
                continue
            for statement in migration.statements:
                await conn.execute(statement)
            if migration.repair:
                await _repair(conn)
            await conn.execute(_SQL.record_migration, [migration.version, migration.name])


async def _repair(conn: Connection) -> None:
    for statements in repair_statements(POSTGRESQL):
        cursor = await conn.execute(statements.select)
        for row in await cursor.fetchall():
            fixed = repaired(row[-1])
            if fixed is not None:
                await conn.execute(statements.update, [fixed, *row[:-1]])

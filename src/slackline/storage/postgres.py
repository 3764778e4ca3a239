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
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeAlias, TypeVar
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow
from psycopg_pool import AsyncConnectionPool

from slackline.domain.models import Bot, Conversation, Message, Team, Token, User
from slackline.domain.ts import micros_to_ts, next_ts
from slackline.errors import StorageError
from slackline.storage import rows
from slackline.storage.base import ThreadSummary
from slackline.storage.migrations import load_migrations

R = TypeVar("R")
Connection: TypeAlias = psycopg.AsyncConnection[TupleRow]
DIALECT = "postgresql"
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


def _upsert(table: str, columns: Sequence[str], key: str) -> str:
    """Insert a row, or overwrite every other column of the row with the same key."""
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != key)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
        f"VALUES ({rows.placeholders(columns, '%s')}) ON CONFLICT ({key}) DO UPDATE SET {updates}"
    )


_select = rows.select_sql
_MESSAGE_SELECT = _select("messages", rows.MESSAGE_COLUMNS)
_INSERT_MESSAGE = (
    f"INSERT INTO messages ({', '.join(rows.MESSAGE_COLUMNS)}) "  # noqa: S608
    f"VALUES ({rows.placeholders(rows.MESSAGE_COLUMNS, '%s')})"
)
_DELETE_MESSAGE = (
    "DELETE FROM messages WHERE conversation_id = %s AND ts = %s "  # noqa: S608
    f"RETURNING {', '.join(rows.MESSAGE_COLUMNS)}"
)
_MEMBER_EXISTS = (
    "EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = c.id AND m.user_id = %s)"
)


class PostgresStore:
    """A :class:`~slackline.storage.base.Store` on one PostgreSQL database (or schema)."""

    def __init__(self, conninfo: str, options: PostgresOptions | None = None) -> None:
        self._options = options or PostgresOptions()
        self._pool: AsyncConnectionPool[Connection] = AsyncConnectionPool(
            conninfo,
            kwargs={
                "autocommit": True,
                "connect_timeout": max(1, round(self._options.timeout_secs)),
            },
            min_size=self._options.pool_min,
            max_size=self._options.pool_max,
            open=False,
            configure=self._configure,
            check=AsyncConnectionPool.check_connection,
            name="slackline",
            timeout=self._options.timeout_secs,
            reconnect_timeout=self._options.timeout_secs,
        )
        self._opened = False

    @classmethod
    def from_url(cls, url: str) -> PostgresStore:
        """``postgresql://user@host:port/dbname?pool_max=10&timeout_secs=5&sslmode=...``."""
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        options = PostgresOptions.parse({k: v for k, v in query if k in _OPTION_NAMES})
        passed = urlencode([(k, v) for k, v in query if k not in _OPTION_NAMES], quote_via=quote)
        conninfo = urlunsplit(parts._replace(query=passed))
        try:
            conninfo_to_dict(conninfo)
        except psycopg.Error as exc:
            raise ValueError(f"invalid PostgreSQL URL: {exc}") from None
        return cls(conninfo, options)

    async def _configure(self, conn: Connection) -> None:
        """Per-connection limits, so no statement or abandoned transaction holds on forever."""
        statement_ms = str(round(self._options.statement_secs * MS_PER_SEC))
        idle_ms = str(round(self._options.call_deadline_secs * MS_PER_SEC))
        await conn.execute(
            "SELECT set_config('statement_timeout', %s, false), "
            "set_config('idle_in_transaction_session_timeout', %s, false)",
            [statement_ms, idle_ms],
        )

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
            raise StorageError(f"postgresql: no answer within {deadline:g} s")
        return task.result()

    async def _call(self, work: Callable[[Connection], Awaitable[R]]) -> R:
        try:
            if not self._opened:
                await self._pool.open()
                self._opened = True
            async with self._pool.connection() as conn:
                return await work(conn)
        except (psycopg.Error, OSError) as exc:
            raise StorageError(f"postgresql: {type(exc).__name__}: {exc}") from exc

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

    async def migrate(self) -> None:
        """Apply pending migrations, each in its own transaction under an advisory lock."""
        await self._run(_migrate)

    async def close(self) -> None:
        """Close every pooled connection."""
        if self._opened:
            self._opened = False
            await self._pool.close()

    async def put_team(self, team: Team) -> None:
        """Insert or replace a team."""
        await self._execute(_upsert("teams", rows.TEAM_COLUMNS, "id"), rows.team_row(team))

    async def get_team(self, team_id: str) -> Team | None:
        """A team by id."""
        sql = _select("teams", rows.TEAM_COLUMNS) + " WHERE id = %s"
        row = await self._fetchone(sql, [team_id])
        return rows.row_team(row) if row else None

    async def list_teams(self) -> list[Team]:
        """Every team, ordered by id."""
        found = await self._fetchall(_select("teams", rows.TEAM_COLUMNS) + " ORDER BY id", [])
        return [rows.row_team(r) for r in found]

    async def put_user(self, user: User) -> None:
        """Insert or replace a user."""
        await self._execute(_upsert("users", rows.USER_COLUMNS, "id"), rows.user_row(user))

    async def get_user(self, user_id: str) -> User | None:
        """A user by id."""
        sql = _select("users", rows.USER_COLUMNS) + " WHERE id = %s"
        row = await self._fetchone(sql, [user_id])
        return rows.row_user(row) if row else None

    async def list_users(self, team_id: str, after: str, limit: int) -> list[User]:
        """A team's users after ``after``, ordered by id."""
        sql = (
            _select("users", rows.USER_COLUMNS)
            + " WHERE team_id = %s AND id > %s ORDER BY id LIMIT %s"
        )
        return [rows.row_user(r) for r in await self._fetchall(sql, [team_id, after, limit])]

    async def put_bot(self, bot: Bot) -> None:
        """Insert or replace a bot."""
        await self._execute(_upsert("bots", rows.BOT_COLUMNS, "id"), rows.bot_row(bot))

    async def get_bot(self, bot_id: str) -> Bot | None:
        """A bot by id."""
        row = await self._fetchone(_select("bots", rows.BOT_COLUMNS) + " WHERE id = %s", [bot_id])
        return rows.row_bot(row) if row else None

    async def list_bots(self, team_id: str) -> list[Bot]:
        """A team's bots, ordered by id."""
        sql = _select("bots", rows.BOT_COLUMNS) + " WHERE team_id = %s ORDER BY id"
        return [rows.row_bot(r) for r in await self._fetchall(sql, [team_id])]

    async def put_conversation(self, conversation: Conversation) -> None:
        """Insert or update a conversation, keeping its ``last_ts``."""
        sql = _upsert("conversations", rows.CONVERSATION_COLUMNS, "id")
        await self._execute(sql, rows.conversation_row(conversation))

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        """A conversation by id."""
        sql = rows.CONVERSATION_SELECT + " FROM conversations c WHERE c.id = %s"
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
        kind_sql = " OR ".join(rows.KIND_CLAUSES[k] for k in kinds)
        visible = f"(c.is_private = 0 AND c.is_im = 0 AND c.is_mpim = 0 OR {_MEMBER_EXISTS})"
        archived = " AND c.is_archived = 0" if exclude_archived else ""
        sql = (
            f"{rows.CONVERSATION_SELECT} FROM conversations c WHERE c.team_id = %s "
            f"AND c.id > %s AND ({kind_sql}) AND {visible}{archived} ORDER BY c.id LIMIT %s"
        )
        found = await self._fetchall(sql, [team_id, after, viewer, limit])
        return [rows.row_conversation(r) for r in found]

    async def add_members(self, conversation_id: str, user_ids: Sequence[str]) -> list[str]:
        """Add members in one statement; returns those who were not members before."""
        sql = (
            "INSERT INTO members (conversation_id, user_id) SELECT %s, u "
            "FROM unnest(%s::text[]) AS u ON CONFLICT DO NOTHING RETURNING user_id"
        )
        wanted = list(dict.fromkeys(user_ids))
        added = {r[0] for r in await self._fetchall(sql, [conversation_id, wanted])}
        return [u for u in wanted if u in added]

    async def remove_member(self, conversation_id: str, user_id: str) -> bool:
        """Remove a member; returns whether it was one."""
        sql = "DELETE FROM members WHERE conversation_id = %s AND user_id = %s"
        return await self._execute(sql, [conversation_id, user_id]) > 0

    async def is_member(self, conversation_id: str, user_id: str) -> bool:
        """Whether the user is a member."""
        sql = "SELECT 1 FROM members WHERE conversation_id = %s AND user_id = %s"
        return await self._fetchone(sql, [conversation_id, user_id]) is not None

    async def list_members(self, conversation_id: str, after: str, limit: int) -> list[str]:
        """Member ids after ``after``, ordered by id."""
        sql = (
            "SELECT user_id FROM members WHERE conversation_id = %s AND user_id > %s "
            "ORDER BY user_id LIMIT %s"
        )
        return [r[0] for r in await self._fetchall(sql, [conversation_id, after, limit])]

    async def count_members(self, conversation_id: str) -> int:
        """How many members a conversation has."""
        sql = "SELECT COUNT(*) FROM members WHERE conversation_id = %s"
        row = await self._fetchone(sql, [conversation_id])
        return int(row[0])

    async def put_token(self, token: Token) -> None:
        """Insert or replace a token."""
        await self._execute(_upsert("tokens", rows.TOKEN_COLUMNS, "hash"), rows.token_row(token))

    async def get_token(self, token_hash: str) -> Token | None:
        """A token by its keyed hash."""
        sql = _select("tokens", rows.TOKEN_COLUMNS) + " WHERE hash = %s"
        row = await self._fetchone(sql, [token_hash])
        return rows.row_token(row) if row else None

    async def list_tokens(self, team_id: str) -> list[Token]:
        """A team's tokens."""
        sql = _select("tokens", rows.TOKEN_COLUMNS) + " WHERE team_id = %s ORDER BY created, hash"
        return [rows.row_token(r) for r in await self._fetchall(sql, [team_id])]

    async def insert_message(self, message: Message, now: float) -> Message:
        """Store a message under the conversation's next ts.

        The conversation row is locked (``FOR UPDATE``) for the whole transaction, so
        inserts into one conversation, from any process, take their ts one after another.
        """

        async def insert(conn: Connection) -> Message:
            async with conn.transaction():
                cursor = await conn.execute(
                    "SELECT last_ts FROM conversations WHERE id = %s FOR UPDATE",
                    [message.channel],
                )
                row = await cursor.fetchone()
                if row is None:
                    raise StorageError(f"no conversation {message.channel}")
                stored = replace(message, ts=next_ts(row[0], now))
                await conn.execute(_INSERT_MESSAGE, rows.message_row(stored))
                await conn.execute(
                    "UPDATE conversations SET last_ts = %s WHERE id = %s",
                    [stored.ts, stored.channel],
                )
            return stored

        return await self._run(insert)

    async def get_message(self, conversation_id: str, ts: str) -> Message | None:
        """A message by conversation and ts, with its reactions."""
        sql = _MESSAGE_SELECT + " WHERE conversation_id = %s AND ts = %s"
        found = await self._run(
            lambda conn: _messages(conn, conversation_id, sql, [conversation_id, ts])
        )
        return found[0] if found else None

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
            _MESSAGE_SELECT + f" WHERE conversation_id = %s AND ts {low} %s AND ts {high} %s"
            " AND (thread_ts IS NULL OR thread_ts = ts) ORDER BY ts DESC LIMIT %s"
        )
        # ts are compared as fixed-width text, so bounds must be clamped into the ts range.
        bounds = (min(max(m, 0), rows.MAX_TS_MICROS) for m in (oldest_micros, latest_micros))
        oldest, latest = (micros_to_ts(m) for m in bounds)
        params = [conversation_id, oldest, latest, limit]
        return await self._run(lambda conn: _messages(conn, conversation_id, sql, params))

    async def update_message(self, message: Message) -> bool:
        """Replace a message's content, keeping its reactions."""
        row = rows.message_row(message)
        sql = (
            "UPDATE messages SET user_id = %s, bot_id = %s, text = %s, subtype = %s, "
            "thread_ts = %s, edited = %s, extra = %s WHERE conversation_id = %s AND ts = %s"
        )
        return await self._execute(sql, [*row[3:], message.channel, message.ts]) > 0

    async def delete_message(self, conversation_id: str, ts: str) -> Message | None:
        """Delete a message and its reactions in one transaction; returns it as it was.

        ``DELETE ... RETURNING`` makes concurrent deletions of one message return it once.
        """

        async def delete(conn: Connection) -> Message | None:
            key = [conversation_id, ts]
            async with conn.transaction():
                cursor = await conn.execute(_DELETE_MESSAGE, key)
                row = await cursor.fetchone()
                if row is None:
                    return None
                cursor = await conn.execute(
                    "DELETE FROM reactions WHERE conversation_id = %s AND ts = %s "
                    "RETURNING seq, name, user_id",
                    key,
                )
                reactions = sorted(await cursor.fetchall())
            return rows.with_reactions(rows.row_message(row), [(n, u) for _, n, u in reactions])

        return await self._run(delete)

    async def list_thread(
        self, conversation_id: str, thread_ts: str, *, after: str, limit: int
    ) -> list[Message]:
        """The parent and its replies after ``after``, oldest first."""
        sql = (
            _MESSAGE_SELECT + " WHERE conversation_id = %s AND (ts = %s OR thread_ts = %s)"
            " AND ts > %s ORDER BY ts LIMIT %s"
        )
        params = [conversation_id, thread_ts, thread_ts, after, limit]
        return await self._run(lambda conn: _messages(conn, conversation_id, sql, params))

    async def thread_summary(self, conversation_id: str, thread_ts: str) -> ThreadSummary:
        """Count the replies under a parent and list who wrote them."""
        sql = (
            "SELECT user_id, ts FROM messages WHERE conversation_id = %s AND thread_ts = %s "
            "AND ts != %s ORDER BY ts"
        )
        found = await self._fetchall(sql, [conversation_id, thread_ts, thread_ts])
        if not found:
            return ThreadSummary()
        users = list(dict.fromkeys(r[0] for r in found))
        return ThreadSummary(len(found), users, found[-1][1])

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

    async def remove_reaction(self, conversation_id: str, ts: str, name: str, user_id: str) -> bool:
        """Remove a reaction; returns whether there was one."""
        sql = (
            "DELETE FROM reactions WHERE conversation_id = %s AND ts = %s AND name = %s "
            "AND user_id = %s"
        )
        return await self._execute(sql, [conversation_id, ts, name, user_id]) > 0

    async def find_channel_by_name(self, team_id: str, name: str) -> Conversation | None:
        """The team's channel with this name (DMs and group DMs excluded)."""
        sql = (
            f"{rows.CONVERSATION_SELECT} FROM conversations c WHERE c.team_id = %s "
            "AND c.name = %s AND c.is_im = 0 AND c.is_mpim = 0 ORDER BY c.id LIMIT 1"
        )
        row = await self._fetchone(sql, [team_id, name])
        return rows.row_conversation(row) if row else None

    async def find_im(self, team_id: str, user_id: str, other_id: str) -> Conversation | None:
        """The DM whose members are exactly these users."""
        people = sorted({user_id, other_id})
        sql = (
            f"{rows.CONVERSATION_SELECT} FROM conversations c WHERE c.team_id = %s "  # noqa: S608
            f"AND c.is_im = 1 AND {_MEMBER_EXISTS} AND {_MEMBER_EXISTS} AND (SELECT COUNT(*) "
            "FROM members m WHERE m.conversation_id = c.id) = %s ORDER BY c.id LIMIT 1"
        )
        row = await self._fetchone(sql, [team_id, people[0], people[-1], len(people)])
        return rows.row_conversation(row) if row else None


async def _messages(
    conn: Connection, conversation_id: str, sql: str, params: Sequence[Any]
) -> list[Message]:
    """Messages of one conversation from a query, each with its reactions."""
    found = await (await conn.execute(sql, params)).fetchall()
    messages = [rows.row_message(r) for r in found]
    if not messages:
        return messages
    # One range query; ts are fixed-width text in the "C" collation, so it is exact.
    stamps = sorted(m.ts for m in messages)
    cursor = await conn.execute(
        "SELECT ts, name, user_id FROM reactions WHERE conversation_id = %s "
        "AND ts >= %s AND ts <= %s ORDER BY seq",
        [conversation_id, stamps[0], stamps[-1]],
    )
    return rows.with_reaction_rows(messages, await cursor.fetchall())


async def _migrate(conn: Connection) -> None:
    """Apply each pending migration in its own transaction, holding the migration lock.

    ``pg_advisory_xact_lock`` serialises processes migrating one schema at once; it is
    released by the commit, after ``schema_migrations`` records the version.
    """
    for migration in load_migrations(DIALECT):
        async with conn.transaction():
            await conn.execute(
                "SELECT pg_advisory_xact_lock(%s::integer, "
                "hashtext(coalesce(current_schema(), '')))",
                [MIGRATION_LOCK_KEY],
            )
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, name TEXT NOT NULL)"
            )
            cursor = await conn.execute(
                "SELECT 1 FROM schema_migrations WHERE version = %s", [migration.version]
            )
            if await cursor.fetchone():
                continue
            for statement in migration.statements:
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                [migration.version, migration.name],
            )

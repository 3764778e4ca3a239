"""The part of a SQL :class:`~slackline.storage.base.Store` every dialect shares.

:class:`SqlStore` implements each call that is one shared statement (see
:mod:`slackline.storage.sql`) and a row mapping (:mod:`slackline.storage.rows`). A backend
supplies how statements run (a thread, a pool), its :class:`~slackline.storage.sql.Statements`,
and the calls that differ as a whole: migrations, and the writes whose transactions, locks or
upsert forms are the dialect's own.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from slackline.domain.models import Bot, Conversation, Message, Team, Token, User
from slackline.domain.ts import micros_to_ts
from slackline.storage import rows
from slackline.storage.apps import SqlApps
from slackline.storage.base import ThreadSummary
from slackline.storage.emoji import SqlEmoji
from slackline.storage.files import SqlFiles
from slackline.storage.parts import Statement, StorePart
from slackline.storage.pins import SqlPins
from slackline.storage.prefs import SqlPrefs
from slackline.storage.read_state import SqlReadState
from slackline.storage.scheduled import SqlScheduled
from slackline.storage.search import SqlSearch
from slackline.storage.sql import Dialect, Statements
from slackline.storage.stars import SqlStars
from slackline.storage.usergroups import SqlUsergroups
from slackline.storage.web_sessions import SqlWebSessions

# Every data table, in an order that never breaks a foreign key.
CLEARED_TABLES = (
    "reactions", "messages", "members", "tokens", "conversations", "bots", "users", "teams",
)  # fmt: skip


class SqlStore(ABC):
    """Store calls written once over four primitives each backend implements."""

    _sql: Statements

    @abstractmethod
    async def _fetchone(self, sql: str, params: Sequence[Any]) -> Any:
        """The first row of a query, or None."""

    @abstractmethod
    async def _fetchall(self, sql: str, params: Sequence[Any]) -> list[Any]:
        """Every row of a query."""

    @abstractmethod
    async def _execute(self, sql: str, params: Sequence[Any]) -> int:
        """Run one statement; how many rows it changed."""

    @abstractmethod
    async def _messages(
        self, conversation_id: str, sql: str, params: Sequence[Any]
    ) -> list[Message]:
        """Messages of one conversation from a query, with their reactions (one connection)."""

    @abstractmethod
    async def _execute_together(self, statements: Sequence[Statement]) -> list[int]:
        """Run converted statements in one transaction; each one's changed-row count."""

    # SqlRunner, for the store's parts (storage/parts.py)

    @property
    def dialect(self) -> Dialect:
        """The backend's dialect."""
        return self._sql.dialect

    async def fetch_one(self, sql: str, params: Sequence[Any]) -> Any:
        """The first row of a query written with ``?`` marks, or None."""
        return await self._fetchone(self._sql.dialect.convert(sql), params)

    async def fetch_all(self, sql: str, params: Sequence[Any]) -> list[Any]:
        """Every row of a query written with ``?`` marks."""
        return await self._fetchall(self._sql.dialect.convert(sql), params)

    async def execute(self, sql: str, params: Sequence[Any]) -> int:
        """Run one statement written with ``?`` marks; how many rows it changed."""
        return await self._execute(self._sql.dialect.convert(sql), params)

    async def execute_together(self, statements: Sequence[Statement]) -> list[int]:
        """Run statements written with ``?`` marks in one transaction."""
        convert = self._sql.dialect.convert
        return await self._execute_together([(convert(s), p) for s, p in statements])

    def _attach_parts(self) -> None:
        """Build the store's parts over this runner (each backend calls it once)."""
        self.read_state = SqlReadState(self)
        self.scheduled = SqlScheduled(self)
        self.pins = SqlPins(self)
        self.stars = SqlStars(self)
        self.emoji = SqlEmoji(self)
        self.usergroups = SqlUsergroups(self)
        self.prefs = SqlPrefs(self)
        self.files = SqlFiles(self)
        self.search = SqlSearch(self)
        self.web_sessions = SqlWebSessions(self)
        self.apps = SqlApps(self)
        self._parts: tuple[StorePart, ...] = (
            self.read_state,
            self.scheduled,
            self.pins,
            self.stars,
            self.emoji,
            self.usergroups,
            self.prefs,
            self.files,
            self.search,
            self.web_sessions,
            self.apps,
        )

    async def ping(self) -> None:
        """One trivial query: raises StorageError when the database does not answer."""
        await self._fetchone("SELECT 1", [])

    async def clear(self) -> None:
        """Delete every row, children before parents, keeping the schema."""
        tables = [table for part in self._parts for table in part.TABLES]
        for table in (*tables, *CLEARED_TABLES):
            await self._execute(f"DELETE FROM {table}", [])  # noqa: S608 - fixed names

    async def put_team(self, team: Team) -> None:
        """Insert or replace a team."""
        await self._execute(self._sql.put_team, rows.team_row(team))

    async def get_team(self, team_id: str) -> Team | None:
        """A team by id."""
        row = await self._fetchone(self._sql.get_team, [team_id])
        return rows.row_team(row) if row else None

    async def list_teams(self) -> list[Team]:
        """Every team, ordered by id."""
        return [rows.row_team(r) for r in await self._fetchall(self._sql.list_teams, [])]

    async def put_user(self, user: User) -> None:
        """Insert or replace a user."""
        await self._execute(self._sql.put_user, rows.user_row(user))

    async def get_user(self, user_id: str) -> User | None:
        """A user by id."""
        row = await self._fetchone(self._sql.get_user, [user_id])
        return rows.row_user(row) if row else None

    async def list_users(self, team_id: str, after: str, limit: int) -> list[User]:
        """A team's users after ``after``, ordered by id."""
        found = await self._fetchall(self._sql.list_users, [team_id, after, limit])
        return [rows.row_user(r) for r in found]

    async def put_bot(self, bot: Bot) -> None:
        """Insert or replace a bot."""
        await self._execute(self._sql.put_bot, rows.bot_row(bot))

    async def get_bot(self, bot_id: str) -> Bot | None:
        """A bot by id."""
        row = await self._fetchone(self._sql.get_bot, [bot_id])
        return rows.row_bot(row) if row else None

    async def list_bots(self, team_id: str) -> list[Bot]:
        """A team's bots, ordered by id."""
        return [rows.row_bot(r) for r in await self._fetchall(self._sql.list_bots, [team_id])]

    async def put_conversation(self, conversation: Conversation) -> None:
        """Insert or update a conversation, keeping its ``last_ts``."""
        await self._execute(self._sql.put_conversation, rows.conversation_row(conversation))

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        """A conversation by id."""
        row = await self._fetchone(self._sql.get_conversation, [conversation_id])
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
        sql = self._sql.list_conversations(kinds, exclude_archived=exclude_archived)
        found = await self._fetchall(sql, [team_id, after, viewer, limit])
        return [rows.row_conversation(r) for r in found]

    async def remove_member(self, conversation_id: str, user_id: str) -> bool:
        """Remove a member; returns whether it was one."""
        return await self._execute(self._sql.remove_member, [conversation_id, user_id]) > 0

    async def is_member(self, conversation_id: str, user_id: str) -> bool:
        """Whether the user is a member."""
        return await self._fetchone(self._sql.is_member, [conversation_id, user_id]) is not None

    async def list_members(self, conversation_id: str, after: str, limit: int) -> list[str]:
        """Member ids after ``after``, ordered by id."""
        found = await self._fetchall(self._sql.list_members, [conversation_id, after, limit])
        return [r[0] for r in found]

    async def count_members(self, conversation_id: str) -> int:
        """How many members a conversation has."""
        row = await self._fetchone(self._sql.count_members, [conversation_id])
        return int(row[0])

    async def put_token(self, token: Token) -> None:
        """Insert or replace a token."""
        await self._execute(self._sql.put_token, rows.token_row(token))

    async def get_token(self, token_hash: str) -> Token | None:
        """A token by its keyed hash."""
        row = await self._fetchone(self._sql.get_token, [token_hash])
        return rows.row_token(row) if row else None

    async def list_tokens(self, team_id: str) -> list[Token]:
        """A team's tokens."""
        return [rows.row_token(r) for r in await self._fetchall(self._sql.list_tokens, [team_id])]

    async def get_message(self, conversation_id: str, ts: str) -> Message | None:
        """A message by conversation and ts, with its reactions."""
        found = await self._messages(conversation_id, self._sql.get_message, [conversation_id, ts])
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
        """Top-level messages (no thread replies but broadcasts) between oldest and latest,
        newest first."""
        sql = self._sql.list_messages(inclusive=inclusive)
        # ts are compared as fixed-width text, so bounds must be clamped into the ts range.
        bounds = (min(max(m, 0), rows.MAX_TS_MICROS) for m in (oldest_micros, latest_micros))
        oldest, latest = (micros_to_ts(m) for m in bounds)
        return await self._messages(conversation_id, sql, [conversation_id, oldest, latest, limit])

    async def update_message(self, message: Message) -> bool:
        """Replace a message's content, keeping its reactions."""
        content = rows.message_row(message)[3:]
        params = [*content, message.channel, message.ts]
        return await self._execute(self._sql.update_message, params) > 0

    async def list_thread(
        self, conversation_id: str, thread_ts: str, *, after: str, limit: int
    ) -> list[Message]:
        """The parent and its replies after ``after``, oldest first."""
        params = [conversation_id, thread_ts, thread_ts, after, limit]
        return await self._messages(conversation_id, self._sql.list_thread, params)

    async def thread_summary(self, conversation_id: str, thread_ts: str) -> ThreadSummary:
        """Count the replies under a parent and list who wrote them."""
        params = [conversation_id, thread_ts, thread_ts]
        return rows.replies_summary(await self._fetchall(self._sql.thread_replies, params))

    async def replies_under(
        self, conversation_id: str, oldest_parent: str, latest_parent: str
    ) -> dict[str, list[tuple[str, str]]]:
        """The ``(user, ts)`` of the replies under each parent in a ts range, oldest first."""
        params = [conversation_id, oldest_parent, latest_parent]
        found: dict[str, list[tuple[str, str]]] = {}
        for parent, user, ts in await self._fetchall(self._sql.replies_between, params):
            found.setdefault(parent, []).append((user, ts))
        return found

    async def remove_reaction(self, conversation_id: str, ts: str, name: str, user_id: str) -> bool:
        """Remove a reaction; returns whether there was one."""
        params = [conversation_id, ts, name, user_id]
        return await self._execute(self._sql.remove_reaction, params) > 0

    async def find_channel_by_name(self, team_id: str, name: str) -> Conversation | None:
        """The team's channel with this name (DMs and group DMs excluded)."""
        row = await self._fetchone(self._sql.find_channel_by_name, [team_id, name])
        return rows.row_conversation(row) if row else None

    async def find_im(self, team_id: str, user_id: str, other_id: str) -> Conversation | None:
        """The DM whose members are exactly these users."""
        people = sorted({user_id, other_id})
        params = [team_id, people[0], people[-1], len(people)]
        row = await self._fetchone(self._sql.find_im, params)
        return rows.row_conversation(row) if row else None

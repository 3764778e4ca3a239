"""The storage interface every backend implements; one contract suite tests them all.

Every method may raise :class:`slackline.errors.StorageError` when the backend fails.
Listing methods use keyset pagination: ``after`` is the last id (or ts) of the previous
page, and ``limit`` the most rows to return.

Messages read from a store carry their reactions in ``extra["reactions"]`` (Slack's
``[{"name", "users", "count"}]``, in the order they were added); writing a message ignores
that key, since reactions change only through :meth:`Store.add_reaction` and
:meth:`Store.remove_reaction`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from slackline.domain.models import Bot, Conversation, Message, Team, Token, User
from slackline.storage.apps import AppsReader, AppsStore
from slackline.storage.emoji import EmojiReader, EmojiStore
from slackline.storage.files import FilesReader, FilesStore
from slackline.storage.pins import PinsReader, PinsStore
from slackline.storage.prefs import PrefsReader, PrefsStore
from slackline.storage.read_state import ReadStateReader, ReadStateStore
from slackline.storage.scheduled import ScheduledReader, ScheduledStore
from slackline.storage.search import SearchReader, SearchStore
from slackline.storage.stars import StarsReader, StarsStore
from slackline.storage.usergroups import UsergroupsReader, UsergroupsStore
from slackline.storage.web_sessions import WebSessionsReader, WebSessionsStore

# A ``limit`` meaning "every row", for listings the caller needs whole.
ALL_ROWS = 1_000_000


@dataclass(frozen=True, slots=True)
class ThreadSummary:
    """The replies under a thread's parent: how many, who replied (first reply first), latest."""

    reply_count: int = 0
    reply_users: list[str] = field(default_factory=list)
    latest_reply: str | None = None


class StoreReader(Protocol):
    """The read-only half of :class:`Store`: what Web API handlers may call directly.

    Handlers read through this view and change nothing themselves: every write goes through a
    service, which commits and then publishes (docs/architecture.md, "Who may touch storage").
    """

    @property
    def read_state(self) -> ReadStateReader:
        """Read marks and open flags per member: ``last_read`` of each conversation and (read)."""
        ...

    @property
    def scheduled(self) -> ScheduledReader:
        """Messages scheduled for later (read)."""
        ...

    @property
    def pins(self) -> PinsReader:
        """Pinned messages per conversation (``pins.*``) (read)."""
        ...

    @property
    def stars(self) -> StarsReader:
        """Starred items per user (``stars.*``) (read)."""
        ...

    @property
    def emoji(self) -> EmojiReader:
        """A team's custom emoji (``emoji.list``): names, image URLs and aliases (read)."""
        ...

    @property
    def usergroups(self) -> UsergroupsReader:
        """User groups and their members (``usergroups.*``) (read)."""
        ...

    @property
    def prefs(self) -> PrefsReader:
        """Per-user preferences and do-not-disturb state (``users.prefs.*``, ``dnd.*``) (read)."""
        ...

    @property
    def files(self) -> FilesReader:
        """File metadata and where files are shared (read)."""
        ...

    @property
    def search(self) -> SearchReader:
        """Full-text search over messages (read)."""
        ...

    @property
    def web_sessions(self) -> WebSessionsReader:
        """People's password hashes and web sessions (read)."""
        ...

    @property
    def apps(self) -> AppsReader:
        """Apps, their installations and OAuth codes (read)."""
        ...

    async def get_team(self, team_id: str) -> Team | None:
        """A team by id."""
        ...

    async def list_teams(self) -> list[Team]:
        """Every team, ordered by id."""
        ...

    async def get_user(self, user_id: str) -> User | None:
        """A user by id."""
        ...

    async def list_users(self, team_id: str, after: str, limit: int) -> list[User]:
        """A team's users with ids after ``after``, ordered by id."""
        ...

    async def get_bot(self, bot_id: str) -> Bot | None:
        """A bot by id."""
        ...

    async def list_bots(self, team_id: str) -> list[Bot]:
        """A team's bots, ordered by id."""
        ...

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        """A conversation by id."""
        ...

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
        """Conversations of the given kinds the viewer may see, ordered by id.

        Public channels are visible to everyone in the team; private channels, DMs and
        group DMs only to their members.
        """
        ...

    async def is_member(self, conversation_id: str, user_id: str) -> bool:
        """Whether the user is a member of the conversation."""
        ...

    async def list_members(self, conversation_id: str, after: str, limit: int) -> list[str]:
        """Member user ids after ``after``, ordered by id."""
        ...

    async def count_members(self, conversation_id: str) -> int:
        """How many members a conversation has."""
        ...

    async def get_token(self, token_hash: str) -> Token | None:
        """A token by its keyed hash."""
        ...

    async def list_tokens(self, team_id: str) -> list[Token]:
        """A team's tokens."""
        ...

    async def get_message(self, conversation_id: str, ts: str) -> Message | None:
        """A message by conversation and ts."""
        ...

    async def list_messages(
        self,
        conversation_id: str,
        *,
        oldest_micros: int,
        latest_micros: int,
        inclusive: bool,
        limit: int,
    ) -> list[Message]:
        """Top-level messages between ``oldest`` and ``latest``, newest first, at most ``limit``.

        Thread replies are left out (they are listed by ``list_thread``), except those also
        sent to the channel (subtype ``thread_broadcast``); a thread's parent stays.
        """
        ...

    async def list_thread(
        self, conversation_id: str, thread_ts: str, *, after: str, limit: int
    ) -> list[Message]:
        """A thread oldest first: its parent (``ts == thread_ts``) and its replies, with
        ``ts`` after ``after`` ("" for the start), at most ``limit``."""
        ...

    async def thread_summary(self, conversation_id: str, thread_ts: str) -> ThreadSummary:
        """The replies under a parent message (the parent itself not counted)."""
        ...

    async def replies_under(
        self, conversation_id: str, oldest_parent: str, latest_parent: str
    ) -> dict[str, list[tuple[str, str]]]:
        """The replies under every parent whose ts is between ``oldest_parent`` and
        ``latest_parent`` (both included): ``{parent ts: [(user, ts), ...]}``, oldest first;
        parents without replies are absent. One query for a whole page of history."""
        ...

    async def find_channel_by_name(self, team_id: str, name: str) -> Conversation | None:
        """The team's channel (public or private, not a DM or group DM) with this name."""
        ...

    async def find_im(self, team_id: str, user_id: str, other_id: str) -> Conversation | None:
        """The team's DM between exactly these two users (one user: their self-DM)."""
        ...


class Store(StoreReader, Protocol):
    """Durable workspace state: teams, users, bots, conversations, members, tokens, messages."""

    @property
    def read_state(self) -> ReadStateStore:
        """Read marks and open flags per member: ``last_read`` of each conversation and."""
        ...

    @property
    def scheduled(self) -> ScheduledStore:
        """Messages scheduled for later (``chat.scheduleMessage``), posted when the clock says."""
        ...

    @property
    def pins(self) -> PinsStore:
        """Pinned messages per conversation (``pins.*``)."""
        ...

    @property
    def stars(self) -> StarsStore:
        """Starred items per user (``stars.*``)."""
        ...

    @property
    def emoji(self) -> EmojiStore:
        """A team's custom emoji (``emoji.list``): names, image URLs and aliases."""
        ...

    @property
    def usergroups(self) -> UsergroupsStore:
        """User groups and their members (``usergroups.*``)."""
        ...

    @property
    def prefs(self) -> PrefsStore:
        """Per-user preferences and do-not-disturb state (``users.prefs.*``, ``dnd.*``)."""
        ...

    @property
    def files(self) -> FilesStore:
        """File metadata and where files are shared (``files.*``); the bytes are in a blob store."""
        ...

    @property
    def search(self) -> SearchStore:
        """Full-text search over messages."""
        ...

    @property
    def web_sessions(self) -> WebSessionsStore:
        """People's password hashes and web sessions (sign-in)."""
        ...

    @property
    def apps(self) -> AppsStore:
        """Apps, their installations, the tokens installs issued and OAuth codes."""
        ...

    async def migrate(self) -> None:
        """Apply every numbered migration not yet applied; safe to run concurrently."""
        ...

    async def close(self) -> None:
        """Release connections and threads."""
        ...

    async def clear(self) -> None:
        """Delete every row, keeping the schema: the test toolkit's per-test reset."""
        ...

    async def ping(self) -> None:
        """Raise :class:`slackline.errors.StorageError` unless the database answers."""
        ...

    async def put_team(self, team: Team) -> None:
        """Insert or replace a team."""
        ...

    async def put_user(self, user: User) -> None:
        """Insert or replace a user."""
        ...

    async def put_bot(self, bot: Bot) -> None:
        """Insert or replace a bot."""
        ...

    async def put_conversation(self, conversation: Conversation) -> None:
        """Insert or replace a conversation (its members and messages are kept)."""
        ...

    async def add_members(self, conversation_id: str, user_ids: Sequence[str]) -> list[str]:
        """Add members; returns the ids that were not members before."""
        ...

    async def remove_member(self, conversation_id: str, user_id: str) -> bool:
        """Remove a member; returns whether it was one."""
        ...

    async def put_token(self, token: Token) -> None:
        """Insert or replace a token (stored by its keyed hash only)."""
        ...

    async def insert_message(self, message: Message, now: float) -> Message:
        """Store a new message, assigning it the conversation's next ``ts`` atomically.

        The ``ts`` of ``message`` is ignored; the stored message is returned. The write is
        committed durably before this returns.
        """
        ...

    async def update_message(self, message: Message) -> bool:
        """Replace a stored message's content (text, subtype, edited, extra); returns whether
        it existed. Its reactions are kept."""
        ...

    async def delete_message(self, conversation_id: str, ts: str) -> Message | None:
        """Delete a message and its reactions; returns it as it was, or None if missing."""
        ...

    async def add_reaction(self, conversation_id: str, ts: str, name: str, user_id: str) -> bool:
        """Add a user's reaction to an existing message; False if the message is missing or
        the user already reacted with that name."""
        ...

    async def remove_reaction(self, conversation_id: str, ts: str, name: str, user_id: str) -> bool:
        """Remove a user's reaction; returns whether there was one."""
        ...

"""The workspace's nouns, as stored and as the services pass them around."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class TeamState(enum.StrEnum):
    """A team's lifecycle state (workspace file ``state``)."""

    ACTIVE = "active"
    MIGRATING = "migrating"
    ADDED_TO_ORG = "added_to_org"
    ORG_LOGIN_REQUIRED = "org_login_required"
    DELETED = "deleted"


class TokenType(enum.StrEnum):
    """Token kinds of decisions B.2."""

    CLASSIC_BOT = "classic_bot"
    USER = "user"
    GRANULAR_BOT = "granular_bot"
    APP = "app"
    WORKSPACE = "workspace"
    ORG = "org"


DEFAULT_SCOPES: dict[TokenType, tuple[str, ...]] = {
    TokenType.CLASSIC_BOT: ("identify", "bot:basic"),
    TokenType.USER: ("client",),
}

BOT_TOKEN_TYPES = frozenset({TokenType.CLASSIC_BOT, TokenType.GRANULAR_BOT})


@dataclass(frozen=True, slots=True)
class Team:
    """A workspace."""

    id: str
    name: str
    domain: str
    enterprise_id: str | None = None
    enterprise_name: str | None = None
    state: TeamState = TeamState.ACTIVE
    ekm_revoked: bool = False
    require_2fa: bool = False
    allowed_networks: tuple[str, ...] = ()
    rtm_denied: tuple[str, ...] = ()
    email_domain: str = ""
    created: int = 0


@dataclass(frozen=True, slots=True)
class User:
    """A member of a team; bot users have ``is_bot`` and ``bot_id``."""

    id: str
    team_id: str
    name: str
    real_name: str = ""
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    bot_id: str | None = None
    has_2fa: bool = False
    deleted: bool = False
    tz: str = "America/Los_Angeles"
    profile: dict[str, Any] = field(default_factory=dict)
    manual_away: bool = False
    updated: int = 0


@dataclass(frozen=True, slots=True)
class Bot:
    """A bot integration and the user it acts as."""

    id: str
    team_id: str
    user_id: str
    name: str
    deleted: bool = False
    updated: int = 0


@dataclass(frozen=True, slots=True)
class Conversation:
    """A channel, private channel, DM (``is_im``) or group DM (``is_mpim``).

    ``topic_creator``/``topic_last_set`` (and the purpose's) say who set the text last and
    when (``conversations.setTopic``); empty and 0 for a text declared in a workspace file.
    """

    id: str
    team_id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    is_general: bool = False
    is_archived: bool = False
    creator: str = ""
    created: int = 0
    topic: str = ""
    purpose: str = ""
    im_user: str | None = None
    topic_creator: str = ""
    topic_last_set: int = 0
    purpose_creator: str = ""
    purpose_last_set: int = 0

    @property
    def kind(self) -> str:
        """The ``types`` name conversations.list filters on."""
        if self.is_im:
            return "im"
        if self.is_mpim:
            return "mpim"
        return "private_channel" if self.is_private else "public_channel"


@dataclass(frozen=True, slots=True)
class Token:
    """A token as stored: only its keyed hash, never its text."""

    hash: str
    team_id: str
    user_id: str
    type: TokenType
    scopes: tuple[str, ...]
    revoked: bool = False
    expires_at: float | None = None
    allowed_networks: tuple[str, ...] = ()
    created_after_2021_11_30: bool = False
    created: int = 0

    @property
    def is_bot(self) -> bool:
        """Whether this is a bot token (xoxb)."""
        return self.type in BOT_TOKEN_TYPES


@dataclass(frozen=True, slots=True)
class Identity:
    """What a token resolves to: the token, its team, its user and (for bots) the bot."""

    token: Token
    team: Team
    user: User
    bot: Bot | None


@dataclass(frozen=True, slots=True)
class Message:
    """A message in a conversation, identified by ``(channel, ts)``."""

    channel: str
    ts: str
    team_id: str
    user: str
    text: str
    bot_id: str | None = None
    subtype: str | None = None
    thread_ts: str | None = None
    edited: dict[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a cursor-paginated listing; ``next_cursor`` is empty on the last page."""

    items: list[T]
    next_cursor: str = ""

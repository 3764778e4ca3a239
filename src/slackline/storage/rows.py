"""Mapping between domain models and table rows, shared by every SQL backend.

Column order here is the order of the ``*_COLUMNS`` tuples; lists and objects are JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from slackline.domain.models import (
    Bot,
    Conversation,
    Message,
    Team,
    TeamState,
    Token,
    TokenType,
    User,
)
from slackline.storage.base import ThreadSummary

TEAM_COLUMNS = (
    "id", "name", "domain", "enterprise_id", "enterprise_name", "state", "ekm_revoked",
    "require_2fa", "allowed_networks", "rtm_denied", "email_domain", "created",
)  # fmt: skip
USER_COLUMNS = (
    "id", "team_id", "name", "real_name", "is_admin", "is_owner", "is_bot", "bot_id",
    "has_2fa", "deleted", "tz", "profile", "manual_away", "updated",
)  # fmt: skip
BOT_COLUMNS = ("id", "team_id", "user_id", "name", "deleted", "updated")
CONVERSATION_COLUMNS = (
    "id", "team_id", "name", "is_private", "is_im", "is_mpim", "is_general", "is_archived",
    "creator", "created", "topic", "purpose", "im_user", "topic_creator", "topic_last_set",
    "purpose_creator", "purpose_last_set",
)  # fmt: skip
TOKEN_COLUMNS = (
    "hash", "team_id", "user_id", "type", "scopes", "revoked", "expires_at",
    "allowed_networks", "created_after_2021_11_30", "created",
)  # fmt: skip
MESSAGE_COLUMNS = (
    "conversation_id", "ts", "team_id", "user_id", "bot_id", "text", "subtype",
    "thread_ts", "edited", "extra",
)  # fmt: skip

Row = Sequence[Any]
# The largest ts, 9999999999.999999, in microseconds; ts compare as fixed-width text.
MAX_TS_MICROS = 9_999_999_999_999_999
# Messages carry their reactions under Slack's key, in ``extra``.
REACTIONS_KEY = "reactions"


def _dump(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def team_row(team: Team) -> tuple[Any, ...]:
    """A team as a row."""
    return (
        team.id, team.name, team.domain, team.enterprise_id, team.enterprise_name,
        team.state.value, int(team.ekm_revoked), int(team.require_2fa),
        _dump(list(team.allowed_networks)), _dump(list(team.rtm_denied)), team.email_domain,
        team.created,
    )  # fmt: skip


def row_team(row: Row) -> Team:
    """A row as a team."""
    return Team(
        id=row[0], name=row[1], domain=row[2], enterprise_id=row[3], enterprise_name=row[4],
        state=TeamState(row[5]), ekm_revoked=bool(row[6]), require_2fa=bool(row[7]),
        allowed_networks=tuple(json.loads(row[8])), rtm_denied=tuple(json.loads(row[9])),
        email_domain=row[10], created=row[11],
    )  # fmt: skip


def user_row(user: User) -> tuple[Any, ...]:
    """A user as a row."""
    return (
        user.id, user.team_id, user.name, user.real_name, int(user.is_admin),
        int(user.is_owner), int(user.is_bot), user.bot_id, int(user.has_2fa), int(user.deleted),
        user.tz, _dump(user.profile), int(user.manual_away), user.updated,
    )  # fmt: skip


def row_user(row: Row) -> User:
    """A row as a user."""
    return User(
        id=row[0], team_id=row[1], name=row[2], real_name=row[3], is_admin=bool(row[4]),
        is_owner=bool(row[5]), is_bot=bool(row[6]), bot_id=row[7], has_2fa=bool(row[8]),
        deleted=bool(row[9]), tz=row[10], profile=json.loads(row[11]),
        manual_away=bool(row[12]), updated=row[13],
    )  # fmt: skip


def bot_row(bot: Bot) -> tuple[Any, ...]:
    """A bot as a row."""
    return (bot.id, bot.team_id, bot.user_id, bot.name, int(bot.deleted), bot.updated)


def row_bot(row: Row) -> Bot:
    """A row as a bot."""
    return Bot(row[0], row[1], row[2], row[3], bool(row[4]), row[5])


def conversation_row(conversation: Conversation) -> tuple[Any, ...]:
    """A conversation as a row."""
    c = conversation
    return (
        c.id, c.team_id, c.name, int(c.is_private), int(c.is_im), int(c.is_mpim),
        int(c.is_general), int(c.is_archived), c.creator, c.created, c.topic, c.purpose,
        c.im_user, c.topic_creator, c.topic_last_set, c.purpose_creator, c.purpose_last_set,
    )  # fmt: skip


def row_conversation(row: Row) -> Conversation:
    """A row as a conversation."""
    return Conversation(
        id=row[0], team_id=row[1], name=row[2], is_private=bool(row[3]), is_im=bool(row[4]),
        is_mpim=bool(row[5]), is_general=bool(row[6]), is_archived=bool(row[7]),
        creator=row[8], created=row[9], topic=row[10], purpose=row[11], im_user=row[12],
        topic_creator=row[13], topic_last_set=row[14], purpose_creator=row[15],
        purpose_last_set=row[16],
    )  # fmt: skip


def token_row(token: Token) -> tuple[Any, ...]:
    """A token as a row."""
    t = token
    return (
        t.hash, t.team_id, t.user_id, t.type.value, _dump(list(t.scopes)), int(t.revoked),
        t.expires_at, _dump(list(t.allowed_networks)), int(t.created_after_2021_11_30),
        t.created,
    )  # fmt: skip


def row_token(row: Row) -> Token:
    """A row as a token."""
    return Token(
        hash=row[0], team_id=row[1], user_id=row[2], type=TokenType(row[3]),
        scopes=tuple(json.loads(row[4])), revoked=bool(row[5]), expires_at=row[6],
        allowed_networks=tuple(json.loads(row[7])), created_after_2021_11_30=bool(row[8]),
        created=row[9],
    )  # fmt: skip


def message_row(message: Message) -> tuple[Any, ...]:
    """A message as a row; ``reactions`` in ``extra`` are read from their table, never stored."""
    m = message
    edited = _dump(m.edited) if m.edited is not None else None
    extra = {k: v for k, v in m.extra.items() if k != REACTIONS_KEY}
    return (
        m.channel, m.ts, m.team_id, m.user, m.bot_id, m.text, m.subtype, m.thread_ts, edited,
        _dump(extra),
    )  # fmt: skip


def row_message(row: Row) -> Message:
    """A row as a message."""
    return Message(
        channel=row[0], ts=row[1], team_id=row[2], user=row[3], bot_id=row[4], text=row[5],
        subtype=row[6], thread_ts=row[7], edited=json.loads(row[8]) if row[8] else None,
        extra=json.loads(row[9]),
    )  # fmt: skip


def with_reactions(message: Message, reactions: Sequence[tuple[str, str]]) -> Message:
    """The message with ``(name, user)`` pairs, in the order added, as Slack's ``reactions``.

    Each emoji is ``{"name", "users", "count"}``, emojis in the order first used.
    """
    if not reactions:
        return message
    users: dict[str, list[str]] = {}
    for name, user in reactions:
        users.setdefault(name, []).append(user)
    summary = [{"name": n, "users": u, "count": len(u)} for n, u in users.items()]
    return replace(message, extra={**message.extra, REACTIONS_KEY: summary})


def with_reaction_rows(
    messages: Sequence[Message], reactions: Sequence[tuple[str, str, str]]
) -> list[Message]:
    """Messages with their reactions, from ``(ts, name, user)`` rows in the order added."""
    by_ts: dict[str, list[tuple[str, str]]] = {}
    for ts, name, user in reactions:
        by_ts.setdefault(ts, []).append((name, user))
    return [with_reactions(m, by_ts.get(m.ts, ())) for m in messages]


def ts_span(messages: Sequence[Message]) -> tuple[str, str]:
    """The first and last ts of a non-empty page of messages, in any order."""
    stamps = sorted(m.ts for m in messages)
    return stamps[0], stamps[-1]


def replies_summary(replies: Sequence[Row]) -> ThreadSummary:
    """A thread's summary from its replies' ``(user_id, ts)`` rows, oldest first."""
    if not replies:
        return ThreadSummary()
    users = list(dict.fromkeys(r[0] for r in replies))
    return ThreadSummary(len(replies), users, replies[-1][1])

"""A member's read state in a conversation, and the rules of unread counts (pure).

``last_read`` is the ts the member has read up to (``conversations.mark``); a member who
never marked has read nothing (:data:`NO_READ_TS`). DMs and group DMs are also open or
closed per member (``conversations.open``/``close``); a member never closed them is open.

Unread messages are other people's top-level messages after ``last_read`` that are not
hidden (thread replies do not count; a reply also sent to the channel does).
``unread_count`` counts them all; ``unread_count_display`` leaves out system messages
(joins, leaves, topics …), keeping plain messages and :data:`DISPLAYED_SUBTYPES`; mentions
are the unread messages that name the member (``<@U…>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slackline.domain.models import Conversation

NO_READ_TS = "0000000000.000000"
# Subtypes that count toward ``unread_count_display`` (besides messages without a subtype).
DISPLAYED_SUBTYPES = ("bot_message", "me_message", "thread_broadcast", "file_share")
# A thread reply that is also shown in the channel: it counts as a top-level message.
BROADCAST_SUBTYPE = "thread_broadcast"


@dataclass(frozen=True, slots=True)
class ReadState:
    """One member's read marker, open flag and unread counts in one conversation."""

    last_read: str = NO_READ_TS
    is_open: bool = True
    unread_count: int = 0
    unread_count_display: int = 0
    mention_count: int = 0


def mention_patterns(user_id: str) -> tuple[str, str]:
    """The two ``LIKE`` patterns of a message text that mentions the user."""
    return f"%<@{user_id}>%", f"%<@{user_id}|%"


def marked_type(conversation: Conversation) -> str:
    """The event a read marker move sends: ``channel_marked``, ``group_marked``,
    ``im_marked`` or ``mpim_marked``."""
    if conversation.is_im:
        return "im_marked"
    if conversation.is_mpim:
        return "mpim_marked"
    return "group_marked" if conversation.is_private else "channel_marked"


def marked_event(
    conversation: Conversation, ts: str, state: ReadState, event_ts: str
) -> dict[str, Any]:
    """The ``*_marked`` event, with the counts as they are after the move."""
    event: dict[str, Any] = {
        "type": marked_type(conversation),
        "channel": conversation.id,
        "ts": ts,
        "unread_count": state.unread_count,
        "unread_count_display": state.unread_count_display,
        "num_mentions": state.mention_count,
        "num_mentions_display": state.mention_count,
        "mention_count": state.mention_count,
        "mention_count_display": state.mention_count,
    }
    if conversation.is_im or conversation.is_mpim:
        event["dm_count"] = state.unread_count_display
    event["event_ts"] = event_ts
    return event


def read_fields(state: ReadState) -> dict[str, Any]:
    """``last_read``, ``unread_count`` and ``unread_count_display`` of a member's view."""
    return {
        "last_read": state.last_read,
        "unread_count": state.unread_count,
        "unread_count_display": state.unread_count_display,
    }


def open_event_type(conversation: Conversation, *, is_open: bool) -> str:
    """``im_open``/``im_close`` for DMs, ``mpim_open``/``mpim_close`` for group DMs."""
    kind = "im" if conversation.is_im else "mpim"
    return f"{kind}_{'open' if is_open else 'close'}"

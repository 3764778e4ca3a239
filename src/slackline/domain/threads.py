"""Threads as Slack shows them (pure): a parent's reply summary, whether the caller follows
the thread, and where a reply points.

A thread is a parent message and the replies whose ``thread_ts`` is the parent's ``ts``. A
reply sent to the channel as well (``reply_broadcast``) is stored once, with the subtype
:data:`BROADCAST_SUBTYPE`: it counts as a reply and is also listed in the channel's history.

A parent with replies carries ``thread_ts`` (its own ``ts``), ``reply_count``,
``reply_users_count``, ``latest_reply``, ``reply_users`` (first replier first) and
``is_locked``; shown to a caller it also carries ``subscribed`` and, when subscribed,
``last_read`` and ``unread_count``. Slackline keeps no thread subscriptions or thread read
marks: a caller follows the threads they started or replied in, as Slack subscribes them,
and has read a thread up to their own latest message in it (docs/web-api-messages.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slackline.domain.models import Message

BROADCAST_SUBTYPE = "thread_broadcast"
REPLIED_SUBTYPE = "message_replied"
# (user id, ts) of one reply.
Reply = tuple[str, str]


def is_reply(message: Message) -> bool:
    """Whether the message is a reply in another message's thread."""
    return message.thread_ts is not None and message.thread_ts != message.ts


def thread_root(message: Message) -> str:
    """The ts of the thread the message belongs to (its own when it is not a reply)."""
    return message.thread_ts if message.thread_ts else message.ts


def parent_fields(
    parent: Message, replies: Sequence[Reply], viewer: str | None = None
) -> dict[str, Any]:
    """The keys a parent with replies gains (none when it has no replies); with a viewer,
    also whether they follow the thread and how far they have read it."""
    if not replies:
        return {}
    users = list(dict.fromkeys(user for user, _ in replies))
    fields: dict[str, Any] = {
        "thread_ts": parent.ts,
        "reply_count": len(replies),
        "reply_users_count": len(users),
        "latest_reply": replies[-1][1],
        "reply_users": users,
        "is_locked": False,
    }
    if viewer is None:
        return fields
    own = [ts for user, ts in replies if user == viewer]
    subscribed = bool(own) or parent.user == viewer
    fields["subscribed"] = subscribed
    if subscribed:
        last_read = own[-1] if own else parent.ts
        fields["last_read"] = last_read
        fields["unread_count"] = sum(1 for user, ts in replies if ts > last_read and user != viewer)
    return fields


def replied_event(channel: str, parent: dict[str, Any], stamp: str) -> dict[str, Any]:
    """``message_replied``: the parent's new state, hidden bookkeeping for the members."""
    return {
        "type": "message",
        "subtype": REPLIED_SUBTYPE,
        "hidden": True,
        "channel": channel,
        "message": parent,
        "ts": stamp,
        "event_ts": stamp,
    }

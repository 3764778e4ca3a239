"""What the conversation-changing services share: audiences, event times and notices.

The audience of an event is computed where the event is made. Public channels announce
their life (created, renamed, archived) to the whole team; private channels, DMs and group
DMs only to their members, so a non-member never learns they exist
(:func:`slackline.domain.access.lifecycle_audience`).
"""

from __future__ import annotations

from slackline.clock import Clock
from slackline.domain.access import is_public_channel
from slackline.domain.models import Conversation, Message, User
from slackline.domain.ts import micros_to_ts
from slackline.storage.base import ALL_ROWS, Store

_MICROS_PER_SEC = 1_000_000


def event_prefix(conversation: Conversation) -> str:
    """``channel`` for public channels, ``group`` for private ones (``channel_joined`` …)."""
    return "channel" if is_public_channel(conversation) else "group"


def channel_type(conversation: Conversation) -> str:
    """``member_joined_channel``'s ``channel_type``: ``C`` public, ``G`` private."""
    return "C" if is_public_channel(conversation) else "G"


async def member_ids(store: Store, conversation_id: str) -> frozenset[str]:
    """Every member of a conversation."""
    return frozenset(await store.list_members(conversation_id, "", ALL_ROWS))


def event_ts(clock: Clock) -> str:
    """The current time as a ts, for ``event_ts`` and ``edited.ts``."""
    return micros_to_ts(int(clock.now() * _MICROS_PER_SEC))


def mention(user: User) -> str:
    """``<@U…|name>``, as Slack writes users into system messages."""
    return f"<@{user.id}|{user.name}>"


def notice(
    conversation: Conversation,
    user: User,
    subtype: str,
    text: str,
    **extra: str,
) -> Message:
    """A system message (``channel_join``, ``channel_leave`` …) to store and deliver."""
    return Message(
        channel=conversation.id,
        ts="",
        team_id=conversation.team_id,
        user=user.id,
        text=text,
        subtype=subtype,
        extra=dict(extra),
    )

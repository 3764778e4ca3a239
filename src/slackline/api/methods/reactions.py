"""``reactions.add``, ``reactions.remove`` and ``reactions.get`` on messages.

The message is named by ``channel`` and ``timestamp``; neither is ``no_item_specified``, a
``timestamp`` that is not a ts is ``bad_timestamp``, a missing message
``message_not_found``. Files are not supported (``no_item_specified``). Any well-formed emoji
name is accepted, known to ``emoji.list`` or not; a name with surrounding colons is taken
without them. ``reactions.get`` always lists every reacting user. ``reactions.list`` shows
the messages the caller (or ``user``) reacted to, by their latest reaction, the newest
first, only where the caller can see them (a page may then hold fewer items than
``limit``). Events: :mod:`slackline.services.reactions`.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from slackline.api.call import Call
from slackline.api.methods.common import workspace_url
from slackline.api.methods.conversations import visible_conversation
from slackline.api.methods.stars import seq_paged
from slackline.api.registry import MethodSpec
from slackline.domain.models import Conversation, Message
from slackline.domain.pins import permalink
from slackline.domain.ratelimit import Tier
from slackline.domain.shapes import message_object
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.reactions import reaction_name
from slackline.storage.stars import ReactedMessage


async def reacted_message(call: Call) -> tuple[Conversation, Message]:
    """The visible conversation and the message that ``channel`` and ``timestamp`` name."""
    channel, timestamp = call.args.text("channel"), call.args.text("timestamp")
    if not channel or not timestamp:
        raise SlackError(SlackErrorCode.NO_ITEM_SPECIFIED)
    conversation, _ = await visible_conversation(call, channel)
    access = call.services.access
    message = await access.message(conversation, timestamp, malformed=SlackErrorCode.BAD_TIMESTAMP)
    return conversation, message


async def reactions_add(call: Call) -> dict[str, Any]:
    """Add the caller's reaction ``name``; announces ``reaction_added``."""
    conversation, message = await reacted_message(call)
    name = reaction_name(call.args.text("name"))
    if conversation.is_archived:
        raise SlackError(SlackErrorCode.IS_ARCHIVED)
    await call.services.reactions.add(message, call.identity.user.id, name)
    return {}


async def reactions_remove(call: Call) -> dict[str, Any]:
    """Remove the caller's reaction ``name``; announces ``reaction_removed``."""
    _, message = await reacted_message(call)
    name = reaction_name(call.args.text("name"))
    await call.services.reactions.remove(message, call.identity.user.id, name)
    return {}


async def reactions_get(call: Call) -> dict[str, Any]:
    """The message with its ``reactions``."""
    conversation, message = await reacted_message(call)
    return {"type": "message", "channel": conversation.id, "message": message_object(message)}


REACTIONS_CURSOR = "reactions"


async def _shown_reactions(call: Call, rows: list[ReactedMessage]) -> list[dict[str, Any]]:
    """The reacted messages the caller can see, as ``reactions.list`` items."""
    team_id, me = call.identity.team.id, call.identity.user.id
    access, reads = call.services.access, call.services.reads
    url = workspace_url(call, call.identity.team)
    items = []
    for row in rows:
        try:
            await access.visible(team_id, me, row.channel)
        except SlackError:
            continue  # a conversation the caller cannot see
        message = await reads.get_message(row.channel, row.ts)
        if message is not None:
            shown = {**message_object(message), "permalink": permalink(url, row.channel, row.ts)}
            items.append({"type": "message", "channel": row.channel, "message": shown})
    return items


async def reactions_list(call: Call) -> dict[str, Any]:
    """The messages ``user`` (the caller by default) reacted to that the caller can see.

    Paged with a cursor, or by number with ``page`` (and no ``cursor``), as ``stars.list``.
    """
    identity = call.identity
    team_id, me = identity.team.id, identity.user.id
    access, reads = call.services.access, call.services.reads
    user = await access.team_user(team_id, call.args.text("user") or me)

    def fetch(before: int, limit: int) -> Awaitable[list[ReactedMessage]]:
        return reads.stars.reacted_messages(team_id, user.id, before_seq=before, limit=limit)

    return await seq_paged(call, REACTIONS_CURSOR, fetch, _shown_reactions)


_WRITE_SCOPES = ("reactions:write",)
METHODS = [
    MethodSpec("reactions.add", reactions_add, Tier.TIER_3, _WRITE_SCOPES),
    MethodSpec("reactions.remove", reactions_remove, Tier.TIER_2, _WRITE_SCOPES),
    MethodSpec(
        "reactions.get",
        reactions_get,
        Tier.TIER_3,
        ("reactions:read",),
        bool_args=("full",),
        publishes=False,
    ),
    MethodSpec(
        "reactions.list",
        reactions_list,
        Tier.TIER_2,
        ("reactions:read",),
        bool_args=("full",),
        publishes=False,
    ),
]

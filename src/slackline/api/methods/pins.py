"""``pins.add``, ``pins.remove``, ``pins.list``.

A message is named by ``channel`` and ``timestamp``. The channel must be visible to the
caller (``channel_not_found`` otherwise, private ones included, so non-members never learn
they exist); pinning and unpinning need membership (``not_in_channel``), pinning an
unarchived conversation (``is_archived``); listing needs only visibility, as history does.
Files are not supported: without ``timestamp`` the answer is ``no_item_specified``. Events:
:mod:`slackline.services.pins`.
"""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call
from slackline.api.methods.common import workspace_url
from slackline.api.registry import MethodSpec
from slackline.domain.models import Conversation, Message
from slackline.domain.pins import pin_item
from slackline.domain.ratelimit import Tier
from slackline.domain.shapes import message_object
from slackline.errors import SlackError, SlackErrorCode


async def pinned_message(call: Call, *, pinning: bool) -> tuple[Conversation, Message]:
    """The conversation and message ``channel`` and ``timestamp`` name, checked in the order
    ``channel_not_found``, ``not_in_channel``, ``is_archived`` (pinning only),
    ``no_item_specified``, ``bad_timestamp``, ``message_not_found``."""
    identity = call.identity
    access = call.services.access
    conversation, is_member = await access.visible(
        identity.team.id, identity.user.id, call.args.text("channel")
    )
    if not is_member:
        raise SlackError(SlackErrorCode.NOT_IN_CHANNEL)
    if pinning and conversation.is_archived:
        raise SlackError(SlackErrorCode.IS_ARCHIVED)
    timestamp = call.args.text("timestamp")
    if not timestamp:
        raise SlackError(SlackErrorCode.NO_ITEM_SPECIFIED)
    message = await access.message(conversation, timestamp, malformed=SlackErrorCode.BAD_TIMESTAMP)
    return conversation, message


async def pins_add(call: Call) -> dict[str, Any]:
    """Pin a message; announces ``pin_added`` to the members."""
    conversation, message = await pinned_message(call, pinning=True)
    url = workspace_url(call, call.identity.team)
    await call.services.pins.add(conversation, message, call.identity.user, url)
    return {}


async def pins_remove(call: Call) -> dict[str, Any]:
    """Unpin a message; announces ``pin_removed`` to the members."""
    conversation, message = await pinned_message(call, pinning=False)
    url = workspace_url(call, call.identity.team)
    await call.services.pins.remove(conversation, message, call.identity.user, url)
    return {}


async def pins_list(call: Call) -> dict[str, Any]:
    """The visible conversation's pinned messages, the newest pin first."""
    identity = call.identity
    conversation, _ = await call.services.access.visible(
        identity.team.id, identity.user.id, call.args.text("channel")
    )
    reads = call.services.reads
    url = workspace_url(call, identity.team)
    items = []
    for pin in await reads.pins.list_pins(conversation.id):
        message = await reads.get_message(conversation.id, pin.ts)
        if message is not None:
            items.append(pin_item(pin, message_object(message), url))
    return {"items": items}


_WRITE_SCOPES = ("pins:write",)
METHODS = [
    MethodSpec("pins.add", pins_add, Tier.TIER_2, _WRITE_SCOPES),
    MethodSpec("pins.remove", pins_remove, Tier.TIER_2, _WRITE_SCOPES),
    MethodSpec("pins.list", pins_list, Tier.TIER_2, ("pins:read",), publishes=False),
]

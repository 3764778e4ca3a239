"""Retired methods served in their historic shapes while legacy methods are on (decisions B.5).

``channels.list``: public channels only, as legacy channel objects with ``members`` (capped at
500, as Slack capped them) unless ``exclude_members``. Without ``limit`` it returns up to
1,000 channels per page (historic default 0 meant "all").
"""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call
from slackline.api.methods.common import next_cursor_metadata
from slackline.api.registry import MethodSpec
from slackline.domain.models import Conversation
from slackline.domain.pagination import MAX_PAGE_LIMIT
from slackline.domain.ratelimit import Tier
from slackline.domain.shapes import legacy_channel_object, page_of

CHANNELS_CURSOR = "channels"
MEMBER_LIST_CAP = 500


async def _legacy_channel(
    call: Call, conversation: Conversation, *, with_members: bool
) -> dict[str, Any]:
    reads = call.services.reads
    is_member = await reads.is_member(conversation.id, call.identity.user.id)
    members = (
        await reads.list_members(conversation.id, "", MEMBER_LIST_CAP) if with_members else None
    )
    return legacy_channel_object(
        conversation,
        is_member=is_member,
        members=members,
        num_members=await reads.count_members(conversation.id),
    )


async def channels_list(call: Call) -> dict[str, Any]:
    """The team's public channels in the pre-2021 ``channels.list`` shape."""
    limit = call.args.limit(default=MAX_PAGE_LIMIT)
    after = call.args.cursor(CHANNELS_CURSOR)
    rows = await call.services.reads.list_conversations(
        call.identity.team.id,
        ("public_channel",),
        viewer=call.identity.user.id,
        exclude_archived=call.args.flag("exclude_archived"),
        after=after,
        limit=limit + 1,
    )
    page = page_of(rows, limit, CHANNELS_CURSOR, lambda c: c.id)
    with_members = not call.args.flag("exclude_members")
    channels = [
        await _legacy_channel(call, conversation, with_members=with_members)
        for conversation in page.items
    ]
    return {"channels": channels, **next_cursor_metadata(page.next_cursor)}


METHODS = [
    MethodSpec(
        "channels.list",
        channels_list,
        Tier.TIER_2,
        ("channels:read",),
        bool_args=("exclude_archived", "exclude_members"),
        legacy=True,
        publishes=False,
    ),
]

"""``stars.add``, ``stars.remove``, ``stars.list``.

A star marks a message (``channel`` and ``timestamp``) or a whole conversation (``channel``
alone) the caller can see; files are not supported (``no_item_specified``). ``stars.list``
shows the caller's stars, the newest first, leaving out what the caller can no longer see
(a private channel they left) and deleted messages; a page may then hold fewer items than
``limit`` (Slack allows it), and the cursor still resumes where the page ended. Events:
:mod:`slackline.services.stars`.
"""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call
from slackline.api.methods.common import next_cursor_metadata, workspace_url
from slackline.api.registry import MethodSpec
from slackline.domain.models import Conversation, Message
from slackline.domain.pagination import encode_cursor, page_limit
from slackline.domain.ratelimit import Tier
from slackline.domain.shapes import message_object
from slackline.domain.stars import star_item
from slackline.errors import SlackError, SlackErrorCode
from slackline.storage.stars import NO_SEQ_LIMIT

STARS_CURSOR = "stars"


def seq_cursor(call: Call, kind: str) -> int:
    """The ``seq`` a cursor of ``kind`` resumes below (every row without one)."""
    key = call.args.cursor(kind)
    if not key:
        return NO_SEQ_LIMIT
    if not key.isdigit():
        raise SlackError(SlackErrorCode.INVALID_CURSOR)
    return int(key)


def item_limit(call: Call) -> int:
    """``limit``, or the legacy ``count`` when ``limit`` is absent (default 100)."""
    if "limit" not in call.args.raw and "count" in call.args.raw:
        return page_limit(call.args.text("count"))
    return call.args.limit()


async def starred_item(call: Call) -> tuple[Conversation, Message | None]:
    """The visible conversation, and the message when ``timestamp`` names one."""
    channel, timestamp = call.args.text("channel"), call.args.text("timestamp")
    if not channel:
        raise SlackError(SlackErrorCode.NO_ITEM_SPECIFIED)
    identity = call.identity
    access = call.services.access
    conversation, _ = await access.visible(identity.team.id, identity.user.id, channel)
    if not timestamp:
        return conversation, None
    message = await access.message(conversation, timestamp, malformed=SlackErrorCode.BAD_TIMESTAMP)
    return conversation, message


async def stars_add(call: Call) -> dict[str, Any]:
    """Star an item; announces ``star_added`` to the caller's sessions."""
    conversation, message = await starred_item(call)
    url = workspace_url(call, call.identity.team)
    await call.services.stars.add(call.identity.user, conversation, message, url)
    return {}


async def stars_remove(call: Call) -> dict[str, Any]:
    """Take a star back; announces ``star_removed`` to the caller's sessions."""
    conversation, message = await starred_item(call)
    url = workspace_url(call, call.identity.team)
    await call.services.stars.remove(call.identity.user, conversation, message, url)
    return {}


async def stars_list(call: Call) -> dict[str, Any]:
    """The caller's stars, the newest first, with a cursor."""
    identity = call.identity
    limit = item_limit(call)
    before = seq_cursor(call, STARS_CURSOR)
    reads, access = call.services.reads, call.services.access
    rows = await reads.stars.list_stars(identity.user.id, before_seq=before, limit=limit + 1)
    url = workspace_url(call, identity.team)
    items = []
    for star in rows[:limit]:
        try:
            conversation, _ = await access.visible(identity.team.id, identity.user.id, star.channel)
        except SlackError:
            continue  # no longer visible to the caller
        shown = None
        if star.ts:
            message = await reads.get_message(star.channel, star.ts)
            if message is None:
                continue
            shown = message_object(message)
        items.append(star_item(star, conversation, shown, url))
    cursor = encode_cursor(STARS_CURSOR, str(rows[limit - 1].seq)) if len(rows) > limit else ""
    return {"items": items, **next_cursor_metadata(cursor)}


_WRITE_SCOPES = ("stars:write",)
METHODS = [
    MethodSpec("stars.add", stars_add, Tier.TIER_2, _WRITE_SCOPES),
    MethodSpec("stars.remove", stars_remove, Tier.TIER_2, _WRITE_SCOPES),
    MethodSpec("stars.list", stars_list, Tier.TIER_3, ("stars:read",), publishes=False),
]

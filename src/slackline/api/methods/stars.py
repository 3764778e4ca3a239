"""``stars.add``, ``stars.remove``, ``stars.list``.

A star marks a message (``channel`` and ``timestamp``) or a whole conversation (``channel``
alone) the caller can see; files are not supported (``no_item_specified``). ``stars.list``
shows the caller's stars, the newest first, leaving out what the caller can no longer see
(a private channel they left) and deleted messages; a page may then hold fewer items than
``limit`` (Slack allows it), and the cursor still resumes where the page ended. With
``page`` (and no ``cursor``) it pages by number instead, as Slack's older clients do:
``count`` items per page and Slack's ``paging`` object, counted over the newest
:data:`MAX_NUMBERED_ITEMS` stars. Only user tokens have stars: a bot's ``stars.list`` is
``user_is_bot``, and so are its ``stars.add`` and ``stars.remove``. Events:
:mod:`slackline.services.stars`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from slackline.api.call import Call
from slackline.api.methods.common import next_cursor_metadata, workspace_url
from slackline.api.registry import MethodSpec
from slackline.domain.models import Conversation, Message
from slackline.domain.pagination import encode_cursor, page_limit
from slackline.domain.ratelimit import Tier
from slackline.domain.shapes import message_object
from slackline.domain.stars import Star, star_item
from slackline.errors import SlackError, SlackErrorCode
from slackline.storage.stars import NO_SEQ_LIMIT

STARS_CURSOR = "stars"
# Numbered pages (``page``) count this many of the newest items at most.
MAX_NUMBERED_ITEMS = 1000


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


def refuse_bots(call: Call) -> None:
    """Stars are a person's: a bot token is ``user_is_bot`` (Slack's ``stars.list`` error,
    applied to all three so that a bot never holds stars it could not list)."""
    if call.identity.token.is_bot:
        raise SlackError(SlackErrorCode.USER_IS_BOT)


async def starred_item(call: Call) -> tuple[Conversation, Message | None]:
    """The visible conversation, and the message when ``timestamp`` names one (bots are
    refused first)."""
    refuse_bots(call)
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


def page_number(call: Call) -> int | None:
    """``page`` (1 when not a positive number) when the caller pages by number rather than
    by cursor (``page`` given, ``cursor`` not); None otherwise."""
    if call.args.text("cursor") or "page" not in call.args.raw:
        return None
    try:
        number = int(call.args.text("page"))
    except ValueError:
        return 1
    return max(number, 1)


def numbered_page(items: list[dict[str, Any]], count: int, page: int) -> dict[str, Any]:
    """Page ``page`` of ``items``, ``count`` a page, with Slack's ``paging`` object."""
    start = (page - 1) * count
    total = len(items)
    paging = {"count": count, "total": total, "page": page, "pages": -(-total // count)}
    return {"items": items[start : start + count], "paging": paging}


class _Sequenced(Protocol):
    @property
    def seq(self) -> int: ...


S = TypeVar("S", bound=_Sequenced)


async def seq_paged(
    call: Call,
    kind: str,
    fetch: Callable[[int, int], Awaitable[list[S]]],
    shown: Callable[[Call, list[S]], Awaitable[list[dict[str, Any]]]],
) -> dict[str, Any]:
    """A list method's answer over rows kept newest first by ``seq``: ``fetch(before_seq,
    limit)`` reads them, ``shown`` makes the items of those the caller can see. Numbered
    pages with ``page`` (see :func:`page_number`), else a page of ``limit`` resumed by a
    cursor of ``kind``."""
    limit = item_limit(call)
    page = page_number(call)
    if page is not None:
        rows = await fetch(NO_SEQ_LIMIT, MAX_NUMBERED_ITEMS)
        return numbered_page(await shown(call, rows), limit, page)
    rows = await fetch(seq_cursor(call, kind), limit + 1)
    items = await shown(call, rows[:limit])
    cursor = encode_cursor(kind, str(rows[limit - 1].seq)) if len(rows) > limit else ""
    return {"items": items, **next_cursor_metadata(cursor)}


async def _shown_stars(call: Call, rows: list[Star]) -> list[dict[str, Any]]:
    """The stars the caller can still see, as ``stars.list`` items."""
    identity = call.identity
    reads, access = call.services.reads, call.services.access
    url = workspace_url(call, identity.team)
    items = []
    for star in rows:
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
    return items


async def stars_list(call: Call) -> dict[str, Any]:
    """The caller's stars, the newest first, with a cursor.

    With ``page`` (and no ``cursor``), numbered pages instead (see the module docstring).
    """
    refuse_bots(call)
    user_id, stars = call.identity.user.id, call.services.reads.stars

    def fetch(before: int, limit: int) -> Awaitable[list[Star]]:
        return stars.list_stars(user_id, before_seq=before, limit=limit)

    return await seq_paged(call, STARS_CURSOR, fetch, _shown_stars)


_WRITE_SCOPES = ("stars:write",)
METHODS = [
    MethodSpec("stars.add", stars_add, Tier.TIER_2, _WRITE_SCOPES),
    MethodSpec("stars.remove", stars_remove, Tier.TIER_2, _WRITE_SCOPES),
    MethodSpec("stars.list", stars_list, Tier.TIER_3, ("stars:read",), publishes=False),
]

"""``conversations.*`` and ``users.conversations``: listing, describing and reading
channels, DMs and group DMs.

Visibility is :mod:`slackline.domain.access`'s rule: anything invisible, of another team or
unknown is ``channel_not_found`` in every method, ``conversations.history`` included, so a
non-member never learns that a private conversation exists (Slack answers the same). Public
channel history is readable without joining. ``users.conversations`` lists another user's
private channels, DMs and group DMs only when the caller is in them too.

A member sees their read state (:mod:`slackline.domain.read_state`) in
``conversations.info``: ``last_read`` and the unread counts, and for DMs and group DMs
whether they are open; ``conversations.list`` shows DMs and group DMs with ``is_open``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from slackline.api.call import Call
from slackline.api.methods.common import next_cursor_metadata
from slackline.api.registry import MethodSpec
from slackline.domain.models import Conversation, Page
from slackline.domain.ratelimit import Tier
from slackline.domain.read_state import ReadState
from slackline.domain.shapes import (
    DEFAULT_LOCALE,
    conversation_object,
    im_read_state,
    member_read_state,
    message_object,
    page_of,
)
from slackline.errors import SlackError, SlackErrorCode

CONVERSATIONS_CURSOR = "conversations"
USER_CONVERSATIONS_CURSOR = "user_conversations"
MEMBERS_CURSOR = "members"
CONVERSATION_TYPES = ("public_channel", "private_channel", "mpim", "im")
DEFAULT_TYPES = ("public_channel",)
# The largest ts there can be: the default ``latest`` reaches every stored message.
MAX_TS_MICROS = 9_999_999_999_999_999
_READ_SCOPES = ("channels:read", "groups:read", "im:read", "mpim:read")
HISTORY_SCOPES = ("channels:history", "groups:history", "im:history", "mpim:history")


async def visible_conversation(call: Call, channel_id: str) -> tuple[Conversation, bool]:
    """The conversation the caller may see (:mod:`slackline.domain.access`) and whether the
    caller is a member of it."""
    identity = call.identity
    return await call.services.access.visible(identity.team.id, identity.user.id, channel_id)


async def im_peer(call: Call, conversation: Conversation) -> str:
    """The other party of a DM as the caller sees it (``user`` in the IM object)."""
    me = call.identity.user.id
    if conversation.im_user and conversation.im_user != me:
        return conversation.im_user
    members = await call.services.reads.list_members(conversation.id, "", 3)
    others = [member for member in members if member != me]
    return others[0] if others else me


async def describe(
    call: Call, conversation: Conversation, *, is_member: bool, with_count: bool
) -> dict[str, Any]:
    """The conversation object the caller sees (IMs name the other party)."""
    if conversation.is_im:
        obj = conversation_object(conversation, is_member=is_member)
        obj["user"] = await im_peer(call, conversation)
        return obj
    count = await call.services.access.count_members(conversation.id) if with_count else None
    return conversation_object(conversation, is_member=is_member, num_members=count)


def parse_types(raw: str) -> tuple[str, ...]:
    """``types`` as a comma list; empty means public channels; unknown is ``invalid_types``."""
    kinds = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    if not kinds:
        return DEFAULT_TYPES
    if any(kind not in CONVERSATION_TYPES for kind in kinds):
        raise SlackError(SlackErrorCode.INVALID_TYPES)
    return kinds


async def conversations_page(
    call: Call,
    cursor_kind: str,
    listing: Callable[..., Awaitable[list[Conversation]]],
    *owners: str,
    kinds: Sequence[str] | None = None,
    default_limit: int | None = None,
) -> Page[Conversation]:
    """A page of what ``listing`` (``list_conversations``, ``read_state.conversations_of``)
    finds for ``owners`` (the team, and the user for the second) and the caller as viewer:
    of ``kinds`` (else the ``types`` asked for), ``exclude_archived``, ``limit`` (by
    default ``default_limit``, else 100) and a cursor of ``cursor_kind``."""
    kinds = parse_types(call.args.text("types")) if kinds is None else kinds
    limit = call.args.limit() if default_limit is None else call.args.limit(default_limit)
    after = call.args.cursor(cursor_kind)
    rows = await listing(
        *owners,
        kinds,
        viewer=call.identity.user.id,
        exclude_archived=call.args.flag("exclude_archived"),
        after=after,
        limit=limit + 1,
    )
    return page_of(rows, limit, cursor_kind, lambda c: c.id)


async def conversations_list(call: Call) -> dict[str, Any]:
    """The conversations of the requested types the caller can see, by id."""
    reads, me = call.services.reads, call.identity.user.id
    page = await conversations_page(
        call, CONVERSATIONS_CURSOR, reads.list_conversations, call.identity.team.id
    )
    with_open = any(c.is_im or c.is_mpim for c in page.items)
    closed = await reads.read_state.closed_of(me) if with_open else frozenset()
    channels = []
    for conversation in page.items:
        is_member = await call.services.access.is_member(conversation.id, me)
        obj = await describe(call, conversation, is_member=is_member, with_count=True)
        if conversation.is_im or conversation.is_mpim:
            obj["is_open"] = conversation.id not in closed
        channels.append(obj)
    return {"channels": channels, **next_cursor_metadata(page.next_cursor)}


async def latest_message(call: Call, conversation: Conversation) -> dict[str, Any] | None:
    """The newest top-level message of a conversation, as ``latest`` shows it."""
    latest = await call.services.reads.list_messages(
        conversation.id, oldest_micros=0, latest_micros=MAX_TS_MICROS, inclusive=True, limit=1
    )
    return message_object(latest[0]) if latest else None


async def read_state_of(call: Call, conversation: Conversation) -> ReadState:
    """The caller's read state in a conversation they are a member of."""
    found = await call.services.reads.read_state.state(conversation.id, call.identity.user.id)
    return found or ReadState()


async def conversations_info(call: Call) -> dict[str, Any]:
    """One visible conversation; ``num_members`` only with ``include_num_members``,
    ``locale`` only with ``include_locale``; a member's read state."""
    conversation, is_member = await visible_conversation(call, call.args.text("channel"))
    with_count = call.args.flag("include_num_members")
    obj = await describe(call, conversation, is_member=is_member, with_count=with_count)
    if call.args.flag("include_locale"):
        obj["locale"] = DEFAULT_LOCALE
    if not is_member:
        return {"channel": obj}
    state = await read_state_of(call, conversation)
    if conversation.is_im or conversation.is_mpim:
        obj.update(im_read_state(None, state))
        obj["latest"] = await latest_message(call, conversation)
    else:
        obj.update(member_read_state(conversation, state))
    return {"channel": obj}


async def conversations_members(call: Call) -> dict[str, Any]:
    """A visible conversation's member ids, by id."""
    conversation, _ = await visible_conversation(call, call.args.text("channel"))
    limit = call.args.limit()
    after = call.args.cursor(MEMBERS_CURSOR)
    rows = await call.services.reads.list_members(conversation.id, after, limit + 1)
    page = page_of(rows, limit, MEMBERS_CURSOR, lambda member: member)
    return {"members": page.items, **next_cursor_metadata(page.next_cursor)}


async def users_conversations(call: Call) -> dict[str, Any]:
    """The conversations ``user`` (the caller by default) is in that the caller may see."""
    identity = call.identity
    me = identity.user.id
    target = await call.services.access.team_user(identity.team.id, call.args.text("user") or me)
    reads = call.services.reads
    listing = reads.read_state.conversations_of
    page = await conversations_page(
        call, USER_CONVERSATIONS_CURSOR, listing, identity.team.id, target.id
    )
    channels = []
    for conversation in page.items:
        is_member = target.id == me or await reads.is_member(conversation.id, me)
        channels.append(await describe(call, conversation, is_member=is_member, with_count=False))
    return {"channels": channels, **next_cursor_metadata(page.next_cursor)}


METHODS = [
    MethodSpec(
        "conversations.list",
        conversations_list,
        Tier.TIER_2,
        _READ_SCOPES,
        bool_args=("exclude_archived",),
        publishes=False,
    ),
    MethodSpec(
        "conversations.info",
        conversations_info,
        Tier.TIER_3,
        _READ_SCOPES,
        bool_args=("include_locale", "include_num_members"),
        publishes=False,
    ),
    MethodSpec(
        "conversations.members", conversations_members, Tier.TIER_4, _READ_SCOPES, publishes=False
    ),
    MethodSpec(
        "users.conversations",
        users_conversations,
        Tier.TIER_3,
        _READ_SCOPES,
        bool_args=("exclude_archived",),
        publishes=False,
    ),
]

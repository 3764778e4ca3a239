"""Retired methods served in their historic shapes while legacy methods are on (decisions B.5).

Each family sees one kind of conversation and reuses the modern method's rules (visibility,
membership, the events it causes); a conversation of another kind is ``channel_not_found``,
as when the families were separate:

- ``channels.*``: public channels; ``channels.list`` as legacy channel objects with
  ``members`` (capped at 500, as Slack capped them) unless ``exclude_members``, up to 1,000
  per page without ``limit`` (historic default 0 meant "all"); ``channels.info`` adds the
  member's ``last_read``, unread counts and ``latest``; ``channels.join`` takes a ``name``
  (or ``channel``, as slackclient 1 sends it), creates a missing channel, and refuses bot
  tokens (``user_is_bot``), as Slack did;
- ``groups.*``: private channels and group DMs (which were groups then), under ``group``
  and ``groups``;
- ``im.*``: DMs; ``im.open`` takes one ``user``;
- ``mpim.*``: group DMs; ``mpim.open`` answers the group DM under ``group``.

The ``*.history`` methods take ``count`` (default 100, at most 1,000) instead of ``limit``
and cursors: a client pages by passing the oldest ts it saw as ``latest``; ``unreads`` adds
``unread_count_display``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from slackline.api.call import Call
from slackline.api.methods.channels_admin import (
    channel_name,
    close_conversation,
    comma_list,
    open_users,
    open_with,
    titled_conversation,
    titled_text,
)
from slackline.api.methods.common import next_cursor_metadata, ts_bound
from slackline.api.methods.conversations import (
    MAX_TS_MICROS,
    conversations_page,
    im_peer,
    latest_message,
    read_state_of,
    visible_conversation,
)
from slackline.api.methods.read_state import mark_conversation
from slackline.api.registry import Handler, MethodSpec
from slackline.domain.access import is_public_channel
from slackline.domain.models import Conversation
from slackline.domain.pagination import MAX_PAGE_LIMIT
from slackline.domain.ratelimit import Tier
from slackline.domain.shapes import (
    conversation_object,
    im_object,
    legacy_channel_object,
    member_read_state,
    message_object,
)
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.conversations import Opened

MEMBER_LIST_CAP = 500
DEFAULT_HISTORY_COUNT = 100
MAX_HISTORY_COUNT = 1000
PUBLIC = ("public_channel",)
GROUPS = ("private_channel", "mpim")
IMS = ("im",)
MPIMS = ("mpim",)
_NOT_NAME_CHARS = re.compile(r"[^a-z0-9_\-]+")


async def _legacy_channel(
    call: Call,
    conversation: Conversation,
    *,
    with_members: bool,
    with_read_state: bool = False,
) -> dict[str, Any]:
    """The historic channel or group object; a member's read state and ``latest`` on
    request (the ``*.info`` methods)."""
    reads, access = call.services.reads, call.services.access
    is_member = await access.is_member(conversation.id, call.identity.user.id)
    members = (
        await reads.list_members(conversation.id, "", MEMBER_LIST_CAP) if with_members else None
    )
    obj = legacy_channel_object(
        conversation,
        is_member=is_member,
        members=members,
        num_members=await access.count_members(conversation.id),
    )
    if with_read_state and is_member:
        obj.update(member_read_state(conversation, await read_state_of(call, conversation)))
        obj["latest"] = await latest_message(call, conversation)
    return obj


async def _of_kind(call: Call, kinds: tuple[str, ...]) -> tuple[Conversation, bool]:
    """The visible conversation ``channel`` if it is of the family's kind."""
    conversation, is_member = await visible_conversation(call, call.args.text("channel"))
    if conversation.kind not in kinds:
        raise SlackError(SlackErrorCode.CHANNEL_NOT_FOUND)
    return conversation, is_member


async def _listed(call: Call, kinds: tuple[str, ...], cursor_kind: str) -> tuple[list[Any], str]:
    """One page of the caller's visible conversations of these kinds, and the next cursor."""
    listing = call.services.reads.list_conversations
    page = await conversations_page(
        call, cursor_kind, listing, call.identity.team.id, kinds=kinds, default_limit=MAX_PAGE_LIMIT
    )
    return page.items, page.next_cursor


# Lists


async def channels_list(call: Call) -> dict[str, Any]:
    """The team's public channels in the pre-2021 ``channels.list`` shape."""
    items, cursor = await _listed(call, PUBLIC, "channels")
    with_members = not call.args.flag("exclude_members")
    channels = [await _legacy_channel(call, c, with_members=with_members) for c in items]
    return {"channels": channels, **next_cursor_metadata(cursor)}


async def groups_list(call: Call) -> dict[str, Any]:
    """The caller's private channels and group DMs."""
    items, cursor = await _listed(call, GROUPS, "groups")
    with_members = not call.args.flag("exclude_members")
    groups = [await _legacy_channel(call, c, with_members=with_members) for c in items]
    return {"groups": groups, **next_cursor_metadata(cursor)}


async def mpim_list(call: Call) -> dict[str, Any]:
    """The caller's group DMs, as groups."""
    items, cursor = await _listed(call, MPIMS, "mpims")
    groups = [
        await _legacy_channel(call, c, with_members=True, with_read_state=True) for c in items
    ]
    return {"groups": groups, **next_cursor_metadata(cursor)}


async def im_list(call: Call) -> dict[str, Any]:
    """The caller's DMs; ``user`` is the other party."""
    items, cursor = await _listed(call, IMS, "ims")
    ims = [im_object(c, user=await im_peer(call, c)) for c in items]
    return {"ims": ims, **next_cursor_metadata(cursor)}


# Info and history


async def channels_info(call: Call) -> dict[str, Any]:
    """A public channel with its members and, for a member, the read state."""
    conversation, _ = await _of_kind(call, PUBLIC)
    obj = await _legacy_channel(call, conversation, with_members=True, with_read_state=True)
    return {"channel": obj}


async def groups_info(call: Call) -> dict[str, Any]:
    """A private channel (or group DM) the caller is in."""
    conversation, _ = await _of_kind(call, GROUPS)
    obj = await _legacy_channel(call, conversation, with_members=True, with_read_state=True)
    return {"group": obj}


def _count(call: Call) -> int:
    """``count``: 100 when missing, 0 or not a number; at most 1,000."""
    raw = call.args.text("count")
    try:
        value = int(raw) if raw else 0
    except ValueError:
        value = 0
    return min(value, MAX_HISTORY_COUNT) if value > 0 else DEFAULT_HISTORY_COUNT


def _history_of(kinds: tuple[str, ...]) -> Handler:
    async def history(call: Call) -> dict[str, Any]:
        """Messages between ``oldest`` and ``latest``, newest first, with ``has_more``."""
        conversation, is_member = await _of_kind(call, kinds)
        latest = ts_bound(call, "latest", MAX_TS_MICROS, SlackErrorCode.INVALID_TS_LATEST)
        oldest = ts_bound(call, "oldest", 0, SlackErrorCode.INVALID_TS_OLDEST)
        count = _count(call)
        rows = await call.services.reads.list_messages(
            conversation.id,
            oldest_micros=oldest,
            latest_micros=latest,
            inclusive=call.args.flag("inclusive"),
            limit=count + 1,
        )
        body: dict[str, Any] = {}
        if call.args.text("latest"):
            body["latest"] = call.args.text("latest")
        body["messages"] = [message_object(message) for message in rows[:count]]
        body["has_more"] = len(rows) > count
        if call.args.flag("unreads") and is_member:
            state = await read_state_of(call, conversation)
            body["unread_count_display"] = state.unread_count_display
        return body

    return history


# Joining (channels.join)


def _cleaned_name(raw: str) -> str:
    """A name made valid as Slack did without ``validate``: lower case, spaces and other
    characters as ``-``/dropped, at most 80 characters."""
    lowered = raw.lower().replace(" ", "-").replace(".", "-")
    return _NOT_NAME_CHARS.sub("", lowered)[:80]


async def _public_channel(call: Call, name: str) -> Conversation | None:
    """The team's public channel of this name; a private one holding it is ``name_taken``
    (it can be neither joined nor created again)."""
    found = await call.services.reads.find_channel_by_name(call.identity.team.id, name)
    if found is not None and not is_public_channel(found):
        raise SlackError(SlackErrorCode.NAME_TAKEN)
    return found


async def _join_target(call: Call, raw: str) -> tuple[Conversation | None, str]:
    """The public channel ``raw`` names (an id, ``#name`` or a name), or None and the name
    to create it under (made valid unless ``validate``)."""
    by_id = await call.services.reads.get_conversation(raw)
    if by_id is not None and by_id.team_id == call.identity.team.id and is_public_channel(by_id):
        return by_id, by_id.name
    wanted = raw.removeprefix("#")
    found = await _public_channel(call, wanted)
    if found is not None or call.args.flag("validate"):
        return found, wanted
    cleaned = _cleaned_name(wanted)
    return await _public_channel(call, cleaned), cleaned


async def channels_join(call: Call) -> dict[str, Any]:
    """Join the public channel ``name`` (created when missing); bots may not."""
    if call.identity.token.is_bot:
        raise SlackError(SlackErrorCode.USER_IS_BOT)
    raw = (call.args.text("name") or call.args.text("channel")).strip()
    if not raw:
        raise SlackError(SlackErrorCode.NO_CHANNEL)
    me = call.identity.user
    conversation, name = await _join_target(call, raw)
    if conversation is None:
        created = await call.services.channels.create(me, channel_name(name), is_private=False)
        return {"channel": await _legacy_channel(call, created, with_members=True)}
    if conversation.is_archived:
        raise SlackError(SlackErrorCode.IS_ARCHIVED)
    if await call.services.reads.is_member(conversation.id, me.id):
        shown = await _legacy_channel(call, conversation, with_members=True)
        return {"already_in_channel": True, "channel": shown}
    await call.services.membership.join(conversation, me)
    return {"channel": await _legacy_channel(call, conversation, with_members=True)}


# Marks, topics and purposes


def _mark_of(kinds: tuple[str, ...]) -> Handler:
    async def mark(call: Call) -> dict[str, Any]:
        """Move the caller's read marker (``conversations.mark``'s rules)."""
        conversation, is_member = await _of_kind(call, kinds)
        return await mark_conversation(call, conversation, is_member=is_member)

    return mark


def _set_text_of(kinds: tuple[str, ...], field: str) -> Handler:
    async def set_text(call: Call) -> dict[str, Any]:
        """Set the topic or purpose (``conversations.setTopic``'s rules); answers the text."""
        await _of_kind(call, kinds)
        conversation = await titled_conversation(call)
        text = titled_text(call, field)
        state, me = call.services.conversation_state, call.identity.user
        setter: Callable[..., Awaitable[Conversation]] = (
            state.set_topic if field == "topic" else state.set_purpose
        )
        await setter(conversation, me, text)
        return {field: text}

    return set_text


# Opening and closing DMs and group DMs


async def im_open(call: Call) -> dict[str, Any]:
    """The DM with ``user``, created or reopened; the full object with ``return_im``."""
    user_id = call.args.text("user")
    if not user_id:
        raise SlackError(SlackErrorCode.USER_NOT_FOUND)
    others = await open_users(call, [user_id])
    conversation, opened = await open_with(call, others)
    if call.args.flag("return_im"):
        channel = conversation_object(conversation, is_member=True)
        channel["user"] = await im_peer(call, conversation)
    else:
        channel = {"id": conversation.id}
    if opened is Opened.ALREADY_OPEN:
        return {"no_op": True, "already_open": True, "channel": channel}
    return {"channel": channel}


async def mpim_open(call: Call) -> dict[str, Any]:
    """The group DM of the caller and ``users`` (two to eight others), under ``group``."""
    ids = comma_list(call.args.text("users"))
    if not ids:
        raise SlackError(SlackErrorCode.USERS_LIST_NOT_SUPPLIED)
    others = await open_users(call, ids)
    if len(others) < 2:
        raise SlackError(SlackErrorCode.NOT_ENOUGH_USERS)
    conversation, _ = await open_with(call, others)
    return {"group": await _legacy_channel(call, conversation, with_members=True)}


def _close_of(kinds: tuple[str, ...]) -> Handler:
    async def close(call: Call) -> dict[str, Any]:
        """Close the DM or group DM for the caller."""
        conversation, _ = await _of_kind(call, kinds)
        return await close_conversation(call, conversation)

    return close


def _legacy(
    name: str,
    handler: Handler,
    tier: Tier,
    scope: str,
    bool_args: tuple[str, ...] = (),
    *,
    publishes: bool = True,
) -> MethodSpec:
    return MethodSpec(
        name, handler, tier, (scope,), bool_args=bool_args, legacy=True, publishes=publishes
    )


_HISTORY_BOOLS = ("inclusive", "unreads")
METHODS = [
    _legacy(
        "channels.list",
        channels_list,
        Tier.TIER_2,
        "channels:read",
        ("exclude_archived", "exclude_members"),
        publishes=False,
    ),
    _legacy(
        "channels.info",
        channels_info,
        Tier.TIER_3,
        "channels:read",
        ("include_locale",),
        publishes=False,
    ),
    _legacy(
        "channels.history",
        _history_of(PUBLIC),
        Tier.TIER_3,
        "channels:history",
        _HISTORY_BOOLS,
        publishes=False,
    ),
    _legacy("channels.join", channels_join, Tier.TIER_3, "channels:write", ("validate",)),
    _legacy("channels.mark", _mark_of(PUBLIC), Tier.TIER_3, "channels:write"),
    _legacy("channels.setTopic", _set_text_of(PUBLIC, "topic"), Tier.TIER_2, "channels:write"),
    _legacy("channels.setPurpose", _set_text_of(PUBLIC, "purpose"), Tier.TIER_2, "channels:write"),
    _legacy(
        "groups.list",
        groups_list,
        Tier.TIER_2,
        "groups:read",
        ("exclude_archived", "exclude_members"),
        publishes=False,
    ),
    _legacy(
        "groups.info", groups_info, Tier.TIER_3, "groups:read", ("include_locale",), publishes=False
    ),
    _legacy(
        "groups.history",
        _history_of(GROUPS),
        Tier.TIER_3,
        "groups:history",
        _HISTORY_BOOLS,
        publishes=False,
    ),
    _legacy("groups.mark", _mark_of(GROUPS), Tier.TIER_3, "groups:write"),
    _legacy("groups.setTopic", _set_text_of(GROUPS, "topic"), Tier.TIER_2, "groups:write"),
    _legacy("groups.setPurpose", _set_text_of(GROUPS, "purpose"), Tier.TIER_2, "groups:write"),
    _legacy("im.list", im_list, Tier.TIER_2, "im:read", publishes=False),
    _legacy(
        "im.history", _history_of(IMS), Tier.TIER_3, "im:history", _HISTORY_BOOLS, publishes=False
    ),
    _legacy("im.open", im_open, Tier.TIER_3, "im:write", ("return_im", "include_locale")),
    _legacy("im.close", _close_of(IMS), Tier.TIER_2, "im:write"),
    _legacy("im.mark", _mark_of(IMS), Tier.TIER_3, "im:write"),
    _legacy("mpim.list", mpim_list, Tier.TIER_2, "mpim:read", publishes=False),
    _legacy(
        "mpim.history",
        _history_of(MPIMS),
        Tier.TIER_3,
        "mpim:history",
        _HISTORY_BOOLS,
        publishes=False,
    ),
    _legacy("mpim.open", mpim_open, Tier.TIER_3, "mpim:write"),
    _legacy("mpim.close", _close_of(MPIMS), Tier.TIER_2, "mpim:write"),
    _legacy("mpim.mark", _mark_of(MPIMS), Tier.TIER_3, "mpim:write"),
]

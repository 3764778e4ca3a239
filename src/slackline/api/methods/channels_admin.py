"""``conversations.create``, ``join``, ``leave``, ``invite``, ``kick``, ``rename``,
``archive``, ``unarchive``, ``setTopic``, ``setPurpose``, ``open`` and ``close``: changing
channels and who is in them, and opening and closing DMs and group DMs.

Visibility is :mod:`slackline.domain.access`'s rule: a private
conversation the caller is not in is ``channel_not_found``. DMs and group DMs are
``method_not_supported_for_channel_type`` where Slack says so. The events each method causes
are the services' (:mod:`slackline.services.membership`, :mod:`slackline.services.channels`).

Permission choices where Slack depends on workspace settings: anyone may create, rename,
archive and unarchive channels they are in, and invite to them; removing someone from a
public channel takes an admin, an owner or the channel's creator (``restricted_action``),
from a private channel any member. Any member may set a topic or purpose (of a channel,
private channel or group DM; DMs have none).

``conversations.open`` with one other user (or none: the caller's self-DM) opens a DM, with
two to eight others a group DM of them and the caller; an existing one with exactly those
members is reused (and reopened for the caller if they had closed it).
"""

from __future__ import annotations

import re
from typing import Any

from slackline.api.call import Call
from slackline.api.methods.conversations import describe, visible_conversation
from slackline.api.methods.users import team_user
from slackline.api.registry import MethodSpec
from slackline.domain.access import is_public_channel, members_only
from slackline.domain.models import Conversation, User
from slackline.domain.ratelimit import Tier
from slackline.domain.shapes import conversation_object
from slackline.errors import SlackError, SlackErrorCode, SlackWarningCode
from slackline.services.conversations import Opened

MAX_CHANNEL_NAME_CHARS = 80
MAX_TOPIC_CHARS = 250
# A group DM holds at most nine people: the caller and eight others.
MAX_MPIM_OTHERS = 8
_NAME_CHARS = re.compile(r"[a-z0-9_\-]+")
_PUNCTUATION = re.compile(r"[_\-]+")
_MANAGE_SCOPES = ("channels:manage", "channels:write", "groups:write", "im:write", "mpim:write")
_JOIN_SCOPES = ("channels:join", "channels:write")


def channel_name(raw: str) -> str:
    """A valid new channel name, or the ``invalid_name_*`` error saying why not.

    Lower-case letters, digits, ``-`` and ``_``; at most 80 characters; not only punctuation.
    """
    if not raw:
        raise SlackError(SlackErrorCode.INVALID_NAME_REQUIRED)
    if len(raw) > MAX_CHANNEL_NAME_CHARS:
        raise SlackError(SlackErrorCode.INVALID_NAME_MAXLENGTH)
    if not _NAME_CHARS.fullmatch(raw):
        raise SlackError(SlackErrorCode.INVALID_NAME_SPECIALS)
    if _PUNCTUATION.fullmatch(raw):
        raise SlackError(SlackErrorCode.INVALID_NAME_PUNCTUATION)
    return raw


async def _channel(call: Call) -> tuple[Conversation, bool]:
    """The visible channel named by ``channel``; DMs and group DMs are not channels."""
    conversation, is_member = await visible_conversation(call, call.args.text("channel"))
    if conversation.is_im or conversation.is_mpim:
        raise SlackError(SlackErrorCode.METHOD_NOT_SUPPORTED_FOR_CHANNEL_TYPE)
    return conversation, is_member


async def _free_name(call: Call, name: str) -> None:
    if await call.services.reads.find_channel_by_name(call.identity.team.id, name) is not None:
        raise SlackError(SlackErrorCode.NAME_TAKEN)


async def _shown(call: Call, conversation: Conversation) -> dict[str, Any]:
    return {"channel": await describe(call, conversation, is_member=True, with_count=False)}


async def conversations_create(call: Call) -> dict[str, Any]:
    """A new public (or ``is_private``) channel with the caller as its only member."""
    name = channel_name(call.args.text("name"))
    await _free_name(call, name)
    is_private = call.args.flag("is_private")
    created = await call.services.channels.create(call.identity.user, name, is_private=is_private)
    return {"channel": conversation_object(created, is_member=True)}


async def conversations_join(call: Call) -> dict[str, Any]:
    """Join a public channel; already in it answers ok with ``already_in_channel``."""
    conversation, is_member = await _channel(call)
    if not is_public_channel(conversation):
        raise SlackError(SlackErrorCode.METHOD_NOT_SUPPORTED_FOR_CHANNEL_TYPE)
    if conversation.is_archived:
        raise SlackError(SlackErrorCode.IS_ARCHIVED)
    if is_member:
        # Handlers cannot add envelope warnings, so this one is written out as Slack does.
        warning = SlackWarningCode.ALREADY_IN_CHANNEL.value
        shown = await _shown(call, conversation)
        return {**shown, "warning": warning, "response_metadata": {"warnings": [warning]}}
    await call.services.membership.join(conversation, call.identity.user)
    return await _shown(call, conversation)


async def conversations_leave(call: Call) -> dict[str, Any]:
    """Leave a channel or group DM (not a DM, not #general, not as a private one's last)."""
    conversation, is_member = await visible_conversation(call, call.args.text("channel"))
    if conversation.is_im:
        raise SlackError(SlackErrorCode.METHOD_NOT_SUPPORTED_FOR_CHANNEL_TYPE)
    if conversation.is_general:
        raise SlackError(SlackErrorCode.CANT_LEAVE_GENERAL)
    if conversation.is_archived:
        raise SlackError(SlackErrorCode.IS_ARCHIVED)
    if not is_member:
        # Slack answers ``{"ok": false, "not_in_channel": true}``; the code is added for
        # clients that read ``error``.
        raise SlackError(SlackErrorCode.NOT_IN_CHANNEL, fields={"not_in_channel": True})
    if members_only(conversation) and await call.services.reads.count_members(conversation.id) <= 1:
        raise SlackError(SlackErrorCode.LAST_MEMBER)
    await call.services.membership.leave(conversation, call.identity.user)
    return {}


async def _invitees(call: Call, conversation: Conversation) -> list[User]:
    """The users of ``users`` (a comma list), each checked; the first problem is the error."""
    ids = [part.strip() for part in call.args.text("users").split(",") if part.strip()]
    if not ids:
        raise SlackError(SlackErrorCode.NO_USER)
    users = []
    for user_id in dict.fromkeys(ids):
        if user_id == call.identity.user.id:
            raise SlackError(SlackErrorCode.CANT_INVITE_SELF)
        user = await team_user(call, user_id)
        if user.deleted:
            raise SlackError(SlackErrorCode.USER_NOT_FOUND)
        if await call.services.reads.is_member(conversation.id, user.id):
            raise SlackError(SlackErrorCode.ALREADY_IN_CHANNEL)
        users.append(user)
    return users


async def conversations_invite(call: Call) -> dict[str, Any]:
    """Add the ``users`` to a channel the caller is in; all of them or none."""
    conversation, is_member = await _channel(call)
    if not is_member:
        raise SlackError(SlackErrorCode.NOT_IN_CHANNEL)
    if conversation.is_archived:
        raise SlackError(SlackErrorCode.IS_ARCHIVED)
    users = await _invitees(call, conversation)
    await call.services.membership.invite(conversation, call.identity.user, users)
    return await _shown(call, conversation)


async def conversations_kick(call: Call) -> dict[str, Any]:
    """Remove ``user`` from a channel the caller is in."""
    conversation, is_member = await _channel(call)
    me = call.identity.user
    target = await team_user(call, call.args.text("user"))
    if target.id == me.id:
        raise SlackError(SlackErrorCode.CANT_KICK_SELF)
    if conversation.is_general:
        raise SlackError(SlackErrorCode.CANT_KICK_FROM_GENERAL)
    if not is_member:
        raise SlackError(SlackErrorCode.NOT_IN_CHANNEL)
    may_remove = me.is_admin or me.is_owner or conversation.creator == me.id
    if is_public_channel(conversation) and not may_remove:
        raise SlackError(SlackErrorCode.RESTRICTED_ACTION)
    if not await call.services.membership.kick(conversation, target):
        raise SlackError(SlackErrorCode.NOT_IN_CHANNEL)
    return {"errors": {}}


async def conversations_rename(call: Call) -> dict[str, Any]:
    """Rename a channel the caller is in; its current name again changes nothing."""
    conversation, is_member = await _channel(call)
    if not is_member:
        raise SlackError(SlackErrorCode.NOT_IN_CHANNEL)
    if conversation.is_archived:
        raise SlackError(SlackErrorCode.IS_ARCHIVED)
    name = channel_name(call.args.text("name"))
    if name != conversation.name:
        await _free_name(call, name)
        conversation = await call.services.channels.rename(conversation, call.identity.user, name)
    return await _shown(call, conversation)


async def conversations_archive(call: Call) -> dict[str, Any]:
    """Archive a channel the caller is in (never #general)."""
    conversation, is_member = await _channel(call)
    if conversation.is_general:
        raise SlackError(SlackErrorCode.CANT_ARCHIVE_GENERAL)
    if conversation.is_archived:
        raise SlackError(SlackErrorCode.ALREADY_ARCHIVED)
    if not is_member:
        raise SlackError(SlackErrorCode.NOT_IN_CHANNEL)
    await call.services.channels.archive(conversation, call.identity.user)
    return {}


async def conversations_unarchive(call: Call) -> dict[str, Any]:
    """Unarchive a channel: any member of the team for public ones, members for private."""
    conversation, _ = await _channel(call)
    if not conversation.is_archived:
        raise SlackError(SlackErrorCode.NOT_ARCHIVED)
    await call.services.channels.unarchive(conversation, call.identity.user)
    return {}


async def titled_conversation(call: Call) -> Conversation:
    """The conversation whose topic or purpose the caller may set: one they are in (not a
    DM), not archived."""
    conversation, is_member = await visible_conversation(call, call.args.text("channel"))
    if conversation.is_im:
        raise SlackError(SlackErrorCode.METHOD_NOT_SUPPORTED_FOR_CHANNEL_TYPE)
    if not is_member:
        raise SlackError(SlackErrorCode.NOT_IN_CHANNEL)
    if conversation.is_archived:
        raise SlackError(SlackErrorCode.IS_ARCHIVED)
    return conversation


def titled_text(call: Call, name: str) -> str:
    """``topic`` or ``purpose``: at most 250 characters (``too_long``)."""
    text = call.args.text(name)
    if len(text) > MAX_TOPIC_CHARS:
        raise SlackError(SlackErrorCode.CONVERSATION_TOO_LONG)
    return text


async def _set_titled(call: Call, name: str) -> dict[str, Any]:
    """Set the conversation's ``topic`` or ``purpose`` (``name``), as the service's
    ``set_topic`` or ``set_purpose`` does it."""
    conversation = await titled_conversation(call)
    text = titled_text(call, name)
    state = call.services.conversation_state
    setter = state.set_topic if name == "topic" else state.set_purpose
    return await _shown(call, await setter(conversation, call.identity.user, text))


async def conversations_set_topic(call: Call) -> dict[str, Any]:
    """Set the topic; the members see a ``channel_topic`` (``group_topic``) message."""
    return await _set_titled(call, "topic")


async def conversations_set_purpose(call: Call) -> dict[str, Any]:
    """Set the purpose; the members see a ``channel_purpose`` (``group_purpose``) message."""
    return await _set_titled(call, "purpose")


async def open_users(call: Call, ids: list[str]) -> list[User]:
    """The other people to open a DM or group DM with (the caller left out), each checked:
    ``user_not_found``, ``user_disabled``, more than eight is ``too_many_users``."""
    me = call.identity.user
    others = [user_id for user_id in dict.fromkeys(ids) if user_id != me.id]
    if len(others) > MAX_MPIM_OTHERS:
        raise SlackError(SlackErrorCode.TOO_MANY_USERS)
    users = []
    for user_id in others:
        user = await call.services.access.team_user(call.identity.team.id, user_id)
        if user.deleted:
            raise SlackError(SlackErrorCode.USER_DISABLED)
        users.append(user)
    return users


def comma_list(raw: str) -> list[str]:
    """A comma-separated argument's items, blanks dropped."""
    return [part.strip() for part in raw.split(",") if part.strip()]


async def existing_with(call: Call, others: list[User]) -> Conversation:
    """The DM or group DM with ``others`` that exists already (``prevent_creation``);
    ``channel_not_found`` when there is none."""
    me, reads = call.identity.user, call.services.reads
    if len(others) <= 1:
        other = others[0] if others else me
        found = await reads.find_im(me.team_id, me.id, other.id)
    else:
        found = await reads.read_state.find_mpim(me.team_id, [me.id, *(u.id for u in others)])
    if found is None:
        raise SlackError(SlackErrorCode.CHANNEL_NOT_FOUND)
    return found


async def open_with(call: Call, others: list[User]) -> tuple[Conversation, Opened]:
    """The DM (no or one other person) or group DM (several) with ``others``, opened;
    with ``prevent_creation`` only one that exists already."""
    me, state = call.identity.user, call.services.conversation_state
    if call.args.flag("prevent_creation"):
        existing = await existing_with(call, others)
        return existing, await state.reopen(existing, me)
    if len(others) <= 1:
        return await state.open_im(me, others[0] if others else me)
    return await state.open_mpim(me, others)


async def conversations_open(call: Call) -> dict[str, Any]:
    """The DM or group DM with ``users`` (created if missing), or the DM or group DM
    ``channel``; reopened for the caller if they had closed it."""
    if call.args.text("channel"):
        conversation, _ = await visible_conversation(call, call.args.text("channel"))
        if not (conversation.is_im or conversation.is_mpim):
            raise SlackError(SlackErrorCode.METHOD_NOT_SUPPORTED_FOR_CHANNEL_TYPE)
        opened = await call.services.conversation_state.reopen(conversation, call.identity.user)
    else:
        ids = comma_list(call.args.text("users"))
        if not ids:
            raise SlackError(SlackErrorCode.USERS_LIST_NOT_SUPPLIED)
        conversation, opened = await open_with(call, await open_users(call, ids))
    # Group DMs are always answered in full (clients name them from it); DMs on request.
    full = conversation.is_mpim or call.args.flag("return_im")
    channel = (await _shown(call, conversation))["channel"] if full else {"id": conversation.id}
    if opened is Opened.ALREADY_OPEN:
        return {"no_op": True, "already_open": True, "channel": channel}
    return {"channel": channel}


async def close_conversation(call: Call, conversation: Conversation) -> dict[str, Any]:
    """Close a DM or group DM for the caller; ``already_closed`` when it was."""
    if not await call.services.conversation_state.close(conversation, call.identity.user):
        return {"no_op": True, "already_closed": True}
    return {}


async def conversations_close(call: Call) -> dict[str, Any]:
    """Close a DM or group DM for the caller (channels are left, not closed)."""
    conversation, _ = await visible_conversation(call, call.args.text("channel"))
    if not (conversation.is_im or conversation.is_mpim):
        raise SlackError(SlackErrorCode.METHOD_NOT_SUPPORTED_FOR_CHANNEL_TYPE)
    return await close_conversation(call, conversation)


METHODS = [
    MethodSpec(
        "conversations.create",
        conversations_create,
        Tier.TIER_2,
        _MANAGE_SCOPES,
        bool_args=("is_private",),
    ),
    MethodSpec("conversations.join", conversations_join, Tier.TIER_3, _JOIN_SCOPES),
    MethodSpec("conversations.leave", conversations_leave, Tier.TIER_3, _MANAGE_SCOPES),
    MethodSpec(
        "conversations.invite",
        conversations_invite,
        Tier.TIER_3,
        _MANAGE_SCOPES,
        bool_args=("force",),
    ),
    MethodSpec("conversations.kick", conversations_kick, Tier.TIER_3, _MANAGE_SCOPES),
    MethodSpec("conversations.rename", conversations_rename, Tier.TIER_2, _MANAGE_SCOPES),
    MethodSpec("conversations.archive", conversations_archive, Tier.TIER_2, _MANAGE_SCOPES),
    MethodSpec("conversations.unarchive", conversations_unarchive, Tier.TIER_2, _MANAGE_SCOPES),
    MethodSpec(
        "conversations.open",
        conversations_open,
        Tier.TIER_3,
        _MANAGE_SCOPES,
        bool_args=("return_im", "prevent_creation"),
    ),
    MethodSpec("conversations.close", conversations_close, Tier.TIER_2, _MANAGE_SCOPES),
    MethodSpec("conversations.setTopic", conversations_set_topic, Tier.TIER_2, _MANAGE_SCOPES),
    MethodSpec("conversations.setPurpose", conversations_set_purpose, Tier.TIER_2, _MANAGE_SCOPES),
]

"""``conversations.mark`` and the read state other methods report.

A member moves their read marker with ``conversations.mark`` (or the legacy ``*.mark``);
every session of theirs then gets ``channel_marked``, ``group_marked``, ``im_marked`` or
``mpim_marked`` with the unread counts after the move. The marker may move back (marking a
conversation unread) and need not be the ts of a stored message. The rule of what is unread
is :mod:`slackline.domain.read_state`'s.

:func:`team_conversations` builds ``rtm.start``'s channels, groups, DMs and group DMs with
the caller's read state in one query for all of them.
"""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call
from slackline.api.methods.conversations import HISTORY_SCOPES, im_peer, visible_conversation
from slackline.api.registry import MethodSpec
from slackline.domain.models import Conversation
from slackline.domain.ratelimit import Tier
from slackline.domain.read_state import ReadState, read_fields
from slackline.domain.shapes import im_object, legacy_channel_object, member_read_state
from slackline.domain.ts import micros_to_ts, parse_ts_arg
from slackline.errors import SlackError, SlackErrorCode
from slackline.storage.base import ALL_ROWS

ALL_KINDS = ("public_channel", "private_channel", "im", "mpim")
_MARK_SCOPES = ("channels:write", "groups:write", "im:write", "mpim:write", *HISTORY_SCOPES)


def mark_ts(call: Call) -> str:
    """``ts`` as a ts; missing or malformed is ``invalid_timestamp``."""
    micros = parse_ts_arg(call.args.text("ts"))
    if micros is None:
        raise SlackError(SlackErrorCode.CONVERSATION_INVALID_TIMESTAMP)
    return micros_to_ts(micros)


async def mark_conversation(
    call: Call, conversation: Conversation, *, is_member: bool
) -> dict[str, Any]:
    """Move the caller's marker in a conversation they are in (``not_in_channel`` else)."""
    if not is_member:
        raise SlackError(SlackErrorCode.NOT_IN_CHANNEL)
    ts = mark_ts(call)
    await call.services.conversation_state.mark(conversation, call.identity.user, ts)
    return {}


async def conversations_mark(call: Call) -> dict[str, Any]:
    """Set the caller's read marker in a channel, DM or group DM to ``ts``."""
    conversation, is_member = await visible_conversation(call, call.args.text("channel"))
    return await mark_conversation(call, conversation, is_member=is_member)


async def team_conversations(
    call: Call, *, member_cap: int, with_unreads: bool, mpim_aware: bool = True
) -> dict[str, list[dict[str, Any]]]:
    """``rtm.start``'s ``channels``, ``groups``, ``ims`` and ``mpims``: everything the caller
    may see, in the historic shapes, with ``members`` (at most ``member_cap``) and, for the
    caller's own conversations, ``is_open``/``last_read``/unread counts (``with_unreads``).

    Group DMs are listed in ``mpims`` for an ``mpim_aware`` client; for any other they are
    among the ``groups`` (``is_mpim`` true), as Slack showed them to clients that predate
    them, and ``mpims`` is empty."""
    reads, identity = call.services.reads, call.identity
    me = identity.user.id
    states = await reads.read_state.states_of(me)
    found: dict[str, list[dict[str, Any]]] = {"channels": [], "groups": [], "ims": [], "mpims": []}
    conversations = await reads.list_conversations(
        identity.team.id, ALL_KINDS, viewer=me, exclude_archived=False, after="", limit=ALL_ROWS
    )
    for conversation in conversations:
        state = states.get(conversation.id)
        if conversation.is_im:
            obj = im_object(conversation, user=await im_peer(call, conversation))
            shown = state or ReadState()
            obj["is_open"] = shown.is_open
            if with_unreads:
                obj.update(read_fields(shown))
            found["ims"].append(obj)
            continue
        members = await reads.list_members(conversation.id, "", member_cap)
        obj = legacy_channel_object(conversation, is_member=state is not None, members=members)
        if state is not None and with_unreads:
            obj.update(member_read_state(conversation, state))
        if conversation.is_mpim:
            key = "mpims" if mpim_aware else "groups"
        else:
            key = "groups" if conversation.is_private else "channels"
        found[key].append(obj)
    return found


METHODS = [
    MethodSpec("conversations.mark", conversations_mark, Tier.TIER_3, _MARK_SCOPES),
]

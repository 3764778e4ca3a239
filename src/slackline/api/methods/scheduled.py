"""``chat.scheduleMessage``, ``chat.deleteScheduledMessage``, ``chat.scheduledMessages.list``.

A scheduled message is checked as ``chat.postMessage`` checks a post (the conversation, the
content, the authorship) when it is scheduled, then by the schedule's rules
(:mod:`slackline.services.scheduled`); it is posted when ``post_at`` comes. Check order of
``chat.scheduleMessage``: ``channel_not_found``, ``not_in_channel``, ``is_archived``,
``invalid_time`` (``post_at`` missing or not a number), ``time_in_past``, ``time_too_far``,
the content errors, ``restricted_too_many``. Each user sees and deletes only the messages they
scheduled (with any of their tokens); another user's id is ``invalid_scheduled_message_id``.
"""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call
from slackline.api.methods.chat import (
    CHAT_SCOPES,
    PUBLIC_POST_SCOPE,
    draft_message,
    postable,
)
from slackline.api.methods.common import next_cursor_metadata, ts_arg
from slackline.api.methods.conversations import visible_conversation
from slackline.api.registry import MethodSpec
from slackline.domain.models import Message
from slackline.domain.ratelimit import Tier
from slackline.domain.shapes import message_object, page_of
from slackline.errors import SlackError, SlackErrorCode
from slackline.storage.scheduled import ScheduledMessage

SCHEDULED_CURSOR = "scheduled"
_MICROS_PER_SEC = 1_000_000
_LATEST_POST_AT = 9_999_999_999


def _seconds(call: Call, name: str, error: SlackErrorCode) -> int | None:
    """A Unix time argument in whole seconds (fractions dropped); None when absent."""
    micros = ts_arg(call, name, error)
    return None if micros is None else micros // _MICROS_PER_SEC


def delayed_object(draft: Message) -> dict[str, Any]:
    """The ``message`` chat.scheduleMessage answers: the draft as a ``delayed_message``."""
    obj = message_object(draft)
    obj["type"] = "delayed_message"
    obj.pop("ts", None)
    return obj


async def chat_schedule_message(call: Call) -> dict[str, Any]:
    """Store a message to be posted at ``post_at``."""
    conversation = await postable(call)
    post_at = _seconds(call, "post_at", SlackErrorCode.INVALID_TIME)
    if post_at is None:
        raise SlackError(SlackErrorCode.INVALID_TIME)
    scheduled_messages = call.services.scheduled
    scheduled_messages.check_post_at(post_at)
    draft = draft_message(call, conversation)
    identity = call.identity
    scheduled = ScheduledMessage(
        id=scheduled_messages.new_id(),
        post_at=post_at,
        date_created=int(call.services.clock.now()),
        draft=draft,
        broadcast=call.args.flag("reply_broadcast"),
        public=PUBLIC_POST_SCOPE in identity.token.scopes,
    )
    await scheduled_messages.schedule(scheduled)
    return {
        "channel": conversation.id,
        "scheduled_message_id": scheduled.id,
        "post_at": post_at,
        "message": delayed_object(draft),
    }


async def chat_delete_scheduled_message(call: Call) -> dict[str, Any]:
    """Remove one of the caller's pending messages before it is posted."""
    conversation, _ = await visible_conversation(call, call.args.text("channel"))
    await call.services.scheduled.delete(
        call.args.text("scheduled_message_id"), conversation.id, call.identity.user.id
    )
    return {}


def _after(call: Call) -> tuple[int, str] | None:
    key = call.args.cursor(SCHEDULED_CURSOR)
    if not key:
        return None
    post_at, _, scheduled_id = key.partition(":")
    if not post_at.isdigit() or not scheduled_id:
        raise SlackError(SlackErrorCode.INVALID_CURSOR)
    return int(post_at), scheduled_id


async def chat_scheduled_messages_list(call: Call) -> dict[str, Any]:
    """The caller's pending messages, earliest ``post_at`` first, in one channel or all."""
    channel = call.args.text("channel")
    if channel:
        try:
            conversation, _ = await visible_conversation(call, channel)
        except SlackError as error:
            raise SlackError(SlackErrorCode.INVALID_CHANNEL) from error
        channel = conversation.id
    oldest = _seconds(call, "oldest", SlackErrorCode.INVALID_ARGUMENTS) or 0
    latest = _seconds(call, "latest", SlackErrorCode.INVALID_ARGUMENTS)
    limit = call.args.limit()
    identity = call.identity
    rows = await call.services.reads.scheduled.list_for(
        identity.team.id,
        identity.user.id,
        channel=channel,
        oldest=oldest,
        latest=_LATEST_POST_AT if latest is None else latest,
        after=_after(call),
        limit=limit + 1,
    )
    page = page_of(rows, limit, SCHEDULED_CURSOR, lambda s: f"{s.post_at}:{s.id}")
    listed = [
        {
            "id": s.id,
            "channel_id": s.channel,
            "post_at": s.post_at,
            "date_created": s.date_created,
            "text": s.draft.text,
        }
        for s in page.items
    ]
    return {"scheduled_messages": listed, **next_cursor_metadata(page.next_cursor)}


METHODS = [
    MethodSpec(
        "chat.scheduleMessage",
        chat_schedule_message,
        Tier.TIER_3,
        CHAT_SCOPES,
        bool_args=("as_user", "link_names", "reply_broadcast", "unfurl_links", "unfurl_media"),
        publishes=False,
    ),
    MethodSpec(
        "chat.deleteScheduledMessage",
        chat_delete_scheduled_message,
        Tier.TIER_3,
        CHAT_SCOPES,
        bool_args=("as_user",),
        publishes=False,
    ),
    MethodSpec(
        "chat.scheduledMessages.list",
        chat_scheduled_messages_list,
        Tier.TIER_3,
        (),
        publishes=False,
    ),
]

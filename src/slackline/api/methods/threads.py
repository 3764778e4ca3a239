"""``conversations.replies``: a thread, its parent first, then its replies oldest first.

``ts`` may name the parent or any reply; a ts that is not a stored message is
``thread_not_found``. The parent carries ``thread_ts`` and, when it has replies,
``reply_count``, ``reply_users_count``, ``latest_reply`` and ``reply_users``; replies carry
``parent_user_id``. ``latest``, ``oldest`` and ``inclusive`` are not applied.
"""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call
from slackline.api.methods.common import next_cursor_metadata
from slackline.api.methods.conversations import HISTORY_SCOPES, visible_conversation
from slackline.api.registry import MethodSpec
from slackline.domain.models import Message
from slackline.domain.pagination import MAX_PAGE_LIMIT
from slackline.domain.ratelimit import Tier
from slackline.domain.shapes import message_object, page_of
from slackline.errors import SlackErrorCode
from slackline.storage.base import ThreadSummary

REPLIES_CURSOR = "replies"


def thread_message(
    message: Message, root: str, parent_user: str | None, summary: ThreadSummary
) -> dict[str, Any]:
    """A message of a thread as conversations.replies shows it."""
    obj = message_object(message)
    if message.ts != root:
        if parent_user is not None:
            obj["parent_user_id"] = parent_user
        return obj
    obj["thread_ts"] = root
    if summary.reply_count:
        obj.update(
            reply_count=summary.reply_count,
            reply_users_count=len(summary.reply_users),
            latest_reply=summary.latest_reply,
            reply_users=summary.reply_users,
        )
    return obj


async def conversations_replies(call: Call) -> dict[str, Any]:
    """A page of the thread that ``ts`` belongs to."""
    conversation, _ = await visible_conversation(call, call.args.text("channel"))
    reads = call.services.reads
    not_found = SlackErrorCode.THREAD_NOT_FOUND
    found = await call.services.access.message(
        conversation, call.args.text("ts"), malformed=not_found, missing=not_found
    )
    root = found.thread_ts or found.ts
    parent = found if root == found.ts else await reads.get_message(conversation.id, root)
    limit = call.args.limit(default=MAX_PAGE_LIMIT)
    rows = await reads.list_thread(
        conversation.id, root, after=call.args.cursor(REPLIES_CURSOR), limit=limit + 1
    )
    page = page_of(rows, limit, REPLIES_CURSOR, lambda message: message.ts)
    summary = await reads.thread_summary(conversation.id, root)
    parent_user = parent.user if parent is not None else None
    return {
        "messages": [thread_message(m, root, parent_user, summary) for m in page.items],
        "has_more": bool(page.next_cursor),
        **next_cursor_metadata(page.next_cursor),
    }


METHODS = [
    MethodSpec(
        "conversations.replies",
        conversations_replies,
        Tier.TIER_3,
        HISTORY_SCOPES,
        bool_args=("inclusive", "include_all_metadata"),
        publishes=False,
    ),
]

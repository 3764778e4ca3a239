"""``conversations.replies``: a thread, its parent first, then its replies oldest first.

``ts`` may name the parent or any reply; a ts that is not a stored message is
``thread_not_found``. The parent comes first on the first page whatever ``oldest`` and
``latest`` say (as Slack answers), and counts toward ``limit``; the replies are those between
``oldest`` and ``latest`` (``inclusive`` keeps both ends), paged with ``cursor``. The parent
carries ``thread_ts``, its summary and whether the caller follows the thread
(:mod:`slackline.domain.threads`); replies carry ``parent_user_id``, broadcasts their
``root``. A message without replies is an ordinary message (no ``thread_ts``), alone on its
page, as Slack documents.
"""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call
from slackline.api.methods.common import next_cursor_metadata, ts_bound
from slackline.api.methods.conversations import (
    HISTORY_SCOPES,
    MAX_TS_MICROS,
    visible_conversation,
)
from slackline.api.registry import MethodSpec
from slackline.domain.models import Message
from slackline.domain.pagination import MAX_PAGE_LIMIT, encode_cursor
from slackline.domain.ratelimit import Tier
from slackline.domain.shapes import message_object
from slackline.domain.threads import BROADCAST_SUBTYPE, Reply, parent_fields, thread_root
from slackline.domain.ts import micros_to_ts, ts_to_micros
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.messages import PARENT_USER_KEY, ROOT_KEY

REPLIES_CURSOR = "replies"


def _cursor_ts(call: Call) -> str:
    """The ts the previous page ended on ("" on the first page)."""
    key = call.args.cursor(REPLIES_CURSOR)
    if key:
        try:
            ts_to_micros(key)
        except ValueError as exc:
            raise SlackError(SlackErrorCode.INVALID_CURSOR) from exc
    return key


def _reply_object(
    message: Message, parent: Message | None, root: dict[str, Any] | None
) -> dict[str, Any]:
    obj = message_object(message)
    if parent is not None:
        obj.setdefault(PARENT_USER_KEY, parent.user)
    if root is not None and message.subtype == BROADCAST_SUBTYPE:
        obj[ROOT_KEY] = root
    return obj


async def conversations_replies(call: Call) -> dict[str, Any]:
    """A page of the thread that ``ts`` belongs to."""
    conversation, _ = await visible_conversation(call, call.args.text("channel"))
    reads = call.services.reads
    not_found = SlackErrorCode.THREAD_NOT_FOUND
    found = await call.services.access.message(
        conversation, call.args.text("ts"), malformed=not_found, missing=not_found
    )
    latest = ts_bound(call, "latest", MAX_TS_MICROS, SlackErrorCode.INVALID_TS_LATEST)
    oldest = ts_bound(call, "oldest", 0, SlackErrorCode.INVALID_TS_OLDEST)
    inclusive = call.args.flag("inclusive")
    limit = call.args.limit(default=MAX_PAGE_LIMIT)
    cursor = _cursor_ts(call)
    root = thread_root(found)
    parent = found if root == found.ts else await reads.get_message(conversation.id, root)
    # Replies strictly after ``after`` and (with ``inclusive``, at or) below ``latest``.
    floor = micros_to_ts(max(oldest - 1 if inclusive else oldest, 0))
    after = max(cursor, root, floor)
    ceiling = latest if inclusive else latest - 1
    with_parent = parent is not None and not cursor
    wanted = limit - 1 if with_parent else limit
    rows = await reads.list_thread(conversation.id, root, after=after, limit=wanted + 1)
    replies = [m for m in rows if ts_to_micros(m.ts) <= ceiling]
    has_more = len(replies) > wanted
    page = ([parent] if with_parent and parent is not None else []) + replies[:wanted]
    every_reply: list[Reply] = (await reads.replies_under(conversation.id, root, root)).get(
        root, []
    )
    root_object = (
        {**message_object(parent), **parent_fields(parent, every_reply)} if parent else None
    )
    messages = []
    for message in page:
        if message is parent:
            viewer = call.identity.user.id
            messages.append(
                {**message_object(message), **parent_fields(message, every_reply, viewer)}
            )
        else:
            messages.append(_reply_object(message, parent, root_object))
    cursor_out = encode_cursor(REPLIES_CURSOR, page[-1].ts) if has_more and page else ""
    return {"messages": messages, "has_more": has_more, **next_cursor_metadata(cursor_out)}


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

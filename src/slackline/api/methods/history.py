"""``conversations.history``: a conversation's messages between ``oldest`` and ``latest``,
newest first, with ``has_more`` and cursors; visibility is :mod:`slackline.domain.access`'s.

Thread replies are left out, except those also sent to the channel (``thread_broadcast``,
with their ``root``); a parent carries its reply summary and whether the caller follows it
(:mod:`slackline.domain.threads`)."""

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
from slackline.domain.ratelimit import Tier
from slackline.domain.shapes import page_of
from slackline.domain.ts import ts_to_micros
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.messages import shown_messages

HISTORY_CURSOR = "history"
MAX_HISTORY_LIMIT = 999


def _history_ceiling(call: Call, latest: int, inclusive: bool) -> int:
    """The upper bound for this page: ``latest``, or just below the cursor's message."""
    key = call.args.cursor(HISTORY_CURSOR)
    if not key:
        return latest
    try:
        cursor_micros = ts_to_micros(key)
    except ValueError as exc:
        raise SlackError(SlackErrorCode.INVALID_CURSOR) from exc
    # The store applies ``inclusive`` to both ends; one microsecond below the cursor makes an
    # inclusive upper bound exclusive of the message the previous page ended on.
    return min(latest, cursor_micros - 1 if inclusive else cursor_micros)


async def conversations_history(call: Call) -> dict[str, Any]:
    """Messages between ``oldest`` and ``latest``, newest first, with ``has_more``."""
    conversation, _ = await visible_conversation(call, call.args.text("channel"))
    latest = ts_bound(call, "latest", MAX_TS_MICROS, SlackErrorCode.INVALID_TS_LATEST)
    oldest = ts_bound(call, "oldest", 0, SlackErrorCode.INVALID_TS_OLDEST)
    inclusive = call.args.flag("inclusive")
    limit = min(call.args.limit(), MAX_HISTORY_LIMIT)
    rows = await call.services.reads.list_messages(
        conversation.id,
        oldest_micros=oldest,
        latest_micros=_history_ceiling(call, latest, inclusive),
        inclusive=inclusive,
        limit=limit + 1,
    )
    page = page_of(rows, limit, HISTORY_CURSOR, lambda message: message.ts)
    return {
        "messages": await shown_messages(call.services.reads, page.items, call.identity.user.id),
        "has_more": bool(page.next_cursor),
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
        **next_cursor_metadata(page.next_cursor),
    }


METHODS = [
    MethodSpec(
        "conversations.history",
        conversations_history,
        Tier.TIER_3,
        HISTORY_SCOPES,
        bool_args=("inclusive", "include_all_metadata"),
        publishes=False,
    ),
]

"""Starred items: the model and the shapes ``stars.list`` and ``star_added`` /
``star_removed`` show (pure). A star marks a message (``ts`` set) or a whole conversation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slackline.domain.models import Conversation
from slackline.domain.pins import permalink


@dataclass(frozen=True, slots=True)
class Star:
    """One user's star on a message (``ts``) or on a conversation (``ts`` empty).

    ``seq`` orders a user's stars (the newest has the largest); 0 until stored.
    """

    user_id: str
    team_id: str
    channel: str
    ts: str = ""
    created: int = 0
    seq: int = 0


def conversation_item_type(conversation: Conversation) -> str:
    """The ``type`` of a starred conversation: ``channel``, ``group`` (private channels and
    group DMs, as Slack has always named them) or ``im``."""
    if conversation.is_im:
        return "im"
    if conversation.is_private or conversation.is_mpim:
        return "group"
    return "channel"


def star_item(
    star: Star, conversation: Conversation, message: dict[str, Any] | None, workspace_url: str
) -> dict[str, Any]:
    """One item of ``stars.list`` (and the ``item`` of the star events)."""
    if message is None:
        return {
            "type": conversation_item_type(conversation),
            "channel": conversation.id,
            "date_create": star.created,
        }
    shown = {
        **message,
        "is_starred": True,
        "permalink": permalink(workspace_url, star.channel, star.ts),
    }
    return {
        "type": "message",
        "channel": conversation.id,
        "message": shown,
        "date_create": star.created,
    }

"""Pinned messages: the model, what may be pinned, and the shapes ``pins.list`` and the
``pin_added`` / ``pin_removed`` events show (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slackline.domain.models import Message

# Slack allows 100 pinned items per channel (``too_many_pins`` beyond).
MAX_PINS_PER_CHANNEL = 100
# Messages people wrote (a bot's included) may be pinned; system messages (joins, renames,
# archives …) are ``not_pinnable``.
PINNABLE_SUBTYPES = frozenset({"bot_message", "me_message", "thread_broadcast", "file_share"})


@dataclass(frozen=True, slots=True)
class Pin:
    """A message pinned in its conversation, by whom and when (epoch seconds)."""

    channel: str
    ts: str
    team_id: str
    pinned_by: str
    created: int = 0


def pinnable(message: Message) -> bool:
    """Whether a message may be pinned (``not_pinnable`` otherwise)."""
    return message.subtype is None or message.subtype in PINNABLE_SUBTYPES


def permalink(workspace_url: str, channel: str, ts: str) -> str:
    """A message's permalink: ``<workspace URL>archives/<channel>/p<ts without the dot>``."""
    return f"{workspace_url}archives/{channel}/p{ts.replace('.', '')}"


def pin_item(pin: Pin, message: dict[str, Any], workspace_url: str) -> dict[str, Any]:
    """One item of ``pins.list`` (and the ``item`` of the pin events): the message object with
    ``pinned_to`` and ``permalink``, who pinned it and when."""
    shown = {
        **message,
        "pinned_to": [pin.channel],
        "permalink": permalink(workspace_url, pin.channel, pin.ts),
    }
    return {
        "type": "message",
        "channel": pin.channel,
        "created": pin.created,
        "created_by": pin.pinned_by,
        "message": shown,
    }

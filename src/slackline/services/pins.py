"""Pinning messages (``pin_added``, ``pin_removed``).

Both events go to the conversation's members (a private conversation's pins never reach
anyone else): ``{type, user, channel_id, item, event_ts}``, ``pin_removed`` with
``has_pins`` (whether other pins remain). ``item`` is the pin as ``pins.list`` shows it.
Stored first, announced after (decisions F.1).
"""

from __future__ import annotations

from typing import Any

from slackline.broker import Event
from slackline.domain.models import Conversation, Message, User
from slackline.domain.pins import MAX_PINS_PER_CHANNEL, Pin, pin_item, pinnable
from slackline.domain.shapes import message_object
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.deps import ServiceDeps
from slackline.services.notices import event_ts


class PinService:
    """Pins and unpins messages, then tells the conversation's members."""

    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
        self._pins = deps.store.pins

    async def add(
        self, conversation: Conversation, message: Message, user: User, workspace_url: str
    ) -> Pin:
        """Pin a message: ``not_pinnable``, ``already_pinned``, ``too_many_pins``."""
        if not pinnable(message):
            raise SlackError(SlackErrorCode.NOT_PINNABLE)
        if await self._pins.get_pin(conversation.id, message.ts) is not None:
            raise SlackError(SlackErrorCode.ALREADY_PINNED)
        if len(await self._pins.list_pins(conversation.id)) >= MAX_PINS_PER_CHANNEL:
            raise SlackError(SlackErrorCode.TOO_MANY_PINS)
        now = int(self._deps.clock.now())
        pin = Pin(conversation.id, message.ts, conversation.team_id, user.id, now)
        if not await self._pins.add_pin(pin):
            if await self._deps.store.get_message(conversation.id, message.ts) is None:
                raise SlackError(SlackErrorCode.MESSAGE_NOT_FOUND)
            raise SlackError(SlackErrorCode.ALREADY_PINNED)
        item = pin_item(pin, message_object(message), workspace_url)
        await self._announce("pin_added", pin, user, item, {})
        return pin

    async def remove(
        self, conversation: Conversation, message: Message, user: User, workspace_url: str
    ) -> None:
        """Unpin a message: ``no_pin`` when it is not pinned (the error Slack answers)."""
        pin = await self._pins.get_pin(conversation.id, message.ts)
        if pin is None or not await self._pins.remove_pin(conversation.id, message.ts):
            raise SlackError(SlackErrorCode.NO_PIN)
        has_pins = bool(await self._pins.list_pins(conversation.id))
        item = pin_item(pin, message_object(message), workspace_url)
        await self._announce("pin_removed", pin, user, item, {"has_pins": has_pins})

    async def _announce(
        self,
        kind: str,
        pin: Pin,
        user: User,
        item: dict[str, Any],
        extra: dict[str, Any],
    ) -> None:
        payload = {
            "type": kind,
            "user": user.id,
            "channel_id": pin.channel,
            "item": item,
            **extra,
            "event_ts": event_ts(self._deps.clock),
        }
        members = await self._deps.conversations.members(pin.channel)
        await self._deps.broker.publish(Event(pin.team_id, payload, members))

"""Emoji reactions on messages, announced as ``reaction_added`` and ``reaction_removed``.

The events go to the conversation's members: ``{user, reaction, item_user, item: {type:
"message", channel, ts}, event_ts}``. Stored first, announced after (decisions F.1).
"""

from __future__ import annotations

import re

from slackline.broker import Broker, Event
from slackline.clock import Clock
from slackline.domain.models import Message
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.notices import event_ts, member_ids
from slackline.storage.base import Store

MAX_NAME_CHARS = 100
# Slack's emoji names: lower-case letters, digits, ``_ - + '``, and an optional skin tone.
_NAME_PATTERN = re.compile(r"[a-z0-9_+'\-]+(::skin-tone-[2-6])?")


def reaction_name(raw: str) -> str:
    """The emoji name without surrounding colons; ``invalid_name`` if it cannot be one."""
    name = raw.strip()
    if len(name) > 2 and name.startswith(":") and name.endswith(":"):
        name = name[1:-1]
    if not name or len(name) > MAX_NAME_CHARS or not _NAME_PATTERN.fullmatch(name):
        raise SlackError(SlackErrorCode.INVALID_NAME)
    return name


class ReactionService:
    """Adds and removes reactions, then tells the conversation's members."""

    def __init__(self, store: Store, broker: Broker, clock: Clock) -> None:
        self._store = store
        self._broker = broker
        self._clock = clock

    async def add(self, message: Message, user_id: str, name: str) -> None:
        """React; ``already_reacted`` or ``message_not_found`` when the store refuses."""
        if not await self._store.add_reaction(message.channel, message.ts, name, user_id):
            if await self._store.get_message(message.channel, message.ts) is None:
                raise SlackError(SlackErrorCode.MESSAGE_NOT_FOUND)
            raise SlackError(SlackErrorCode.ALREADY_REACTED)
        await self._announce("reaction_added", message, user_id, name)

    async def remove(self, message: Message, user_id: str, name: str) -> None:
        """Take a reaction back; ``no_reaction`` if there was none."""
        if not await self._store.remove_reaction(message.channel, message.ts, name, user_id):
            raise SlackError(SlackErrorCode.NO_REACTION)
        await self._announce("reaction_removed", message, user_id, name)

    async def _announce(self, kind: str, message: Message, user_id: str, name: str) -> None:
        payload = {
            "type": kind,
            "user": user_id,
            "reaction": name,
            "item_user": message.user,
            "item": {"type": "message", "channel": message.channel, "ts": message.ts},
            "event_ts": event_ts(self._clock),
        }
        members = await member_ids(self._store, message.channel)
        await self._broker.publish(Event(message.team_id, payload, members))

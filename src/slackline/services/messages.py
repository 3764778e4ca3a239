"""Posting messages: store (committed) first, then publish the ``message`` event."""

from __future__ import annotations

from slackline.broker import Broker, Event
from slackline.clock import Clock
from slackline.domain.models import Message
from slackline.domain.shapes import message_object
from slackline.storage.base import Store

MAX_TEXT_CHARS = 40_000


class MessageService:
    """Stores messages and publishes their events after commit."""

    def __init__(self, store: Store, broker: Broker, clock: Clock) -> None:
        self._store = store
        self._broker = broker
        self._clock = clock

    async def post_message(self, draft: Message) -> Message:
        """Store a message under a fresh ts and publish it to the conversation's members."""
        stored = await self._store.insert_message(draft, self._clock.now())
        members = await self._store.list_members(stored.channel, "", 1_000_000)
        payload = {**message_object(stored), "channel": stored.channel, "event_ts": stored.ts}
        await self._broker.publish(Event(stored.team_id, payload, frozenset(members)))
        return stored

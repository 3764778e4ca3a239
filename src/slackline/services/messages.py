"""Posting messages: where a message may go (:mod:`slackline.domain.access`), then store
(committed) first, then publish.

The same rules serve ``chat.postMessage`` and RTM ``message`` frames, and so do the text
limits (:func:`check_text`): empty text with no blocks or attachments is ``no_text``; more
than the transport's limit (40,000 characters on the Web API, 4,000 on the socket) is
``msg_too_long``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from slackline.broker import Broker, Event
from slackline.clock import Clock
from slackline.domain.models import Message
from slackline.domain.shapes import message_object
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.conversation_cache import ConversationCache
from slackline.storage.base import Store

MAX_TEXT_CHARS = 40_000
MAX_RTM_TEXT_CHARS = 4_000


def check_text(text: str, *, has_rich_content: bool, max_chars: int = MAX_TEXT_CHARS) -> None:
    """``no_text`` for nothing to show, ``msg_too_long`` above ``max_chars``."""
    if not text.strip() and not has_rich_content:
        raise SlackError(SlackErrorCode.NO_TEXT)
    if len(text) > max_chars:
        raise SlackError(SlackErrorCode.MSG_TOO_LONG)


@dataclass(frozen=True, slots=True)
class Posted:
    """A stored message and its object as events and responses show it (built once)."""

    message: Message
    object: dict[str, Any]


class PostWindow(Protocol):
    """Told when a post starts being stored and when its event is out (the RTM hub)."""

    def hold(self) -> None:
        """A post is being stored."""

    def release(self) -> None:
        """That post was published, or failed."""


class _NoWindow:
    def hold(self) -> None:
        """Nothing waits for posts."""

    def release(self) -> None:
        """Nothing waits for posts."""


class MessageService:
    """Stores messages and publishes their events after commit."""

    def __init__(
        self, store: Store, broker: Broker, clock: Clock, conversations: ConversationCache
    ) -> None:
        self._store = store
        self._broker = broker
        self._clock = clock
        self.conversations = conversations
        self.window: PostWindow = _NoWindow()

    async def post_message(self, draft: Message) -> Posted:
        """Store a message under a fresh ts and publish it to the conversation's members."""
        self.window.hold()
        try:
            stored = await self._store.insert_message(draft, self._clock.now())
            members = await self.conversations.members(stored.channel)
            shown = message_object(stored)
            payload = {**shown, "channel": stored.channel, "event_ts": stored.ts}
            await self._broker.publish(Event(stored.team_id, payload, members))
        finally:
            self.window.release()
        return Posted(stored, shown)

"""Posting messages: where a message may go (:mod:`slackline.domain.access`), then store
(committed) first, then publish.

The same rules serve ``chat.postMessage``, ``chat.meMessage``, scheduled messages and RTM
``message`` frames, and so do the text limits (:func:`check_text`): empty text with no
blocks or attachments is ``no_text``; more than the transport's limit (40,000 characters on
the Web API, 4,000 on the socket) is ``msg_too_long``.

Threads (:mod:`slackline.domain.threads`): a reply's ``thread_ts`` is its thread's parent
(a ``thread_ts`` naming a reply is moved to that reply's parent); it carries
``parent_user_id``, and, sent to the channel too, the subtype ``thread_broadcast`` and the
parent as ``root``. After the reply's own ``message`` event the members get
``message_replied`` with the parent's new state. A ``thread_ts`` naming no message is kept
as given (the reply is stored and delivered, no parent is told).

Ephemeral messages (``chat.postEphemeral``) are never stored: they reach one user's
sessions as a ``message`` with ``is_ephemeral: true``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from slackline.broker import Broker, Event
from slackline.clock import Clock
from slackline.domain.models import Message
from slackline.domain.shapes import message_object
from slackline.domain.threads import (
    BROADCAST_SUBTYPE,
    is_reply,
    parent_fields,
    replied_event,
    thread_root,
)
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.conversation_cache import ConversationCache
from slackline.services.notices import event_ts
from slackline.storage.base import Store, StoreReader

MAX_TEXT_CHARS = 40_000
MAX_RTM_TEXT_CHARS = 4_000
PARENT_USER_KEY = "parent_user_id"
ROOT_KEY = "root"


def check_text(text: str, *, has_rich_content: bool, max_chars: int = MAX_TEXT_CHARS) -> None:
    """``no_text`` for nothing to show, ``msg_too_long`` above ``max_chars``."""
    if not text.strip() and not has_rich_content:
        raise SlackError(SlackErrorCode.NO_TEXT)
    if len(text) > max_chars:
        raise SlackError(SlackErrorCode.MSG_TOO_LONG)


async def thread_fields(
    reads: StoreReader, message: Message, viewer: str | None = None
) -> dict[str, Any]:
    """The thread keys of one message: a parent's summary (nothing for a reply or a message
    without replies), with the viewer's subscription when a viewer is given."""
    if is_reply(message):
        return {}
    found = await reads.replies_under(message.channel, message.ts, message.ts)
    return parent_fields(message, found.get(message.ts, []), viewer)


async def parent_object(reads: StoreReader, parent: Message) -> dict[str, Any]:
    """A parent as events and ``root`` show it: the message and its thread summary."""
    return {**message_object(parent), **await thread_fields(reads, parent)}


async def shown_messages(
    reads: StoreReader, messages: Sequence[Message], viewer: str
) -> list[dict[str, Any]]:
    """A page of one conversation's messages as the viewer sees them: parents with their
    thread summaries (one query for the page), broadcasts with their ``root``."""
    if not messages:
        return []
    channel = messages[0].channel
    stamps = [m.ts for m in messages]
    replies = await reads.replies_under(channel, min(stamps), max(stamps))
    by_ts = {m.ts: m for m in messages}
    shown = []
    for message in messages:
        obj = message_object(message)
        if not is_reply(message):
            obj.update(parent_fields(message, replies.get(message.ts, []), viewer))
        elif message.subtype == BROADCAST_SUBTYPE and message.thread_ts is not None:
            root = await _root_of(reads, channel, message.thread_ts, by_ts, replies)
            if root is not None:
                obj[ROOT_KEY] = root
        shown.append(obj)
    return shown


async def _root_of(
    reads: StoreReader,
    channel: str,
    root_ts: str,
    page: dict[str, Message],
    replies: dict[str, list[tuple[str, str]]],
) -> dict[str, Any] | None:
    parent = page.get(root_ts)
    if parent is not None:
        return {**message_object(parent), **parent_fields(parent, replies.get(root_ts, []))}
    found = await reads.get_message(channel, root_ts)
    return await parent_object(reads, found) if found is not None else None


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

    async def post_message(self, draft: Message, *, broadcast: bool = False) -> Posted:
        """Store a message under a fresh ts and publish it to the conversation's members.

        A reply (``thread_ts``) is linked to its parent and also announces the parent's new
        state (``message_replied``); ``broadcast`` sends it to the channel too.
        """
        parent = None
        if draft.thread_ts:
            draft, parent = await self._as_reply(draft, draft.thread_ts, broadcast=broadcast)
        self.window.hold()
        try:
            stored = await self._store.insert_message(draft, self._clock.now())
            members = await self.conversations.members(stored.channel)
            shown = message_object(stored)
            root = await parent_object(self._store, parent) if parent is not None else None
            if root is not None and stored.subtype == BROADCAST_SUBTYPE:
                shown[ROOT_KEY] = root
            payload = {**shown, "channel": stored.channel, "event_ts": stored.ts}
            await self._broker.publish(Event(stored.team_id, payload, members))
            if root is not None:
                replied = replied_event(stored.channel, root, event_ts(self._clock))
                await self._broker.publish(Event(stored.team_id, replied, members))
        finally:
            self.window.release()
        return Posted(stored, shown)

    async def post_ephemeral(self, draft: Message, recipient: str) -> str:
        """Show a message to one member only, without storing it; returns its ``ts``."""
        stamp = event_ts(self._clock)
        shown = message_object(dataclasses.replace(draft, ts=stamp))
        payload = {**shown, "is_ephemeral": True, "channel": draft.channel, "event_ts": stamp}
        await self._broker.publish(Event(draft.team_id, payload, frozenset({recipient})))
        return stamp

    async def _as_reply(
        self, draft: Message, thread_ts: str, *, broadcast: bool
    ) -> tuple[Message, Message | None]:
        """The draft linked to its thread's parent, and that parent (None if there is none)."""
        target = await self._store.get_message(draft.channel, thread_ts)
        if target is None:
            return draft, None
        parent: Message | None = target
        if is_reply(target):
            parent = await self._store.get_message(draft.channel, thread_root(target))
        root_ts = thread_root(target)
        if parent is None:
            return dataclasses.replace(draft, thread_ts=root_ts), None
        extra = {**draft.extra, PARENT_USER_KEY: parent.user}
        subtype = BROADCAST_SUBTYPE if broadcast else draft.subtype
        return dataclasses.replace(draft, thread_ts=root_ts, extra=extra, subtype=subtype), parent

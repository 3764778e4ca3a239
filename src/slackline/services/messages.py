"""Posting messages: who may post where, then store (committed) first, then publish.

The same rules serve ``chat.postMessage`` and (later) RTM ``message`` frames:

- a conversation of another team, or an unknown one, is ``channel_not_found``;
- so is a private channel, DM or group DM the poster is not a member of: a non-member never
  learns that a private conversation exists (Slack answers the same);
- a poster who is not a member of a public channel is ``not_in_channel``: Slack refuses
  classic bots outside the channel, and Slackline applies the rule to every token, except
  tokens granted ``chat:write.public``, which may post to public channels they have not
  joined (Slack's granular-bot scope for exactly that);
- an archived conversation is ``is_archived``;
- empty text with no blocks or attachments is ``no_text``; more than 40,000 characters is
  ``msg_too_long``.
"""

from __future__ import annotations

from typing import Protocol

from slackline.broker import Broker, Event
from slackline.clock import Clock
from slackline.domain.models import Conversation, Message
from slackline.domain.shapes import message_object
from slackline.errors import SlackError, SlackErrorCode
from slackline.storage.base import ALL_ROWS, Store

MAX_TEXT_CHARS = 40_000
MAX_CACHED_CONVERSATIONS = 10_000


def check_text(text: str, *, has_rich_content: bool) -> None:
    """``no_text`` for nothing to show, ``msg_too_long`` above :data:`MAX_TEXT_CHARS`."""
    if not text.strip() and not has_rich_content:
        raise SlackError(SlackErrorCode.NO_TEXT)
    if len(text) > MAX_TEXT_CHARS:
        raise SlackError(SlackErrorCode.MSG_TOO_LONG)


def _members_only(conversation: Conversation) -> bool:
    return conversation.is_private or conversation.is_im or conversation.is_mpim


class ConversationCache:
    """Conversations and their members, read through from the store and kept in memory.

    Only services change conversations and membership, and each calls :meth:`forget` for
    the conversation it changed, after the change is stored (workspace documents empty the
    whole cache through :meth:`clear`). Every forget starts a new generation: a read begun
    before it is returned but not kept, so a change made while it was reading storage always
    wins. Disabled (every call reads storage) when other processes may change the same
    database, since their changes would not reach this cache.
    """

    def __init__(self, store: Store, *, enabled: bool) -> None:
        self._store = store
        self._enabled = enabled
        self._conversations: dict[str, Conversation] = {}
        self._members: dict[str, frozenset[str]] = {}
        self._generation = 0

    async def conversation(self, conversation_id: str) -> Conversation | None:
        """A conversation by id."""
        cached = self._conversations.get(conversation_id)
        if cached is not None:
            return cached
        generation = self._generation
        found = await self._store.get_conversation(conversation_id)
        if found is not None and self._keeps(generation):
            self._conversations[conversation_id] = found
        return found

    async def members(self, conversation_id: str) -> frozenset[str]:
        """Every member of a conversation."""
        cached = self._members.get(conversation_id)
        if cached is not None:
            return cached
        generation = self._generation
        found = frozenset(await self._store.list_members(conversation_id, "", ALL_ROWS))
        if self._keeps(generation):
            self._members[conversation_id] = found
        return found

    async def is_member(self, conversation_id: str, user_id: str) -> bool:
        """Whether the user is a member (one indexed lookup when the cache is disabled)."""
        if not self._enabled:
            return await self._store.is_member(conversation_id, user_id)
        return user_id in await self.members(conversation_id)

    def forget(self, conversation_id: str) -> None:
        """Call after any stored change to a conversation or its members."""
        self._generation += 1
        self._conversations.pop(conversation_id, None)
        self._members.pop(conversation_id, None)

    def clear(self) -> None:
        """Forget everything (a workspace document may have changed anything)."""
        self._generation += 1
        self._conversations.clear()
        self._members.clear()

    def _keeps(self, generation: int) -> bool:
        if not self._enabled or generation != self._generation:
            return False
        if len(self._members) + len(self._conversations) >= MAX_CACHED_CONVERSATIONS:
            self._conversations.clear()
            self._members.clear()
        return True


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
    """Checks where a message may go, stores it and publishes its event after commit."""

    def __init__(
        self,
        store: Store,
        broker: Broker,
        clock: Clock,
        conversations: ConversationCache | None = None,
    ) -> None:
        self._store = store
        self._broker = broker
        self._clock = clock
        self.conversations = conversations or ConversationCache(store, enabled=False)
        self.window: PostWindow = _NoWindow()

    async def conversation_for_post(
        self, team_id: str, channel_id: str, user_id: str, *, public_without_membership: bool
    ) -> Conversation:
        """The conversation ``user_id`` may post to, or the error saying why not."""
        conversation = await self.conversations.conversation(channel_id) if channel_id else None
        if conversation is None or conversation.team_id != team_id:
            raise SlackError(SlackErrorCode.CHANNEL_NOT_FOUND)
        if not await self.conversations.is_member(conversation.id, user_id):
            if _members_only(conversation):
                raise SlackError(SlackErrorCode.CHANNEL_NOT_FOUND)
            if not public_without_membership:
                raise SlackError(SlackErrorCode.NOT_IN_CHANNEL)
        if conversation.is_archived:
            raise SlackError(SlackErrorCode.IS_ARCHIVED)
        return conversation

    async def post_message(self, draft: Message) -> Message:
        """Store a message under a fresh ts and publish it to the conversation's members."""
        self.window.hold()
        try:
            stored = await self._store.insert_message(draft, self._clock.now())
            members = await self.conversations.members(stored.channel)
            payload = {**message_object(stored), "channel": stored.channel, "event_ts": stored.ts}
            await self._broker.publish(Event(stored.team_id, payload, members))
        finally:
            self.window.release()
        return stored

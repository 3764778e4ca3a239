"""Conversations and their members kept in memory, when this process is the only writer."""

from __future__ import annotations

from slackline.domain.models import Conversation
from slackline.storage.base import ALL_ROWS, Store

MAX_CACHED_CONVERSATIONS = 10_000


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

    async def count_members(self, conversation_id: str) -> int:
        """How many members a conversation has (one count in storage when disabled)."""
        if not self._enabled:
            return await self._store.count_members(conversation_id)
        return len(await self.members(conversation_id))

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

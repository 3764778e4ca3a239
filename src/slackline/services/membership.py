"""Who is in a channel: join, leave, invite and kick (DMs and group DMs are opened by
:mod:`slackline.services.conversations`).

Every change is stored first and announced after (decisions F.1):

- the user who joined gets ``channel_joined`` (``group_joined`` for private channels) with
  the full channel object; the members, the new one included, get ``member_joined_channel``
  (with ``inviter`` when invited) and a stored ``channel_join`` message;
- the user who left gets ``channel_left`` (``group_left``); the members before the change,
  the leaver included, get ``member_left_channel``; leaving (not being kicked) also stores a
  ``channel_leave`` message for the remaining members.

A new member has read the channel up to their own ``channel_join`` message, so what was said
before they joined is not unread for them.
"""

from __future__ import annotations

from typing import Any

from slackline.broker import Broker, Event
from slackline.clock import Clock, IdFactory
from slackline.domain.models import Conversation, User
from slackline.domain.shapes import conversation_object
from slackline.services.messages import MessageService
from slackline.services.notices import (
    channel_type,
    event_prefix,
    member_ids,
    mention,
    notice,
)
from slackline.storage.base import Store


class MembershipService:
    """Changes membership, then publishes the events of decisions E for it."""

    def __init__(
        self, store: Store, broker: Broker, clock: Clock, ids: IdFactory, messages: MessageService
    ) -> None:
        self._store = store
        self._broker = broker
        self._clock = clock
        self._ids = ids
        self._messages = messages

    async def join(self, conversation: Conversation, user: User) -> bool:
        """Add ``user``; False (and nothing announced) if they were a member already."""
        added = await self._store.add_members(conversation.id, [user.id])
        self._messages.conversations.forget(conversation.id)
        if not added:
            return False
        await self._announce_join(conversation, user, inviter=None)
        return True

    async def invite(self, conversation: Conversation, inviter: User, users: list[User]) -> None:
        """Add every user who is not a member yet, announcing each with ``inviter``."""
        added = set(await self._store.add_members(conversation.id, [u.id for u in users]))
        self._messages.conversations.forget(conversation.id)
        for user in users:
            if user.id in added:
                await self._announce_join(conversation, user, inviter=inviter.id)

    async def leave(self, conversation: Conversation, user: User) -> bool:
        """Remove ``user`` and store a ``channel_leave`` message; False if not a member."""
        return await self._remove(conversation, user, with_notice=True)

    async def kick(self, conversation: Conversation, user: User) -> bool:
        """Remove ``user`` (no message is stored); False if not a member."""
        return await self._remove(conversation, user, with_notice=False)

    async def _announce_join(
        self, conversation: Conversation, user: User, *, inviter: str | None
    ) -> None:
        team_id = conversation.team_id
        joined = {
            "type": f"{event_prefix(conversation)}_joined",
            "channel": conversation_object(conversation, is_member=True),
        }
        await self._broker.publish(Event(team_id, joined, frozenset({user.id})))
        member: dict[str, Any] = {
            "type": "member_joined_channel",
            "user": user.id,
            "channel": conversation.id,
            "channel_type": channel_type(conversation),
            "team": team_id,
        }
        if inviter is not None:
            member["inviter"] = inviter
        members = await member_ids(self._store, conversation.id)
        await self._broker.publish(Event(team_id, member, members))
        extra = {"inviter": inviter} if inviter is not None else {}
        text = f"{mention(user)} has joined the channel"
        draft = notice(conversation, user, "channel_join", text, **extra)
        posted = await self._messages.post_message(draft)
        await self._store.read_state.mark(conversation.id, user.id, posted.message.ts)

    async def _remove(self, conversation: Conversation, user: User, *, with_notice: bool) -> bool:
        before = await member_ids(self._store, conversation.id)
        removed = await self._store.remove_member(conversation.id, user.id)
        self._messages.conversations.forget(conversation.id)
        if not removed:
            return False
        team_id = conversation.team_id
        left = {"type": f"{event_prefix(conversation)}_left", "channel": conversation.id}
        await self._broker.publish(Event(team_id, left, frozenset({user.id})))
        member = {
            "type": "member_left_channel",
            "user": user.id,
            "channel": conversation.id,
            "channel_type": channel_type(conversation),
            "team": team_id,
        }
        await self._broker.publish(Event(team_id, member, before | {user.id}))
        if with_notice:
            text = f"{mention(user)} has left the channel"
            await self._messages.post_message(notice(conversation, user, "channel_leave", text))
        return True

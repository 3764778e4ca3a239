"""A channel's life: creation, renaming, archiving and unarchiving.

Public channels announce these to the whole team (``channel_created``, ``channel_rename``,
``channel_archive``, ``channel_unarchive``); private channels only to their members
(``group_joined`` for the creator, ``group_rename``, ``group_archive``,
``group_unarchive``). Renaming, archiving and unarchiving also store a system message
(``channel_name``, ``channel_archive``, ``channel_unarchive``) for the members. Everything
is stored first and announced after (decisions F.1).
"""

from __future__ import annotations

import dataclasses

from slackline.broker import Broker, Event
from slackline.clock import Clock, IdFactory
from slackline.domain.access import lifecycle_audience
from slackline.domain.models import Conversation, User
from slackline.domain.shapes import conversation_object, purpose_field, topic_field
from slackline.services.messages import MessageService
from slackline.services.notices import channel_type, event_prefix, member_ids, mention, notice
from slackline.storage.base import Store


class ChannelService:
    """Creates and changes channels, then publishes what changed."""

    def __init__(
        self, store: Store, broker: Broker, clock: Clock, ids: IdFactory, messages: MessageService
    ) -> None:
        self._store = store
        self._broker = broker
        self._clock = clock
        self._ids = ids
        self._messages = messages

    async def create(self, creator: User, name: str, *, is_private: bool) -> Conversation:
        """A new channel with its creator as the only member."""
        conversation = Conversation(
            id=self._ids.object_id("C"),
            team_id=creator.team_id,
            name=name,
            is_private=is_private,
            creator=creator.id,
            created=int(self._clock.now()),
        )
        await self._store.put_conversation(conversation)
        await self._store.add_members(conversation.id, [creator.id])
        self._messages.conversations.forget(conversation.id)
        team_id, only_creator = creator.team_id, frozenset({creator.id})
        if is_private:
            joined = {
                "type": "group_joined",
                "channel": conversation_object(conversation, is_member=True),
            }
            await self._broker.publish(Event(team_id, joined, only_creator))
        else:
            brief = {k: getattr(conversation, k) for k in ("id", "name", "created", "creator")}
            # Topic and purpose as in every conversation shape (empty for a new channel).
            brief |= {"topic": topic_field(conversation), "purpose": purpose_field(conversation)}
            created = {"type": "channel_created", "channel": brief}
            await self._broker.publish(Event(team_id, created))
        member = {
            "type": "member_joined_channel",
            "user": creator.id,
            "channel": conversation.id,
            "channel_type": channel_type(conversation),
            "team": team_id,
        }
        await self._broker.publish(Event(team_id, member, only_creator))
        return conversation

    async def rename(self, conversation: Conversation, actor: User, name: str) -> Conversation:
        """Store the new name, announce it and store a ``channel_name`` message."""
        old_name = conversation.name
        renamed = dataclasses.replace(conversation, name=name)
        await self._store.put_conversation(renamed)
        self._messages.conversations.forget(renamed.id)
        members = await member_ids(self._store, renamed.id)
        payload = {
            "type": f"{event_prefix(renamed)}_rename",
            "channel": {"id": renamed.id, "name": name, "created": renamed.created},
        }
        await self._broker.publish(
            Event(renamed.team_id, payload, lifecycle_audience(renamed, members))
        )
        text = f'{mention(actor)} has renamed the channel from "{old_name}" to "{name}"'
        draft = notice(renamed, actor, "channel_name", text, old_name=old_name, name=name)
        await self._messages.post_message(draft)
        return renamed

    async def archive(self, conversation: Conversation, actor: User) -> Conversation:
        """Mark archived, announce it and store a ``channel_archive`` message."""
        text = f"{mention(actor)} archived the channel"
        return await self._set_archived(conversation, actor, archived=True, text=text)

    async def unarchive(self, conversation: Conversation, actor: User) -> Conversation:
        """Mark unarchived, announce it and store a ``channel_unarchive`` message."""
        text = f"{mention(actor)} un-archived the channel"
        return await self._set_archived(conversation, actor, archived=False, text=text)

    async def _set_archived(
        self, conversation: Conversation, actor: User, *, archived: bool, text: str
    ) -> Conversation:
        changed = dataclasses.replace(conversation, is_archived=archived)
        await self._store.put_conversation(changed)
        self._messages.conversations.forget(changed.id)
        action = "archive" if archived else "unarchive"
        members = await member_ids(self._store, changed.id)
        payload = {
            "type": f"{event_prefix(changed)}_{action}",
            "channel": changed.id,
            "user": actor.id,
        }
        audience = lifecycle_audience(changed, members)
        await self._broker.publish(Event(changed.team_id, payload, audience))
        await self._messages.post_message(notice(changed, actor, f"channel_{action}", text))
        return changed

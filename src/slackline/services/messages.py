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

from slackline.broker import Broker, Event
from slackline.clock import Clock
from slackline.domain.models import Conversation, Message
from slackline.domain.shapes import message_object
from slackline.errors import SlackError, SlackErrorCode
from slackline.storage.base import Store

MAX_TEXT_CHARS = 40_000
_ALL_MEMBERS = 1_000_000


def check_text(text: str, *, has_rich_content: bool) -> None:
    """``no_text`` for nothing to show, ``msg_too_long`` above :data:`MAX_TEXT_CHARS`."""
    if not text.strip() and not has_rich_content:
        raise SlackError(SlackErrorCode.NO_TEXT)
    if len(text) > MAX_TEXT_CHARS:
        raise SlackError(SlackErrorCode.MSG_TOO_LONG)


def _members_only(conversation: Conversation) -> bool:
    return conversation.is_private or conversation.is_im or conversation.is_mpim


class MessageService:
    """Checks where a message may go, stores it and publishes its event after commit."""

    def __init__(self, store: Store, broker: Broker, clock: Clock) -> None:
        self._store = store
        self._broker = broker
        self._clock = clock

    async def conversation_for_post(
        self, team_id: str, channel_id: str, user_id: str, *, public_without_membership: bool
    ) -> Conversation:
        """The conversation ``user_id`` may post to, or the error saying why not."""
        conversation = await self._store.get_conversation(channel_id) if channel_id else None
        if conversation is None or conversation.team_id != team_id:
            raise SlackError(SlackErrorCode.CHANNEL_NOT_FOUND)
        if not await self._store.is_member(conversation.id, user_id):
            if _members_only(conversation):
                raise SlackError(SlackErrorCode.CHANNEL_NOT_FOUND)
            if not public_without_membership:
                raise SlackError(SlackErrorCode.NOT_IN_CHANNEL)
        if conversation.is_archived:
            raise SlackError(SlackErrorCode.IS_ARCHIVED)
        return conversation

    async def post_message(self, draft: Message) -> Message:
        """Store a message under a fresh ts and publish it to the conversation's members."""
        stored = await self._store.insert_message(draft, self._clock.now())
        members = await self._store.list_members(stored.channel, "", _ALL_MEMBERS)
        payload = {**message_object(stored), "channel": stored.channel, "event_ts": stored.ts}
        await self._broker.publish(Event(stored.team_id, payload, frozenset(members)))
        return stored

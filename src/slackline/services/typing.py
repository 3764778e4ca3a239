"""Typing indicators: ``user_typing`` to a conversation's other members."""

from __future__ import annotations

from slackline.broker import Broker, Event
from slackline.services.access import ConversationAccess
from slackline.services.conversation_cache import ConversationCache


class TypingService:
    """Checks the typist may speak in the conversation, then tells the other members."""

    def __init__(
        self, broker: Broker, access: ConversationAccess, conversations: ConversationCache
    ) -> None:
        self._broker = broker
        self._access = access
        self._conversations = conversations

    async def typing(self, team_id: str, channel_id: str, user_id: str) -> str:
        """Publish ``user_typing`` (never to the typist); returns the conversation id.

        Raises the same Slack errors as posting there would (``channel_not_found``,
        ``not_in_channel``, ``is_archived``).
        """
        conversation = await self._access.postable(
            team_id, user_id, channel_id, public_without_membership=False
        )
        members = await self._conversations.members(conversation.id)
        payload = {"type": "user_typing", "channel": conversation.id, "user": user_id}
        await self._broker.publish(Event(team_id, payload, members, exclude=user_id))
        return conversation.id

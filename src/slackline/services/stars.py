"""Starring items (``star_added``, ``star_removed``).

A star is private to its user: both events go to the user's own sessions only,
``{type, user, item, event_ts}``, ``item`` as ``stars.list`` shows it. Stored first,
announced after (decisions F.1).
"""

from __future__ import annotations

from slackline.broker import Event
from slackline.domain.models import Conversation, Message, User
from slackline.domain.shapes import message_object
from slackline.domain.stars import Star, star_item
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.deps import ServiceDeps
from slackline.services.notices import event_ts


class StarService:
    """Adds and removes a user's stars, then tells that user's sessions."""

    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
        self._stars = deps.store.stars

    async def add(
        self,
        user: User,
        conversation: Conversation,
        message: Message | None,
        workspace_url: str,
    ) -> Star:
        """Star a message (or, without one, the conversation): ``already_starred``."""
        ts = message.ts if message is not None else ""
        draft = Star(user.id, user.team_id, conversation.id, ts, int(self._deps.clock.now()))
        stored = await self._stars.add_star(draft)
        if stored is None:
            raise SlackError(SlackErrorCode.ALREADY_STARRED)
        await self._announce("star_added", stored, conversation, message, workspace_url)
        return stored

    async def remove(
        self,
        user: User,
        conversation: Conversation,
        message: Message | None,
        workspace_url: str,
    ) -> None:
        """Take a star back: ``not_starred`` when there is none."""
        ts = message.ts if message is not None else ""
        star = await self._stars.get_star(user.id, conversation.id, ts)
        if star is None or not await self._stars.remove_star(user.id, conversation.id, ts):
            raise SlackError(SlackErrorCode.NOT_STARRED)
        await self._announce("star_removed", star, conversation, message, workspace_url)

    async def _announce(
        self,
        kind: str,
        star: Star,
        conversation: Conversation,
        message: Message | None,
        workspace_url: str,
    ) -> None:
        shown = message_object(message) if message is not None else None
        payload = {
            "type": kind,
            "user": star.user_id,
            "item": star_item(star, conversation, shown, workspace_url),
            "event_ts": event_ts(self._deps.clock),
        }
        own = frozenset({star.user_id})
        await self._deps.broker.publish(Event(star.team_id, payload, own))

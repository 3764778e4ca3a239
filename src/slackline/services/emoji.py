"""A team's custom emoji (``emoji_changed``).

Custom emoji come from workspace files (a team's ``emoji:``) and the admin API
(``emoji.add``, ``emoji.remove``). Every change reaches the whole team as ``emoji_changed``:
``subtype: add`` with ``name`` and ``value`` for a new or changed emoji, ``subtype: remove``
with ``names``. Setting an emoji to the value it has changes and announces nothing.
"""

from __future__ import annotations

from slackline.broker import Event
from slackline.domain.emoji import CustomEmoji, emoji_added, emoji_name, emoji_removed, emoji_value
from slackline.services.deps import ServiceDeps
from slackline.services.notices import event_ts
from slackline.services.workspace import store_emoji


class EmojiService:
    """Adds and removes custom emoji, then tells the team."""

    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps

    async def add(self, team_id: str, name: str, value: str, user_id: str = "") -> CustomEmoji:
        """Add (or change) a custom emoji of an existing team; its name and value are
        checked (:class:`~slackline.domain.emoji.EmojiError`)."""
        emoji = CustomEmoji(
            team_id, emoji_name(name), emoji_value(value), user_id, int(self._deps.clock.now())
        )
        if await store_emoji(self._deps.store, emoji):
            payload = emoji_added(emoji, event_ts(self._deps.clock))
            await self._deps.broker.publish(Event(team_id, payload))
        return emoji

    async def remove(self, team_id: str, name: str) -> bool:
        """Remove a custom emoji; whether there was one (announced only then)."""
        checked = emoji_name(name)
        if not await self._deps.store.emoji.remove_emoji(team_id, checked):
            return False
        payload = emoji_removed([checked], event_ts(self._deps.clock))
        await self._deps.broker.publish(Event(team_id, payload))
        return True

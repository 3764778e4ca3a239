"""Per-user preferences (``pref_change``).

A preference that changes reaches the user's own sessions as ``pref_change`` (``name``,
``value``), one event per preference whose value changed, those kept in step included
(:func:`slackline.domain.prefs.changed_prefs`). A change of the do-not-disturb schedule's
preferences is also announced as :mod:`slackline.services.dnd` announces a snooze. Stored
first, announced after (decisions F.1).
"""

from __future__ import annotations

from typing import Any

from slackline.broker import Event
from slackline.domain.models import User
from slackline.domain.prefs import DND_PREFS, changed_prefs, effective_prefs
from slackline.services.deps import ServiceDeps
from slackline.services.dnd import DndService


class PrefsService:
    """Stores preferences, then tells the user's sessions."""

    def __init__(self, deps: ServiceDeps, dnd: DndService) -> None:
        self._deps = deps
        self._prefs = deps.store.prefs
        self._dnd = dnd

    async def effective(self, user_id: str) -> dict[str, Any]:
        """Every preference of a user: the defaults, overridden by what they set."""
        return effective_prefs(await self._prefs.get_prefs(user_id))

    async def set_prefs(self, user: User, changes: dict[str, Any]) -> dict[str, Any]:
        """Store checked values (:func:`slackline.domain.prefs.coerce_pref`); the
        preferences that changed, each announced as ``pref_change``."""
        current = await self.effective(user.id)
        changed = changed_prefs(current, changes)
        if not changed:
            return {}
        await self._prefs.set_prefs(user.id, user.team_id, changed)
        own = frozenset({user.id})
        for name, value in changed.items():
            payload = {"type": "pref_change", "name": name, "value": value}
            await self._deps.broker.publish(Event(user.team_id, payload, own))
        if DND_PREFS & changed.keys():
            await self._dnd.announce(user)
        return changed

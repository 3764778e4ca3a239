"""Per-user preferences and do-not-disturb (``pref_change``, ``dnd_updated``,
``dnd_updated_user``).

A preference that changes reaches the user's own sessions as ``pref_change`` (``name``,
``value``), one event per preference whose value changed, those kept in step included
(:func:`slackline.domain.prefs.changed_prefs`). A change of do-not-disturb (a snooze set
or ended, a window ended, the schedule's preferences) reaches the user's sessions as
``dnd_updated`` (``dnd_status`` with the snooze) and the whole team as ``dnd_updated_user``
(the schedule only: a snooze is the user's own business). Stored first, announced after
(decisions F.1).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from slackline.broker import Event
from slackline.domain.models import User
from slackline.domain.prefs import (
    DND_PREFS,
    DndSchedule,
    DndState,
    changed_prefs,
    dnd_status,
    effective_prefs,
    in_dnd,
    schedule,
    snooze_end,
    snooze_status,
    snoozing,
)
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.deps import ServiceDeps


class PrefsService:
    """Stores preferences and do-not-disturb, then tells whom it concerns."""

    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
        self._prefs = deps.store.prefs

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
            await self._announce_dnd(user)
        return changed

    async def dnd(self, user: User) -> tuple[DndSchedule, DndState | None]:
        """A user's scheduled window (in progress or next) and their snooze."""
        state = await self._prefs.get_dnd(user.id)
        prefs = await self.effective(user.id)
        return schedule(prefs, user.tz, self._deps.clock.now(), state), state

    async def set_snooze(self, user: User, minutes: int) -> dict[str, Any]:
        """Snooze for ``minutes`` from now (replacing any snooze); the snooze status."""
        now = self._deps.clock.now()
        state = await self._prefs.get_dnd(user.id) or DndState(user.id, user.team_id)
        snoozed = dataclasses.replace(state, snooze_endtime=snooze_end(now, minutes))
        await self._prefs.put_dnd(snoozed)
        await self._announce_dnd(user)
        return snooze_status(snoozed, now)

    async def end_snooze(self, user: User) -> dict[str, Any]:
        """End the snooze (``snooze_not_active`` without one); the status after."""
        now = self._deps.clock.now()
        state = await self._prefs.get_dnd(user.id)
        if state is None or not snoozing(state, now):
            raise SlackError(SlackErrorCode.SNOOZE_NOT_ACTIVE)
        ended = dataclasses.replace(state, snooze_endtime=0)
        await self._prefs.put_dnd(ended)
        await self._announce_dnd(user)
        window, _ = await self.dnd(user)
        return dnd_status(window, ended, now, own=True)

    async def end_dnd(self, user: User) -> None:
        """End do-not-disturb now: the snooze and the scheduled window in progress (until
        its end); ``not_in_dnd`` when neither is on."""
        now = self._deps.clock.now()
        window, state = await self.dnd(user)
        if not in_dnd(window, state, now):
            raise SlackError(SlackErrorCode.NOT_IN_DND)
        base = state or DndState(user.id, user.team_id)
        inside = window.enabled and window.start_ts <= now < window.end_ts
        until = window.end_ts if inside else base.dnd_ended_until
        await self._prefs.put_dnd(
            dataclasses.replace(base, snooze_endtime=0, dnd_ended_until=until)
        )
        await self._announce_dnd(user)

    async def _announce_dnd(self, user: User) -> None:
        now = self._deps.clock.now()
        window, state = await self.dnd(user)
        own = {
            "type": "dnd_updated",
            "user": user.id,
            "dnd_status": dnd_status(window, state, now, own=True),
        }
        await self._deps.broker.publish(Event(user.team_id, own, frozenset({user.id})))
        team = {
            "type": "dnd_updated_user",
            "user": user.id,
            "dnd_status": dnd_status(window, state, now, own=False),
        }
        await self._deps.broker.publish(Event(user.team_id, team))

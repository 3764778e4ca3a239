"""Do not disturb (``dnd_updated``, ``dnd_updated_user``).

A user's schedule is their ``dnd_*`` preferences (:mod:`slackline.services.prefs` stores
them and calls :meth:`DndService.announce` when they change); their snooze and a window
ended early are the ``dnd`` rows of the preferences part of the store. A change (a snooze set
or ended, a window ended, the schedule's preferences) reaches the user's sessions as
``dnd_updated`` (``dnd_status`` with the snooze) and the whole team as ``dnd_updated_user``
(the schedule only: a snooze is the user's own business). Stored first, announced after
(decisions F.1). A snooze that runs out is announced by nobody: the status says when it ends.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from slackline.broker import Event
from slackline.domain.models import User
from slackline.domain.prefs import (
    DndSchedule,
    DndState,
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


class DndService:
    """Snoozes and ends do not disturb, then tells the user and the team."""

    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
        self._prefs = deps.store.prefs

    async def dnd(self, user: User) -> tuple[DndSchedule, DndState | None]:
        """A user's scheduled window (in progress or next) and their snooze."""
        state = await self._prefs.get_dnd(user.id)
        prefs = effective_prefs(await self._prefs.get_prefs(user.id))
        return schedule(prefs, user.tz, self._deps.clock.now(), state), state

    async def set_snooze(self, user: User, minutes: int) -> dict[str, Any]:
        """Snooze for ``minutes`` from now (replacing any snooze); the snooze status."""
        now = self._deps.clock.now()
        state = await self._prefs.get_dnd(user.id) or DndState(user.id, user.team_id)
        snoozed = dataclasses.replace(state, snooze_endtime=snooze_end(now, minutes))
        await self._prefs.put_dnd(snoozed)
        await self.announce(user)
        return snooze_status(snoozed, now)

    async def end_snooze(self, user: User) -> dict[str, Any]:
        """End the snooze (``snooze_not_active`` without one); the status after."""
        now = self._deps.clock.now()
        state = await self._prefs.get_dnd(user.id)
        if state is None or not snoozing(state, now):
            raise SlackError(SlackErrorCode.SNOOZE_NOT_ACTIVE)
        ended = dataclasses.replace(state, snooze_endtime=0)
        await self._prefs.put_dnd(ended)
        await self.announce(user)
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
        await self.announce(user)

    async def announce(self, user: User) -> None:
        """``dnd_updated`` to the user's sessions, ``dnd_updated_user`` to the team."""
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

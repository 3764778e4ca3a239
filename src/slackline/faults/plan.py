"""The fault plan: what misbehaves next, and the immediate faults on open sessions.

A server started with faults (``--admin-token``, ``--fault-scenario`` or the test toolkit)
has one (``app.faults``), empty until a test arms it (Python, the control API or a YAML
scenario); composition installs its hooks as wrappers (:mod:`slackline.faults.install`)
around the call gate, the ticket redemption, the ping answers and the broker subscription,
so a server started without faults runs no check for them. Each wrapper checks one
attribute first (``calls_armed``, ``tickets_armed``, ``pings_silenced``); the event delay
swaps the broker subscription itself (:mod:`slackline.faults.delivery`). Faults act on this
process: its sessions, its calls. Delays run on real time (they exercise client timeouts); a
team migration and scheduled steps run on the injected clock.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from slackline.clock import Clock
from slackline.errors import SlackError, SlackErrorCode
from slackline.faults.delivery import EventDelay
from slackline.faults.schedule import FaultSchedule
from slackline.rtm.replies import GOODBYE_FRAME

if TYPE_CHECKING:
    from slackline.rtm.hub import SessionHub
    from slackline.rtm.session import RtmSession
    from slackline.services.workspace import WorkspaceService

DEFAULT_REFUSE_STATUS = 503
TicketAction = Literal["refuse", "expire"]


@dataclass(slots=True)
class _CallFault:
    error: SlackErrorCode
    remaining: int
    retry_after_secs: int | None


@dataclass(slots=True)
class _CallDelay:
    secs: float
    remaining: int | None  # None: until cleared


@dataclass(frozen=True, slots=True)
class SessionFilter:
    """Which sessions a fault is for: every given field must match (none given: all)."""

    team_id: str | None = None
    user_id: str | None = None
    session_id: int | None = None

    def matches(self, team_id: str, user_id: str, session_id: int | None = None) -> bool:
        """Whether a session (or a ticket's team and user) is covered."""
        return (
            self.team_id in (None, team_id)
            and self.user_id in (None, user_id)
            and (self.session_id is None or self.session_id == session_id)
        )


@dataclass(slots=True)
class _TicketFault:
    action: TicketAction
    remaining: int
    status: int
    scope: SessionFilter


@dataclass(frozen=True, slots=True)
class TicketAnswer:
    """How the socket endpoint answers a valid ticket under a fault: ``refuse`` (HTTP
    ``status``, no upgrade) or ``expire`` (the upgrade, error code 1 and close 1008)."""

    action: TicketAction
    status: int = DEFAULT_REFUSE_STATUS


_EXPIRE = TicketAnswer("expire")


class FaultPlan:
    """Every fault Slackline can inject; see docs/admin.md ("Faults")."""

    def __init__(self, clock: Clock, hub: SessionHub, workspaces: WorkspaceService) -> None:
        self._clock = clock
        self._hub = hub
        self._workspaces = workspaces
        self._calls: dict[str, _CallFault] = {}
        self._delays: dict[str, _CallDelay] = {}
        self._migrations: dict[str, float] = {}  # team -> until (clock.monotonic())
        self._tickets: list[_TicketFault] = []
        self._silenced: list[SessionFilter] = []
        self._released = asyncio.Event()
        self.calls_armed = False
        self.tickets_armed = False
        self.pings_silenced = False
        self.events = EventDelay()
        self.schedule = FaultSchedule(clock)

    # Web API calls

    def fail_next(
        self,
        method: str,
        error: SlackErrorCode | str,
        count: int = 1,
        retry_after_secs: int | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` answer ``error`` (a Slack code).

        ``ratelimited`` answers HTTP 429 with ``Retry-After`` (``retry_after_secs``, 1 by
        default); ``service_unavailable`` 503 with ``Retry-After: 1`` unless given.
        """
        code = SlackErrorCode(error)
        _at_least_one(count)
        if code is SlackErrorCode.RATELIMITED and retry_after_secs is None:
            retry_after_secs = 1
        self._calls[method] = _CallFault(code, count, retry_after_secs)
        self._update()

    def delay_calls(self, method: str, delay_ms: float, count: int | None = None) -> None:
        """Answer the next ``count`` calls of ``method`` (every call until cleared when None)
        ``delay_ms`` milliseconds late, in real time."""
        if delay_ms < 0:
            raise ValueError("delay_ms must not be negative")
        if count is not None:
            _at_least_one(count)
        self._delays[method] = _CallDelay(delay_ms / 1000.0, count)
        self._update()

    async def migrate_team(self, team_id: str, secs: float) -> None:
        """Put a team into migration: its sessions get ``team_migration_started`` and close
        1001, and every call with its tokens (rtm.connect too) answers
        ``migration_in_progress`` for ``secs`` seconds of the injected clock. The team's
        stored state does not change."""
        if secs <= 0:
            raise ValueError("secs must be positive")
        self._migrations[team_id] = self._clock.monotonic() + secs
        self._update()
        await self._workspaces.announce_migration(team_id)

    async def _delay(self, secs: float) -> None:
        """Sleep, or less if the faults are cleared meanwhile (clear releases held calls)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._released.wait(), secs)

    def migrating(self, team_id: str) -> bool:
        """Whether an injected migration of the team is under way now."""
        until = self._migrations.get(team_id)
        if until is None:
            return False
        if self._clock.monotonic() < until:
            return True
        del self._migrations[team_id]
        self._update()
        return False

    async def before_call(self, method: str, team_id: str) -> None:
        """The call gate's hook (only while ``calls_armed``), after authentication and the
        rate limit: wait out a delay, then raise an injected error or the migration's."""
        delay = self._delays.get(method)
        if delay is not None:
            if delay.remaining is not None:
                delay.remaining -= 1
                if delay.remaining <= 0:
                    del self._delays[method]
                    self._update()
            await self._delay(delay.secs)
        fault = self._calls.get(method)
        if fault is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                del self._calls[method]
                self._update()
            raise SlackError(fault.error, retry_after_secs=fault.retry_after_secs)
        if self._migrations and self.migrating(team_id):
            raise SlackError(SlackErrorCode.MIGRATION_IN_PROGRESS)

    # socket tickets

    def refuse_tickets(
        self,
        count: int = 1,
        *,
        status: int = DEFAULT_REFUSE_STATUS,
        team_id: str | None = None,
        user_id: str | None = None,
    ) -> None:
        """Refuse the next ``count`` socket upgrades with a valid ticket (of a team, of a
        user): HTTP ``status``, no upgrade. The ticket is used up."""
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        self._arm_tickets("refuse", count, status, SessionFilter(team_id, user_id))

    def expire_tickets(
        self, count: int = 1, *, team_id: str | None = None, user_id: str | None = None
    ) -> None:
        """Treat the next ``count`` valid tickets (of a team, of a user) as expired: the
        upgrade, then error code 1 ``Socket URL has expired`` and close 1008."""
        self._arm_tickets("expire", count, DEFAULT_REFUSE_STATUS, SessionFilter(team_id, user_id))

    def _arm_tickets(
        self, action: TicketAction, count: int, status: int, scope: SessionFilter
    ) -> None:
        _at_least_one(count)
        self._tickets.append(_TicketFault(action, count, status, scope))
        self._update()

    def take_ticket(self, team_id: str, user_id: str) -> TicketAnswer | None:
        """The redemption's hook (only while ``tickets_armed``) for a valid ticket."""
        if self._migrations and self.migrating(team_id):
            return _EXPIRE
        for fault in self._tickets:
            if fault.scope.matches(team_id, user_id):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._tickets.remove(fault)
                    self._update()
                return TicketAnswer(fault.action, fault.status)
        return None

    # open sessions

    def end_sessions(
        self, team_id: str | None = None, user_id: str | None = None, *, goodbye: bool = True
    ) -> int:
        """End sessions: ``goodbye`` then close 1001, or (``goodbye=False``) a bare drop with
        no close frame, as a network failure; returns how many."""
        return self._hub.end_sessions(team_id, user_id, goodbye=goodbye)

    def send_goodbye(self, team_id: str | None = None, user_id: str | None = None) -> int:
        """Send ``goodbye`` and keep the sessions open until their clients close them;
        returns how many got it."""
        scope = SessionFilter(team_id, user_id)
        sessions = [s for s in self._hub.sessions(team_id) if scope.matches(s.team_id, s.user_id)]
        for session in sessions:
            self._hub.queue(session, GOODBYE_FRAME)
        return len(sessions)

    def silence_pings(
        self,
        team_id: str | None = None,
        user_id: str | None = None,
        session_id: int | None = None,
    ) -> None:
        """Stop answering RTM ``ping`` frames and WebSocket pings of matching sessions (ones
        opened later too) until :meth:`answer_pings` or :meth:`clear`: a half-open
        connection. The sockets stay open and events still flow."""
        self._silenced.append(SessionFilter(team_id, user_id, session_id))
        self._update()

    def answer_pings(self) -> None:
        """Answer every ping again."""
        self._silenced.clear()
        self._update()

    def silences(self, session: RtmSession) -> bool:
        """The ping answers' hook (only while ``pings_silenced``)."""
        return any(
            f.matches(session.team_id, session.user_id, session.session_id) for f in self._silenced
        )

    # events

    def delay_events(
        self, delay_ms: float, *, team_id: str | None = None, count: int | None = None
    ) -> None:
        """Deliver the next ``count`` events (every one until cleared when None) of a team
        (of every team) to this process's sessions ``delay_ms`` late, in order, in real
        time."""
        if delay_ms < 0:
            raise ValueError("delay_ms must not be negative")
        if count is not None:
            _at_least_one(count)
        self.events.arm(delay_ms / 1000.0, team_id, count)

    # schedule

    def at(self, offset_secs: float, name: str, action: Callable[[], Awaitable[object]]) -> None:
        """Run a fault action ``offset_secs`` from now on the injected clock (scenarios)."""
        self.schedule.at(offset_secs, name, action)

    def clock_moved(self) -> None:
        """A manual clock was advanced: start the scheduled steps now due."""
        self.schedule.clock_moved()

    async def scheduled_steps_done(self) -> None:
        """Return once every scheduled step due now has been applied."""
        await self.schedule.idle()

    # all

    def clear(self) -> None:
        """Disarm every fault and drop the scheduled steps: delayed calls are answered at
        once, events already held still go out in order, a migration under way ends."""
        self._calls.clear()
        self._delays.clear()
        self._migrations.clear()
        self._tickets.clear()
        self._silenced.clear()
        self.events.disarm()
        self.schedule.clear()
        self._released.set()
        self._released = asyncio.Event()
        self._update()

    def describe(self) -> dict[str, Any]:
        """What is armed, as the control API's ``faults.list`` shows it."""
        now = self._clock.monotonic()
        return {
            "fail_next": [
                {"method": m, "error": f.error.value, "remaining": f.remaining}
                for m, f in self._calls.items()
            ],
            "delay_calls": [
                {"method": m, "delay_ms": d.secs * 1000, "remaining": d.remaining}
                for m, d in self._delays.items()
            ],
            "tickets": [
                {
                    "action": t.action,
                    "remaining": t.remaining,
                    "team": t.scope.team_id,
                    "user": t.scope.user_id,
                }
                for t in self._tickets
            ],
            "migrations": [
                {"team": team, "secs_left": round(until - now, 3)}
                for team, until in self._migrations.items()
                if until > now
            ],
            "silenced_pings": [
                {"team": f.team_id, "user": f.user_id, "session": f.session_id}
                for f in self._silenced
            ],
            "delay_events": None
            if self.events.delay_secs is None
            else {
                "delay_ms": self.events.delay_secs * 1000,
                "team": self.events.team_id,
                "remaining": self.events.remaining,
            },
            "held_events": self.events.held,
            "scheduled_steps": len(self.schedule),
        }

    def _update(self) -> None:
        self.calls_armed = bool(self._calls or self._delays or self._migrations)
        self.tickets_armed = bool(self._tickets or self._migrations)
        self.pings_silenced = bool(self._silenced)


def _at_least_one(count: int) -> None:
    if count < 1:
        raise ValueError("count must be at least 1")

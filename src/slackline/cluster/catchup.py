"""The events between ``rtm.connect`` and the socket, when they are on different processes.

Every process keeps, per team, the messages it received from the shared broker in the last
:data:`KEEP_SECS` (at most :data:`MAX_KEPT_PER_TEAM` per team), and the
:class:`~slackline.broker.base.TicketIssued` marks published with each ticket. Redis delivers
one channel's messages to every subscriber in the same order, so the mark sits at the same
place in every process's stream: the session that redeems the ticket on any process gets,
right after ``hello``, the events after the mark addressed to it (decisions E.2). No clock is
compared between hosts.

If the mark is not there (evicted by a busy team, lost with a broken subscription, or the
process started after it), or more than :data:`MAX_CATCH_UP_FRAMES` events are due, the
session is ended at once with ``goodbye`` so that its client resynchronises (decisions E.8).
A session ending published after the mark for that user, token or team (or for
:data:`~slackline.broker.base.EVERY_TEAM`) ends it too.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from dataclasses import dataclass, field

from slackline.broker.base import (
    EVERY_TEAM,
    BrokerMessage,
    ClusterNotice,
    ControlAction,
    DeliveryGap,
    Event,
    SessionControl,
    TicketIssued,
)
from slackline.clock import Clock
from slackline.rtm.replies import encode_event
from slackline.shared.base import MAX_KEPT_FRAMES, TICKET_TTL_SECS, CatchUp, Ticket

KEEP_SECS = TICKET_TTL_SECS + 5.0
MAX_KEPT_PER_TEAM = 20_000
MAX_CATCH_UP_FRAMES = MAX_KEPT_FRAMES
MARK_WAIT_SECS = 5.0

_Kept = Event | SessionControl | TicketIssued


@dataclass(slots=True)
class _TeamStream:
    """A team's recent messages; ``dropped`` counts those evicted, so positions stay valid."""

    kept: deque[tuple[float, _Kept]] = field(default_factory=deque)
    dropped: int = 0


class RecentEvents:
    """The broker observer keeping recent messages per team, and the catch-up they give."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._teams: dict[str, _TeamStream] = {}
        self._marks: dict[str, tuple[str, int]] = {}  # digest -> (team, position)
        self._waiters: dict[str, asyncio.Future[None]] = {}
        self._pruned_at = clock.monotonic()

    def observe(self, message: BrokerMessage | ClusterNotice | DeliveryGap) -> None:
        """Keep a message received from the broker (called in stream order)."""
        now = self._clock.monotonic()
        if now - self._pruned_at > KEEP_SECS:
            self._prune(now)  # teams that went quiet would otherwise keep their last events
        if isinstance(message, DeliveryGap):
            # What came meanwhile is unknown: no catch-up from before the gap is complete.
            self._teams.clear()
            self._marks.clear()
            return
        if isinstance(message, Event):
            if message.presence_of is None:  # presence goes only to subscribers: none yet
                self._keep(message.team_id, message)
        elif isinstance(message, SessionControl) and message.team_id == EVERY_TEAM:
            # Ends every team's sessions, so also those whose marks are already here.
            for team_id in list(self._teams):
                self._keep(team_id, message)
        elif isinstance(message, SessionControl | TicketIssued):
            position = self._keep(message.team_id, message)
            if isinstance(message, TicketIssued):
                self._marks[message.digest] = (message.team_id, position)
                waiter = self._waiters.pop(message.digest, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(None)

    def _keep(self, team_id: str, message: _Kept) -> int:
        now = self._clock.monotonic()
        stream = self._teams.get(team_id)
        if stream is None:
            stream = self._teams[team_id] = _TeamStream()
        self._drop_old(stream, now, room_for_one=True)
        stream.kept.append((now, message))
        return stream.dropped + len(stream.kept) - 1

    def _drop_old(self, stream: _TeamStream, now: float, *, room_for_one: bool) -> None:
        kept, limit = stream.kept, MAX_KEPT_PER_TEAM - (1 if room_for_one else 0)
        while kept and (len(kept) > limit or now - kept[0][0] > KEEP_SECS):
            _, old = kept.popleft()
            if isinstance(old, TicketIssued) and self._marks.get(old.digest, ("", -1))[1] == (
                stream.dropped
            ):
                del self._marks[old.digest]
            stream.dropped += 1

    def kept_teams(self) -> list[str]:
        """The teams whose recent messages are kept (for tests and diagnostics)."""
        return sorted(self._teams)

    def _prune(self, now: float) -> None:
        """Drop what is too old in every team; forget teams with nothing left."""
        self._pruned_at = now
        for team_id, stream in list(self._teams.items()):
            self._drop_old(stream, now, room_for_one=False)
            if not stream.kept:
                del self._teams[team_id]

    async def wait_for_mark(self, digest: str, timeout_secs: float = MARK_WAIT_SECS) -> bool:
        """Wait until the ticket's mark has arrived here; False if it does not in time."""
        if digest in self._marks:
            return True
        waiter = self._waiters.get(digest)
        if waiter is None:
            waiter = self._waiters[digest] = asyncio.get_running_loop().create_future()
        try:
            await asyncio.wait_for(asyncio.shield(waiter), timeout_secs)
        except TimeoutError:
            return False
        finally:
            if self._waiters.get(digest) is waiter and not waiter.done():
                del self._waiters[digest]
        return digest in self._marks

    def catch_up(self, digest: str, ticket: Ticket) -> CatchUp:
        """The frames due to the ticket's session since its mark (the mark is used up)."""
        found = self._marks.pop(digest, None)
        stream = self._teams.get(ticket.team_id)
        if found is None or stream is None or found[0] != ticket.team_id:
            return CatchUp([], ControlAction.GOODBYE)
        frames: list[bytes] = []
        for _, message in itertools.islice(stream.kept, found[1] - stream.dropped + 1, None):
            if isinstance(message, SessionControl):
                if _ends(message, ticket):
                    return CatchUp(frames, message.action)
            elif isinstance(message, Event) and message.reaches(ticket.user_id):
                if len(frames) >= MAX_CATCH_UP_FRAMES:
                    return CatchUp(frames, ControlAction.GOODBYE)
                frames.append(encode_event(message.payload))
        return CatchUp(frames)


def _ends(control: SessionControl, ticket: Ticket) -> bool:
    """Whether a session ending applies to the ticket's session (as the hub decides)."""
    if control.user_id is not None and control.user_id != ticket.user_id:
        return False
    return control.token_hash is None or control.token_hash == ticket.token_hash

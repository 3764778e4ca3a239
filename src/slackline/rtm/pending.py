"""Tickets between ``rtm.connect`` and their socket, and the events kept for them (E.2).

Each ticket is held as an exact tuple of strings and a float, which CPython's garbage
collector stops tracking after its first pass: a storm of ``rtm.connect`` calls keeps
hundreds of thousands of tickets alive for 30 s without making every collection walk them
(bench W1 measured p99 84 ms at 4,000 requests/s with one object per ticket).
"""

from __future__ import annotations

from collections import OrderedDict

from slackline.broker import Event
from slackline.broker.base import addressed

PENDING_TTL_SECS = 30.0
MAX_PENDING_FRAMES = 1000


class PendingTickets:
    """Reserved tickets, indexed by team and user so that an event finds its waiters."""

    def __init__(self, ttl_secs: float = PENDING_TTL_SECS) -> None:
        self._ttl_secs = ttl_secs
        self._tickets: OrderedDict[str, tuple[str, str, float]] = OrderedDict()
        self._waiting: dict[str, dict[str, list[str]]] = {}  # team -> user -> tickets
        self._frames: dict[str, list[bytes]] = {}  # only tickets an event was kept for
        self._overflowed: set[str] = set()

    def __len__(self) -> int:
        return len(self._tickets)

    def add(self, ticket: str, team_id: str, user_id: str, now: float) -> None:
        """Start keeping the user's events for ``ticket`` (the oldest expire first)."""
        self._sweep(now)
        self._tickets[ticket] = (team_id, user_id, now)
        self._waiting.setdefault(team_id, {}).setdefault(user_id, []).append(ticket)

    def take(self, ticket: str) -> tuple[list[bytes], bool] | None:
        """The frames kept for ``ticket`` and whether some were lost; None if not reserved."""
        entry = self._tickets.pop(ticket, None)
        if entry is None:
            return None
        frames = self._frames.get(ticket, [])
        overflowed = ticket in self._overflowed
        self._forget(ticket, entry[0], entry[1])
        return frames, overflowed

    def keep(self, event: Event, frame: bytes) -> None:
        """Keep ``frame`` for every reserved ticket of a user the event is addressed to."""
        users = self._waiting.get(event.team_id)
        if not users:
            return
        for tickets in addressed(users, event):
            for ticket in tickets:
                frames = self._frames.setdefault(ticket, [])
                if len(frames) >= MAX_PENDING_FRAMES:
                    self._overflowed.add(ticket)
                else:
                    frames.append(frame)

    def _sweep(self, now: float) -> None:
        tickets = self._tickets
        while tickets:
            ticket, (team_id, user_id, created) = next(iter(tickets.items()))
            if now - created <= self._ttl_secs:
                break
            tickets.popitem(last=False)
            self._forget(ticket, team_id, user_id)

    def _forget(self, ticket: str, team_id: str, user_id: str) -> None:
        users = self._waiting[team_id]
        waiting = users[user_id]
        waiting.remove(ticket)
        if not waiting:
            del users[user_id]
            if not users:
                del self._waiting[team_id]
        self._frames.pop(ticket, None)
        self._overflowed.discard(ticket)

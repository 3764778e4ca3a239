"""``reconnect_url`` events: every session hears from the server now and then, as Slack's do.

Slack sends a ``{"type":"reconnect_url","url":...}`` to open sessions every few minutes
(observed every three), so a quiet socket keeps carrying data and clients with a no-data
timeout stay connected. Each one carries a fresh, usable socket URL for the session's own
token and options (a ticket like ``rtm.connect``'s, valid :data:`TICKET_TTL_SECS`). Sessions
are kept in due order and one timer serves them all; the first comes one interval after
``hello`` (``--reconnect-url-secs``, 0 to send none).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import TYPE_CHECKING

from slackline.http.forwarding import socket_url
from slackline.rtm.replies import encode_event
from slackline.services.tickets import TicketService
from slackline.shared.base import TicketGrant

if TYPE_CHECKING:
    from slackline.rtm.hub import SessionHub
    from slackline.rtm.session import RtmSession

logger = logging.getLogger("slackline.rtm")

DEFAULT_RECONNECT_URL_SECS = 180.0
MAX_TICK_SECS = 5.0
# Sessions tracked within this share of the interval of each other are due together: one
# batch (a time and two lists) instead of a tuple and a float per session.
BATCH_SHARE = 1 / 180
MAX_BASE_URLS = 64


class _Batch:
    """Sessions due at one time, each with the base URL of its socket."""

    __slots__ = ("bases", "due", "sessions")

    def __init__(self, due: float) -> None:
        self.due = due
        self.sessions: list[RtmSession] = []
        self.bases: list[str] = []


class ReconnectUrls:
    """Sends each open session a ``reconnect_url`` every ``interval_secs``."""

    def __init__(self, hub: SessionHub, tickets: TicketService, interval_secs: float) -> None:
        self._hub = hub
        self._tickets = tickets
        self._interval_secs = interval_secs
        self._due: deque[_Batch] = deque()
        self._batch_secs = interval_secs * BATCH_SHARE
        # One string per distinct base URL (each upgrade builds its own copy of the same).
        self._bases: dict[str, str] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def track(self, session: RtmSession, base_url: str) -> None:
        """Start sending ``session`` reconnect URLs under ``base_url`` (``http(s)://host``)."""
        if self._interval_secs <= 0:
            return
        loop = asyncio.get_running_loop()
        batch = self._batch_due(loop.time() + self._interval_secs)
        batch.sessions.append(session)
        batch.bases.append(self._shared_base(base_url))
        if self._timer is None:
            self._timer = loop.call_later(self._interval_secs, self._tick)

    def _batch_due(self, due: float) -> _Batch:
        """The newest batch if it is due within ``_batch_secs`` before ``due``, else a new
        one (sessions are due a little early, never late)."""
        if self._due and self._due[-1].due >= due - self._batch_secs:
            return self._due[-1]
        batch = _Batch(due)
        self._due.append(batch)
        return batch

    def _shared_base(self, base_url: str) -> str:
        shared = self._bases.get(base_url)
        if shared is None:
            if len(self._bases) >= MAX_BASE_URLS:
                self._bases.clear()
            shared = self._bases[base_url] = base_url
        return shared

    def close(self) -> None:
        """Stop (the server stops)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for task in self._tasks:
            task.cancel()
        self._due.clear()

    def _tick(self) -> None:
        self._timer = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        due: list[tuple[RtmSession, str]] = []
        again: _Batch | None = None
        while self._due and self._due[0].due <= now:
            batch = self._due.popleft()
            for session, base_url in zip(batch.sessions, batch.bases, strict=True):
                if not session.closed:
                    due.append((session, base_url))
                    again = again or self._batch_due(now + self._interval_secs)
                    again.sessions.append(session)
                    again.bases.append(base_url)
        if due:
            task = loop.create_task(self._send(due))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if self._due:
            delay = min(MAX_TICK_SECS, max(0.0, self._due[0].due - now))
            self._timer = loop.call_later(delay, self._tick)

    async def _send(self, due: list[tuple[RtmSession, str]]) -> None:
        for session, base_url in due:
            grant = TicketGrant(
                team_id=session.team_id,
                user_id=session.user_id,
                bot_id=session.bot_id,
                token_hash=session.token_hash,
                batch_presence_aware=session.batch_presence_aware,
                presence_sub=True,
            )
            try:
                ticket = await self._tickets.issue(grant)
            except Exception as exc:  # the broker is down: the next one will do
                logger.debug("no reconnect_url now: %s", exc)
                return
            if not session.closed:
                url = socket_url(base_url, ticket)
                self._hub.queue(session, encode_event({"type": "reconnect_url", "url": url}))

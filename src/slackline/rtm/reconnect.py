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


class ReconnectUrls:
    """Sends each open session a ``reconnect_url`` every ``interval_secs``."""

    def __init__(self, hub: SessionHub, tickets: TicketService, interval_secs: float) -> None:
        self._hub = hub
        self._tickets = tickets
        self._interval_secs = interval_secs
        self._due: deque[tuple[float, RtmSession, str]] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def track(self, session: RtmSession, base_url: str) -> None:
        """Start sending ``session`` reconnect URLs under ``base_url`` (``http(s)://host``)."""
        if self._interval_secs <= 0:
            return
        loop = asyncio.get_running_loop()
        self._due.append((loop.time() + self._interval_secs, session, base_url))
        if self._timer is None:
            self._timer = loop.call_later(self._interval_secs, self._tick)

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
        while self._due and self._due[0][0] <= now:
            _, session, base_url = self._due.popleft()
            if not session.closed:
                due.append((session, base_url))
                self._due.append((now + self._interval_secs, session, base_url))
        if due:
            task = loop.create_task(self._send(due))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if self._due:
            delay = min(MAX_TICK_SECS, max(0.0, self._due[0][0] - now))
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

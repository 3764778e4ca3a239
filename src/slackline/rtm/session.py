"""One RTM session: the socket after the upgrade, its outbound queue and its write bucket.

Outbound frames are queued by the hub and written once per loop iteration for every session
that has any (see :meth:`SessionHub.queue`), so a burst of events costs one ``write`` per
session per iteration. A session whose transport buffers more than ``max_outbound_bytes``
is closed with 1013 and counted: the hub never waits on a slow reader.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from slackline.logbuffer import LineLogger
from slackline.rtm.replies import GOODBYE_FRAME, MIGRATION_FRAME
from slackline.websocket.connection import FramedConnection
from slackline.websocket.protocol import CloseCode

if TYPE_CHECKING:
    from slackline.rtm.hub import SessionHub
    from slackline.shared.base import Ticket

logger = logging.getLogger("slackline.rtm")
_lines = LineLogger(logger)

MAX_CLIENT_FRAME_BYTES = 16_384
# Shared by every session without presence subscriptions (most of them): ``frozenset()``
# builds a new 216-byte object each call on CPython 3.11.
NO_SUBSCRIPTIONS: frozenset[str] = frozenset()


class RtmSession(FramedConnection):
    """A connected RTM client (slotted: thousands are held at once)."""

    __slots__ = (
        "batch_presence_aware",
        "bot_id",
        "hub",
        "pending",
        "session_id",
        "subscriptions",
        "team_id",
        "token_hash",
        "user_id",
        "write_rejections",
        "write_tokens",
        "write_updated",
    )

    def __init__(self, hub: SessionHub, transport: asyncio.BaseTransport, ticket: Ticket) -> None:
        super().__init__(transport, MAX_CLIENT_FRAME_BYTES)
        self.hub = hub
        self.session_id = hub.next_session_id()
        self.team_id = ticket.team_id
        self.user_id = ticket.user_id
        self.bot_id = ticket.bot_id
        self.token_hash = ticket.token_hash
        self.batch_presence_aware = ticket.batch_presence_aware
        self.subscriptions = NO_SUBSCRIPTIONS
        # None while nothing is queued: an idle session holds no list (56 bytes each).
        self.pending: list[bytes] | None = None
        self.write_tokens = 0.0
        self.write_updated = 0.0
        self.write_rejections = 0

    # the client's frames (FramedConnection)

    def text_received(self, text: str) -> None:
        """A client frame (a message, a ping, ...): the hub's client frames act on it."""
        self.hub.frames_in += 1
        self.hub.client_frames.handle(self, text)

    def ping_received(self, payload: bytes) -> None:
        """A WebSocket ping, answered under the session's write bucket."""
        self.hub.client_frames.answer_ws_ping(self, payload)

    # writing

    def flush(self) -> None:
        """Write every queued frame in one call; close on overflow (decisions E.7)."""
        pending, self.pending = self.pending, None
        if self.closed or not pending:
            return
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        self.transport.write(data)
        if self.transport.get_write_buffer_size() > self.hub.max_outbound_bytes:
            self.hub.count_overflow()
            self.close(CloseCode.TRY_AGAIN_LATER, "outbound buffer overflow")

    def goodbye(self) -> None:
        """``goodbye``, then close 1001 (shutdown, drain, age, revocation)."""
        self._end(GOODBYE_FRAME)

    def migration_started(self) -> None:
        """``team_migration_started``, then close 1001."""
        self._end(MIGRATION_FRAME)

    def _end(self, frame: bytes) -> None:
        if self.closed:
            return
        self.hub.queue(self, frame)
        self.close(CloseCode.GOING_AWAY, "")

    def bytes_before_close(self) -> bytes:
        """What is queued goes out before the close frame."""
        pending, self.pending = self.pending, None
        return b"".join(pending) if pending else b""

    def forget(self) -> None:
        """Forget the session everywhere."""
        self.hub.detach(self)

    def closed_with(self, code: int) -> None:
        """One log line per closed session."""
        _lines.info(f"session={self.session_id} user={self.user_id} closed code={code}")

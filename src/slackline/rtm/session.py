"""One RTM session: the socket after the upgrade, its outbound queue and its write bucket.

Outbound frames are queued by the hub and written once per loop iteration for every session
that has any (see :meth:`SessionHub.queue`), so a burst of events costs one ``write`` per
session per iteration. A session whose transport buffers more than ``max_outbound_bytes``
is closed with 1013 and counted: the hub never waits on a slow reader.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, cast

from slackline.logbuffer import LineLogger
from slackline.rtm.replies import GOODBYE_FRAME, MIGRATION_FRAME
from slackline.websocket.protocol import (
    BinaryMessage,
    CloseCode,
    CloseReceived,
    Failure,
    Ping,
    ServerProtocol,
    TextMessage,
)

if TYPE_CHECKING:
    from slackline.rtm.hub import SessionHub
    from slackline.shared.base import Ticket

logger = logging.getLogger("slackline.rtm")
_lines = LineLogger(logger)

MAX_CLIENT_FRAME_BYTES = 16_384
ABORT_AFTER_CLOSE_SECS = 10.0


class RtmSession(asyncio.Protocol):
    """A connected RTM client (slotted: thousands are held at once)."""

    __slots__ = (
        "_protocol",
        "batch_presence_aware",
        "bot_id",
        "closed",
        "hub",
        "pending",
        "session_id",
        "subscriptions",
        "team_id",
        "token_hash",
        "transport",
        "user_id",
        "write_rejections",
        "write_tokens",
        "write_updated",
    )

    def __init__(self, hub: SessionHub, transport: asyncio.BaseTransport, ticket: Ticket) -> None:
        self.hub = hub
        self.transport = cast(asyncio.Transport, transport)
        self.session_id = hub.next_session_id()
        self.team_id = ticket.team_id
        self.user_id = ticket.user_id
        self.bot_id = ticket.bot_id
        self.token_hash = ticket.token_hash
        self.batch_presence_aware = ticket.batch_presence_aware
        self.subscriptions: frozenset[str] = frozenset()
        self.pending: list[bytes] = []
        self.closed = False
        self.write_tokens = 0.0
        self.write_updated = 0.0
        self.write_rejections = 0
        self._protocol = ServerProtocol(MAX_CLIENT_FRAME_BYTES)

    # asyncio.Protocol

    def data_received(self, data: bytes) -> None:
        """Parse client frames (:mod:`slackline.websocket.protocol`) and act on each."""
        if self.closed:
            return
        for event in self._protocol.receive(data):
            if isinstance(event, TextMessage):
                self.hub.frames_in += 1
                self.hub.client_frames.handle(self, event.text)
            elif isinstance(event, Ping):
                self.hub.client_frames.answer_ws_ping(self, event.payload)
            elif isinstance(event, CloseReceived):
                self._closed_by_peer(event)
            elif isinstance(event, Failure):
                self.close(event.code, event.reason)
            elif isinstance(event, BinaryMessage):
                self.close(CloseCode.UNSUPPORTED_DATA, "binary frames are not supported")
            if self.closed:
                return

    def eof_received(self) -> bool:
        """The client half-closed: end the session."""
        self.close(CloseCode.NORMAL, "")
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the session everywhere."""
        self.closed = True
        self._protocol.connection_lost()
        self.hub.detach(self)

    # writing

    def flush(self) -> None:
        """Write every queued frame in one call; close on overflow (decisions E.7)."""
        if self.closed or not self.pending:
            self.pending.clear()
            return
        data = self.pending[0] if len(self.pending) == 1 else b"".join(self.pending)
        self.pending.clear()
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

    def close(self, code: int, reason: str) -> None:
        """Write what is queued and a close frame, then close (abort if it never drains)."""
        self._finish(self._protocol.send_close(code, reason), code)

    def _closed_by_peer(self, event: CloseReceived) -> None:
        """The client's close arrived: answer it (unless ours went first) and close."""
        self._finish(event.reply, CloseCode.NORMAL if event.code is None else event.code)

    def _finish(self, close_frame: bytes, code: int) -> None:
        if self.closed:
            return
        self.pending.append(close_frame)
        data = b"".join(self.pending)
        self.pending.clear()
        self.closed = True
        if not self.transport.is_closing():
            self.transport.write(data)
            self.transport.close()
            loop = asyncio.get_running_loop()
            loop.call_later(ABORT_AFTER_CLOSE_SECS, self.transport.abort)
        self.hub.detach(self)
        _lines.info(f"session={self.session_id} user={self.user_id} closed code={code}")

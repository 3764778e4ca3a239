"""One Socket Mode connection: the socket after the upgrade, framed by the same sans-I/O
protocol as RTM (:mod:`slackline.websocket.protocol`). It writes what the hub sends at once
and hands each acknowledgement back to the hub; everything else about envelopes (which
connection gets one, redelivery) is the hub's."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any, cast

from slackline.logbuffer import LineLogger
from slackline.websocket.protocol import (
    BinaryMessage,
    CloseCode,
    CloseReceived,
    Failure,
    Opcode,
    Ping,
    ServerProtocol,
    TextMessage,
    encode_frame,
    encode_pong,
    encode_text,
)

if TYPE_CHECKING:
    from slackline.socket_mode.hub import ConnectedApp, SocketModeHub

logger = logging.getLogger("slackline.socket_mode")
_lines = LineLogger(logger)

# An acknowledgement may carry a response payload (a command's answer, a modal).
MAX_CLIENT_FRAME_BYTES = 1 << 20
ABORT_AFTER_CLOSE_SECS = 10.0
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class SocketModeSession(asyncio.Protocol):
    """A connected app: its socket, the app it speaks for and its team."""

    def __init__(
        self, hub: SocketModeHub, transport: asyncio.BaseTransport, app: ConnectedApp
    ) -> None:
        self.hub = hub
        self.transport = cast(asyncio.Transport, transport)
        self.app = app
        self.connection_id = hub.next_connection_id()
        self.closed = False
        self.refresh_timer: asyncio.TimerHandle | None = None
        self._protocol = ServerProtocol(MAX_CLIENT_FRAME_BYTES)

    # asyncio.Protocol

    def data_received(self, data: bytes) -> None:
        """Parse the app's frames: acknowledgements, pings, its close."""
        if self.closed:
            return
        for event in self._protocol.receive(data):
            if isinstance(event, TextMessage):
                self._acknowledged(event.text)
            elif isinstance(event, Ping):
                self.transport.write(encode_pong(event.payload))
            elif isinstance(event, CloseReceived):
                code = CloseCode.NORMAL if event.code is None else event.code
                self._finish(event.reply, code)
            elif isinstance(event, Failure):
                self.close(event.code, event.reason)
            elif isinstance(event, BinaryMessage):
                self.close(CloseCode.UNSUPPORTED_DATA, "binary frames are not supported")
            if self.closed:
                return

    def eof_received(self) -> bool:
        """The app half-closed: end the connection."""
        self.close(CloseCode.NORMAL, "")
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the connection; its unacknowledged envelopes go to another one."""
        self.closed = True
        self._protocol.connection_lost()
        self.hub.detach(self)

    # the app's frames

    def _acknowledged(self, text: str) -> None:
        try:
            frame = json.loads(text)
        except ValueError:
            logger.info("connection=%s: a frame that is not JSON, ignored", self.connection_id)
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("envelope_id"), str):
            return  # Slack ignores what is not an acknowledgement
        payload = frame.get("payload")
        self.hub.acknowledge(
            self, frame["envelope_id"], payload if isinstance(payload, dict) else None
        )

    # writing

    def send(self, frame: dict[str, Any]) -> None:
        """Write one JSON frame now."""
        if not self.closed:
            self.transport.write(encode_text(_COMPACT(frame).encode()))

    def ping(self) -> None:
        """A WebSocket ping (Slack pings its clients; node's client reconnects without)."""
        if not self.closed:
            self.transport.write(encode_frame(Opcode.PING, b"slackline"))

    def close(self, code: int, reason: str) -> None:
        """Write a close frame, then close (abort if it never drains)."""
        self._finish(self._protocol.send_close(code, reason), code)

    def _finish(self, close_frame: bytes, code: int) -> None:
        if self.closed:
            return
        self.closed = True
        if not self.transport.is_closing():
            self.transport.write(close_frame)
            self.transport.close()
            loop = asyncio.get_running_loop()
            loop.call_later(ABORT_AFTER_CLOSE_SECS, self.transport.abort)
        self.hub.detach(self)
        _lines.info(f"socket_mode connection={self.connection_id} app={self.app.app_id} "
                    f"closed code={code}")  # fmt: skip

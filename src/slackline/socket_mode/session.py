"""One Socket Mode connection: the socket after the upgrade, framed by the same sans-I/O
protocol as RTM (:mod:`slackline.websocket.protocol`). It writes what the hub sends at once
and hands each acknowledgement back to the hub; everything else about envelopes (which
connection gets one, redelivery) is the hub's."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slackline.jsonbytes import dumps
from slackline.logbuffer import LineLogger
from slackline.websocket.connection import FramedConnection
from slackline.websocket.protocol import Opcode, encode_frame, encode_text

if TYPE_CHECKING:
    import asyncio

    from slackline.socket_mode.hub import ConnectedApp, SocketModeHub

logger = logging.getLogger("slackline.socket_mode")
_lines = LineLogger(logger)

# An acknowledgement may carry a response payload (a command's answer, a modal).
MAX_CLIENT_FRAME_BYTES = 1 << 20


class SocketModeSession(FramedConnection):
    """A connected app: its socket, the app it speaks for and its team."""

    def __init__(
        self, hub: SocketModeHub, transport: asyncio.BaseTransport, app: ConnectedApp
    ) -> None:
        super().__init__(transport, MAX_CLIENT_FRAME_BYTES)
        self.hub = hub
        self.app = app
        self.connection_id = hub.next_connection_id()
        self.refresh_timer: asyncio.TimerHandle | None = None

    def forget(self) -> None:
        """Forget the connection; its unacknowledged envelopes go to another one."""
        self.hub.detach(self)

    def closed_with(self, code: int) -> None:
        """One log line per closed connection."""
        _lines.info(f"socket_mode connection={self.connection_id} app={self.app.app_id} "
                    f"closed code={code}")  # fmt: skip

    # the app's frames

    def text_received(self, text: str) -> None:
        """An acknowledgement (anything else is ignored, as Slack does)."""
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
            self.transport.write(encode_text(dumps(frame)))

    def ping(self) -> None:
        """A WebSocket ping (Slack pings its clients; node's client reconnects without)."""
        if not self.closed:
            self.transport.write(encode_frame(Opcode.PING, b"slackline"))

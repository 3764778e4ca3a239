"""A server-side WebSocket after the upgrade, as an asyncio protocol: the frame loop RTM
sessions and Socket Mode connections share.

Frames are parsed by the sans-I/O :class:`~slackline.websocket.protocol.ServerProtocol`;
each text message goes to :meth:`FramedConnection.text_received`, pings are answered, a
binary frame or a protocol failure closes with its code, and a close (either side's) is
written once, then the socket is closed (aborted if it never drains). Subclasses say what a
text means, what is written before the close frame and whom to tell once closed.
"""

from __future__ import annotations

import asyncio
from typing import cast

from slackline.websocket.protocol import (
    BinaryMessage,
    CloseCode,
    CloseReceived,
    Failure,
    Ping,
    ServerProtocol,
    TextMessage,
    encode_pong,
)

ABORT_AFTER_CLOSE_SECS = 10.0


class FramedConnection(asyncio.Protocol):
    """One upgraded socket: frames in, a close frame out once (slotted for RTM's thousands)."""

    __slots__ = ("_max_frame_bytes", "_protocol", "closed", "transport")

    def __init__(self, transport: asyncio.BaseTransport, max_frame_bytes: int) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.closed = False
        self._max_frame_bytes = max_frame_bytes
        # The frame parser is made when the peer first sends or either side closes: a
        # socket that only listens (most RTM sessions) never needs one (80 bytes each).
        self._protocol: ServerProtocol | None = None

    def _frames(self) -> ServerProtocol:
        protocol = self._protocol
        if protocol is None:
            protocol = self._protocol = ServerProtocol(self._max_frame_bytes)
        return protocol

    # asyncio.Protocol

    def data_received(self, data: bytes) -> None:
        """Parse the peer's frames and act on each, until the connection closes."""
        if self.closed:
            return
        for event in self._frames().receive(data):
            if isinstance(event, TextMessage):
                self.text_received(event.text)
            elif isinstance(event, Ping):
                self.ping_received(event.payload)
            elif isinstance(event, CloseReceived):
                # The peer's close: answered (unless ours went first), then closed.
                self._finish(event.reply, CloseCode.NORMAL if event.code is None else event.code)
            elif isinstance(event, Failure):
                self.close(event.code, event.reason)
            elif isinstance(event, BinaryMessage):
                self.close(CloseCode.UNSUPPORTED_DATA, "binary frames are not supported")
            if self.closed:
                return

    def eof_received(self) -> bool:
        """The peer half-closed: end the connection."""
        self.close(CloseCode.NORMAL, "")
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """The socket is gone: forget the connection."""
        self.closed = True
        if self._protocol is not None:
            self._protocol.connection_lost()
        self.forget()

    # closing

    def close(self, code: int, reason: str) -> None:
        """Write a close frame (after :meth:`bytes_before_close`), then close."""
        self._finish(self._frames().send_close(code, reason), code)

    def _finish(self, close_frame: bytes, code: int) -> None:
        if self.closed:
            return
        data = self.bytes_before_close() + close_frame
        self.closed = True
        if not self.transport.is_closing():
            self.transport.write(data)
            self.transport.close()
            loop = asyncio.get_running_loop()
            loop.call_later(ABORT_AFTER_CLOSE_SECS, self.transport.abort)
        self.forget()
        self.closed_with(code)

    # what subclasses decide

    def text_received(self, text: str) -> None:
        """One text message from the peer."""
        raise NotImplementedError

    def ping_received(self, payload: bytes) -> None:
        """A ping: answered with its pong."""
        self.transport.write(encode_pong(payload))

    def bytes_before_close(self) -> bytes:
        """What must still be written before the close frame (nothing by default)."""
        return b""

    def forget(self) -> None:
        """Tell whoever holds the connection that it is closed (may be called twice)."""

    def closed_with(self, code: int) -> None:
        """The connection was closed by either side with ``code`` (for the log)."""

"""RFC 6455 WebSocket, server side, sans-I/O: the one place that knows the protocol.

Everything here is pure: no sockets, no asyncio, no clock. The HTTP upgrade is a few helpers
(:func:`handshake_problem`, :func:`switching_protocols`); outbound frames are plain
functions, because a server frame is unmasked and unfragmented and the same bytes are written
to every recipient (:func:`encode_text`, :func:`encode_close`, ...); inbound bytes go through
one :class:`ServerProtocol` per connection, whose :meth:`~ServerProtocol.receive` returns
events. Bad input never raises: it becomes a :class:`Failure` carrying the close code to send.

Hand-written rather than ``websockets``' sans-I/O protocol because of cost per connection and
per frame (docs/rtm.md, "Why hand-written framing"): thousands of connections are held at
once and almost every inbound frame is a small masked text frame, so the common path is
inlined in :meth:`ServerProtocol.receive` and the idle state holds no buffer of its own.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
WEBSOCKET_KEY_BYTES = 16
MAX_CONTROL_PAYLOAD = 125
# A close payload is at most 125 bytes, two of which are the code.
MAX_CLOSE_REASON_BYTES = MAX_CONTROL_PAYLOAD - 2
# From this payload size on, unmasking by four strided byte translations beats one big-integer
# XOR (measured: equal at about 1 KiB, 1.7 times faster at 16 KiB); below it the XOR wins.
_TRANSLATE_FROM = 1024


class Opcode(enum.IntEnum):
    """Frame opcodes (RFC 6455 section 5.2)."""

    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA


class CloseCode(enum.IntEnum):
    """Close codes the server sends (RFC 6455 section 7.4.1 and the IANA registry)."""

    NORMAL = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    INVALID_PAYLOAD = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    INTERNAL_ERROR = 1011
    TRY_AGAIN_LATER = 1013


class State(enum.Enum):
    """Where a connection is in its life."""

    OPEN = enum.auto()
    #: A close frame was sent or a failure decided; waiting for the end.
    CLOSING = enum.auto()
    CLOSED = enum.auto()


# Events: what :meth:`ServerProtocol.receive` returns.


@dataclass(frozen=True, slots=True)
class TextMessage:
    """A whole text message, reassembled from its fragments, validated and decoded."""

    text: str


@dataclass(frozen=True, slots=True)
class BinaryMessage:
    """A whole binary message, reassembled from its fragments."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Ping:
    """A ping; answer it with :func:`encode_pong` of the same payload."""

    payload: bytes


@dataclass(frozen=True, slots=True)
class Pong:
    """A pong."""

    payload: bytes


@dataclass(frozen=True, slots=True)
class CloseReceived:
    """A valid close frame from the peer; the connection is now :attr:`State.CLOSED`.

    ``code`` is None when the frame had no payload. ``reply`` is the close frame to write
    back before closing the transport, or ``b""`` when the server had already sent its own.
    """

    code: int | None
    reason: str
    reply: bytes


@dataclass(frozen=True, slots=True)
class Failure:
    """The peer broke the protocol: write :meth:`ServerProtocol.fail_frame` and close.

    The connection is now :attr:`State.CLOSING` and ignores any further input.
    """

    code: CloseCode
    reason: str


Event: TypeAlias = TextMessage | BinaryMessage | Ping | Pong | CloseReceived | Failure


# The upgrade handshake (RFC 6455 section 4.2).


def is_websocket_upgrade(upgrade_header: str | None) -> bool:
    """Whether an ``Upgrade`` header value asks for WebSocket (case-insensitively)."""
    return upgrade_header is not None and upgrade_header.strip().lower() == "websocket"


def handshake_problem(method: str, header: Callable[[str], str | None]) -> int | None:
    """The HTTP status refusing a malformed upgrade request, or None if it is a valid one.

    ``header`` looks a header up by its lower-case name. The request path is the caller's to
    check. A method other than GET gets 404, as any other route that does not exist.
    """
    if method != "GET":
        return 404
    if not is_websocket_upgrade(header("upgrade")):
        return 400
    connection = header("connection") or ""
    if "upgrade" not in (token.strip().lower() for token in connection.split(",")):
        return 400
    if (header("sec-websocket-version") or "").strip() != "13":
        return 426
    try:
        key = base64.b64decode(header("sec-websocket-key") or "", validate=True)
    except (binascii.Error, ValueError):  # ValueError: a key that is not ASCII
        return 400
    return None if len(key) == WEBSOCKET_KEY_BYTES else 400


def accept_key(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` value for a ``Sec-WebSocket-Key``."""
    # Headers arrive decoded as latin-1; "replace" only matters for keys already refused.
    raw = key.encode("latin-1", "replace") + _GUID
    digest = hashlib.sha1(raw).digest()  # noqa: S324 - RFC 6455 mandates SHA-1
    return base64.b64encode(digest).decode("ascii")


def switching_protocols(key: str) -> bytes:
    """The 101 response to a valid upgrade (no extensions: permessage-deflate is declined)."""
    return (
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n"
    ).encode("ascii")


# Server frames: unmasked and unfragmented, encoded once for every recipient.


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """One unmasked, unfragmented frame (7-, 16- or 64-bit length as the payload needs)."""
    length = len(payload)
    first = 0x80 | opcode
    if length < 126:
        header = struct.pack("!BB", first, length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", first, 126, length)
    else:
        header = struct.pack("!BBQ", first, 127, length)
    return header + payload


def encode_text(payload: bytes) -> bytes:
    """A text frame for UTF-8 bytes (the JSON of an RTM frame)."""
    return encode_frame(Opcode.TEXT, payload)


def encode_close(code: int, reason: str = "") -> bytes:
    """A close frame; ``reason`` is cut to 123 UTF-8 bytes, never inside a character."""
    raw = reason.encode("utf-8", "replace")
    if len(raw) > MAX_CLOSE_REASON_BYTES:
        # The cut can only leave a partial character at the end, and "ignore" drops it.
        raw = raw[:MAX_CLOSE_REASON_BYTES].decode("utf-8", "ignore").encode("utf-8")
    return encode_frame(Opcode.CLOSE, struct.pack("!H", code) + raw)


def encode_pong(payload: bytes) -> bytes:
    """The pong answering a ping with this payload."""
    return encode_frame(Opcode.PONG, payload)


def text_payload(frame: bytes) -> bytes | None:
    """The payload of one encoded server text frame, or None for any other opcode."""
    if len(frame) < 2 or frame[0] & 0x0F != Opcode.TEXT:
        return None
    length = frame[1] & 0x7F
    if length == 126:
        return frame[4 : 4 + struct.unpack_from("!H", frame, 2)[0]]
    if length == 127:
        return frame[10 : 10 + struct.unpack_from("!Q", frame, 2)[0]]
    return frame[2 : 2 + length]


# Client frames.


def _xor_tables() -> tuple[bytes, ...]:
    """For each mask byte, the translation table XOR-ing every byte with it."""
    identity = int.from_bytes(bytes(range(256)), "big")
    return tuple(
        (identity ^ int.from_bytes(bytes((key,)) * 256, "big")).to_bytes(256, "big")
        for key in range(256)
    )


_XOR_TABLES = _xor_tables()


def _unmask(payload: bytes | bytearray, mask: bytes | bytearray) -> bytes:
    """XOR the payload with the repeating 4-byte mask."""
    length = len(payload)
    if length < _TRANSLATE_FROM:
        if not length:
            return b""
        # One big-integer operation: a handful of C calls whatever the length.
        repeated = (mask * (length // 4 + 1))[:length]
        value = int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")
        return value.to_bytes(length, "big")
    # Bytes 0, 4, 8, ... share mask byte 0, and so on: four translations in C.
    out = bytearray(payload)
    for index in range(4):
        out[index::4] = payload[index::4].translate(_XOR_TABLES[mask[index]])
    return bytes(out)


def _control_frame_problem(opcode: int, fin: int, length: int) -> str | None:
    """Why a control frame header breaks the rules (RFC 6455 section 5.5), or None."""
    if opcode > Opcode.PONG:
        return "unknown opcode"
    if length > MAX_CONTROL_PAYLOAD:
        return "control frame too long"
    if not fin:
        return "fragmented control frame"
    return None


def _data_frame_problem(opcode: int, in_progress: bool) -> str:
    """Why a data frame header breaks the rules, knowing that it does."""
    if opcode > Opcode.BINARY:
        return "unknown opcode"
    if in_progress:
        return "new message inside a fragmented one"
    return "continuation without a message"


def _extended_length(view: bytes | bytearray, offset: int, field: int) -> tuple[int, int]:
    """Where the mask of the frame at ``offset`` ends and its payload length, given the 7-bit
    length field (126 or 127); ``(-1, 0)`` until the extended length has arrived."""
    if field == 126:
        if len(view) - offset < 4:
            return -1, 0
        return offset + 8, (view[offset + 2] << 8) | view[offset + 3]
    if len(view) - offset < 10:
        return -1, 0
    return offset + 14, int.from_bytes(view[offset + 2 : offset + 10], "big")


def _valid_close_code(code: int) -> bool:
    """Whether a peer may send this close code (RFC 6455 section 7.4 and the IANA registry).

    1004 is reserved, 1005, 1006 and 1015 are never sent on the wire, 1016-2999 are reserved
    for the protocol and 3000-4999 are for libraries and applications.
    """
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999


class ServerProtocol:
    """The server side of one WebSocket connection: client bytes in, events out.

    ``max_message_bytes`` bounds a whole message's payload, fragments included; the bound is
    checked as soon as a frame header announces its length, so nothing larger is buffered.

    Slotted and small: thousands are held at once. While idle it holds no buffer of its own
    (the shared empty ``bytes``); a partial frame waits in a bytearray until it completes.
    """

    __slots__ = ("_buffer", "_close_sent", "_fragment_opcode", "_fragments", "_max", "state")

    def __init__(self, max_message_bytes: int) -> None:
        self._max = max_message_bytes
        self.state = State.OPEN
        # The start of a partial frame (a bytearray, grown in place, whenever non-empty);
        # None once input is ignored: after a close received, a failure or the connection lost.
        self._buffer: bytes | bytearray | None = b""
        # The payload so far of a fragmented message, None when none is in progress.
        self._fragments: bytearray | None = None
        self._fragment_opcode = Opcode.TEXT
        # Whether a close frame was handed to the caller to write (or there is no connection
        # left to write it to), so that no second one is ever produced.
        self._close_sent = False

    def receive(self, data: bytes) -> list[Event]:
        """Take bytes from the client, split anywhere; return the events they complete.

        After a :class:`CloseReceived` or a :class:`Failure` (always the last event of its
        list) every further call returns ``[]``.
        """
        buffer = self._buffer
        if buffer is None:
            return []
        view: bytes | bytearray = data
        grown: bytearray | None = None
        if buffer:
            assert isinstance(buffer, bytearray)  # a partial frame is only kept in a bytearray
            buffer += data
            view = grown = buffer
        events: list[Event] = []
        size = len(view)
        offset = 0
        # The path of an unfragmented text frame is inlined (a call costs as much as a
        # check): a client sends almost nothing else. Other frames go to _deliver.
        while size - offset >= 2:
            first = view[offset]
            second = view[offset + 1]
            # No extension is negotiated, so no reserved bit may be set; clients must mask.
            if first & 0x70 or not second & 0x80:
                problem = "reserved bits set" if first & 0x70 else "client frame not masked"
                return self._fail(events, CloseCode.PROTOCOL_ERROR, problem)
            opcode = first & 0x0F
            fin = first & 0x80
            length = second & 0x7F
            start = offset + 6  # past the 2 header bytes and the 4 mask bytes
            if opcode >= Opcode.CLOSE:
                if (broken := _control_frame_problem(opcode, fin, length)) is not None:
                    return self._fail(events, CloseCode.PROTOCOL_ERROR, broken)
            else:
                fragments = self._fragments
                # A continuation exactly when a fragmented message is in progress.
                if opcode > Opcode.BINARY or (opcode == Opcode.CONTINUATION) is (fragments is None):
                    problem = _data_frame_problem(opcode, fragments is not None)
                    return self._fail(events, CloseCode.PROTOCOL_ERROR, problem)
                if length >= 126:
                    start, length = _extended_length(view, offset, length)
                    if start < 0:
                        break
                so_far = 0 if fragments is None else len(fragments)
                if so_far + length > self._max:
                    return self._fail(events, CloseCode.MESSAGE_TOO_BIG, "message too big")
            end = start + length
            if end > size:
                break
            payload = _unmask(view[start:end], view[start - 4 : start])
            offset = end
            if opcode == Opcode.TEXT and fin:
                try:
                    text = payload.decode("utf-8")
                except UnicodeDecodeError:
                    return self._fail(events, CloseCode.INVALID_PAYLOAD, "invalid UTF-8 text")
                events.append(TextMessage(text))
            elif not self._deliver(opcode, fin, payload, events):
                return events
        if offset == size:
            self._buffer = b""  # drops a grown bytearray: idle connections hold no buffer
        elif grown is not None:
            del grown[:offset]
        else:
            self._buffer = bytearray(memoryview(view)[offset:])
        return events

    def _deliver(self, opcode: int, fin: int, payload: bytes, events: list[Event]) -> bool:
        """Act on a whole frame other than an unfragmented text one; whether to go on.

        The header was checked: a continuation comes only with a message in progress.
        """
        fragments = self._fragments
        if fragments is not None and opcode == Opcode.CONTINUATION:
            fragments += payload
            if not fin:
                return True
            self._fragments = None
            if self._fragment_opcode == Opcode.BINARY:
                events.append(BinaryMessage(bytes(fragments)))
                return True
            try:
                text = fragments.decode("utf-8")
            except UnicodeDecodeError:
                self._fail(events, CloseCode.INVALID_PAYLOAD, "invalid UTF-8 text")
                return False
            events.append(TextMessage(text))
        elif opcode <= Opcode.BINARY and not fin:
            self._fragments = bytearray(payload)
            self._fragment_opcode = Opcode(opcode)
        elif opcode == Opcode.BINARY:
            events.append(BinaryMessage(payload))
        elif opcode == Opcode.PING:
            events.append(Ping(payload))
        elif opcode == Opcode.PONG:
            events.append(Pong(payload))
        else:
            self._close_received(events, payload)
            return False
        return True

    def send_close(self, code: int, reason: str = "") -> bytes:
        """The close frame to write to start the closing handshake (OPEN becomes CLOSING).

        ``b""`` if a close frame was already produced (by this, :meth:`fail_frame` or a
        :class:`CloseReceived` reply) or the connection is lost. Input is still parsed until
        the client's close arrives, whose :class:`CloseReceived` then has an empty reply.
        """
        if self._close_sent:
            return b""
        self._close_sent = True
        if self.state is State.OPEN:
            self.state = State.CLOSING
        return encode_close(code, reason)

    def fail_frame(self, failure: Failure) -> bytes:
        """The close frame to write for a :class:`Failure` (``b""`` if one was already sent)."""
        return self.send_close(failure.code, failure.reason)

    def connection_lost(self) -> None:
        """The transport is gone: CLOSED, nothing more to parse or to send."""
        self.state = State.CLOSED
        self._close_sent = True
        self._buffer = None
        self._fragments = None

    def _fail(self, events: list[Event], code: CloseCode, reason: str) -> list[Event]:
        """Decide a failure: ignore input from now on and append the event."""
        self._buffer = None
        self._fragments = None
        if self.state is State.OPEN:
            self.state = State.CLOSING
        events.append(Failure(code, reason))
        return events

    def _close_received(self, events: list[Event], payload: bytes) -> list[Event]:
        """Act on the peer's close frame: a valid one ends the connection, else a failure."""
        code: int | None = None
        reason = ""
        if payload:
            if len(payload) < 2:
                return self._fail(events, CloseCode.PROTOCOL_ERROR, "close payload of 1 byte")
            code = (payload[0] << 8) | payload[1]
            if not _valid_close_code(code):
                return self._fail(events, CloseCode.PROTOCOL_ERROR, "invalid close code")
            try:
                reason = payload[2:].decode("utf-8")
            except UnicodeDecodeError:
                return self._fail(events, CloseCode.PROTOCOL_ERROR, "close reason not UTF-8")
        # RFC 6455 section 5.5.1: echo the status code received; 1000 for a close without one.
        echoed = CloseCode.NORMAL if code is None else code
        reply = b"" if self._close_sent else encode_close(echoed)
        self._close_sent = True
        self.state = State.CLOSED
        self._buffer = None
        self._fragments = None
        events.append(CloseReceived(code, reason, reply))
        return events

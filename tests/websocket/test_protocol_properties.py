"""Properties of the sans-I/O WebSocket protocol (websocket/protocol.py), with hypothesis.

Any bytes, split anywhere, go through :meth:`ServerProtocol.receive` without an exception and
come out as its own events, a :class:`Failure` or :class:`CloseReceived` only last (and
nothing after it). Valid masked frames, fragmented or not, with control frames between the
fragments, come out as their messages, whatever the split.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from hypothesis import example, given
from hypothesis import strategies as st

from slackline.websocket.protocol import (
    MAX_CONTROL_PAYLOAD,
    BinaryMessage,
    CloseReceived,
    Event,
    Failure,
    Opcode,
    Ping,
    Pong,
    ServerProtocol,
    State,
    TextMessage,
)

LIMIT = 4_096
EVENT_TYPES = (TextMessage, BinaryMessage, Ping, Pong, CloseReceived, Failure)
ENDINGS = (CloseReceived, Failure)


def masked_frame(opcode: int, payload: bytes, mask: bytes, *, fin: bool = True) -> bytes:
    """A client frame, masked byte by byte (independently of the code under test)."""
    first = (0x80 if fin else 0) | opcode
    length = len(payload)
    if length < 126:
        header = bytes((first, 0x80 | length))
    elif length < 1 << 16:
        header = bytes((first, 0x80 | 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((first, 0x80 | 127)) + length.to_bytes(8, "big")
    return header + mask + bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))


@st.composite
def splits(draw: st.DrawFn, data: bytes) -> list[bytes]:
    """``data`` cut at arbitrary points (empty pieces included)."""
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=8)))
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in pairwise(bounds)]


def feed(pieces: list[bytes], limit: int = LIMIT) -> tuple[list[Event], ServerProtocol]:
    protocol = ServerProtocol(limit)
    events: list[Event] = []
    for piece in pieces:
        got = protocol.receive(piece)
        assert isinstance(got, list)
        if events and isinstance(events[-1], ENDINGS):
            assert got == []  # nothing after the end
        events.extend(got)
    return events, protocol


def assert_well_formed(events: list[Event], protocol: ServerProtocol) -> None:
    assert all(isinstance(event, EVENT_TYPES) for event in events)
    endings = [i for i, event in enumerate(events) if isinstance(event, ENDINGS)]
    assert endings in ([], [len(events) - 1])
    if endings:
        assert protocol.state in (State.CLOSING, State.CLOSED)
        assert protocol.receive(b"\x81\x80\x00\x00\x00\x00") == []
    else:
        assert protocol.state is State.OPEN


ARBITRARY = st.one_of(
    st.binary(max_size=300),
    # Mostly-valid headers: a first byte with FIN and an opcode, the mask bit, then noise.
    st.lists(
        st.tuples(
            st.sampled_from([0x81, 0x82, 0x01, 0x00, 0x80, 0x88, 0x89, 0x8A, 0x83, 0x8B, 0xC1]),
            st.integers(0, 255),
            st.binary(max_size=40),
        ),
        max_size=6,
    ).map(lambda frames: b"".join(bytes((a, b)) + rest for a, b, rest in frames)),
)


@given(data=st.data(), raw=ARBITRARY, limit=st.sampled_from([0, 1, 125, LIMIT]))
@example(data=None, raw=b"\x81\xfe\xff\xff", limit=LIMIT)  # 65,535 announced, over the limit
@example(data=None, raw=b"\x81\xff" + b"\xff" * 8, limit=LIMIT)  # a 64-bit length
@example(data=None, raw=b"\x88\x81\x00\x00\x00\x00\x03", limit=LIMIT)  # a 1-byte close
def test_any_bytes_split_anywhere_give_only_events_and_end_last(
    data: st.DataObject | None, raw: bytes, limit: int
) -> None:
    pieces = [raw] if data is None else data.draw(splits(raw))
    events, protocol = feed(pieces, limit)
    assert_well_formed(events, protocol)
    # The split does not change what the bytes mean.
    whole, _ = feed([raw], limit)
    assert events == whole


@dataclass(frozen=True)
class Message:
    """One message a client sends: text or binary, in ``fragments`` pieces."""

    text: bool
    payload: bytes
    fragments: list[int]  # cut points inside the payload
    pings: list[bytes]  # control frames sent between its fragments


MASKS = st.binary(min_size=4, max_size=4)
PAYLOADS = st.one_of(
    st.text(max_size=300).map(lambda t: (True, t.encode())),
    st.binary(max_size=300).map(lambda b: (False, b)),
    st.just((True, "é😀".encode() * 500)),  # a 16-bit length, characters cut by fragments
)


@st.composite
def messages(draw: st.DrawFn) -> Message:
    text, payload = draw(PAYLOADS)
    cuts = sorted(set(draw(st.lists(st.integers(0, len(payload)), max_size=3))))
    pings = draw(st.lists(st.binary(max_size=MAX_CONTROL_PAYLOAD), max_size=len(cuts)))
    return Message(text, payload, cuts, pings)


def encode(message: Message, masks: st.DataObject) -> bytes:
    bounds = [0, *message.fragments, len(message.payload)]
    pieces = [message.payload[a:b] for a, b in pairwise(bounds)]
    out = b""
    for index, piece in enumerate(pieces):
        opcode = (Opcode.TEXT if message.text else Opcode.BINARY) if index == 0 else 0
        last = index == len(pieces) - 1
        out += masked_frame(opcode, piece, masks.draw(MASKS), fin=last)
        if not last and index < len(message.pings):
            out += masked_frame(Opcode.PING, message.pings[index], masks.draw(MASKS))
    return out


def expected(message: Message) -> list[Event]:
    found: list[Event] = [Ping(p) for p in message.pings[: len(message.fragments)]]
    if message.text:
        found.append(TextMessage(message.payload.decode()))
    else:
        found.append(BinaryMessage(message.payload))
    return found


@given(data=st.data(), sent=st.lists(messages(), min_size=1, max_size=4), close=st.booleans())
def test_valid_masked_frames_round_trip_their_payload_whatever_the_split(
    data: st.DataObject, sent: list[Message], close: bool
) -> None:
    stream = b"".join(encode(message, data) for message in sent)
    want = [event for message in sent for event in expected(message)]
    if close:
        stream += masked_frame(
            Opcode.CLOSE, (1000).to_bytes(2, "big") + b"bye", b"\x01\x02\x03\x04"
        )
    events, protocol = feed(data.draw(splits(stream)), limit=LIMIT)
    assert_well_formed(events, protocol)
    if close:
        assert isinstance(events[-1], CloseReceived)
        assert (events[-1].code, events[-1].reason) == (1000, "bye")
        events = events[:-1]
    assert events == want


@given(data=st.data(), text=st.text(min_size=1, max_size=200))
def test_a_message_one_byte_over_the_limit_fails_with_1009(data: st.DataObject, text: str) -> None:
    payload = text.encode()
    frame = masked_frame(Opcode.TEXT, payload, data.draw(MASKS))
    events, protocol = feed(data.draw(splits(frame)), limit=len(payload) - 1)
    assert len(events) == 1 and isinstance(events[0], Failure) and events[0].code == 1009
    assert_well_formed(events, protocol)
    fits, _ = feed([frame], limit=len(payload))
    assert fits == [TextMessage(text)]

"""The sans-I/O WebSocket protocol: client frames in, events out; server frames; handshake."""

from __future__ import annotations

import base64

import pytest

from slackline.websocket.protocol import (
    BinaryMessage,
    CloseCode,
    CloseReceived,
    Event,
    Failure,
    Opcode,
    Ping,
    Pong,
    ServerProtocol,
    State,
    TextMessage,
    accept_key,
    encode_close,
    encode_frame,
    encode_pong,
    encode_text,
    handshake_problem,
    is_websocket_upgrade,
    switching_protocols,
    text_payload,
)

LIMIT = 1_000
MASK = b"\x37\xfa\x21\x3d"


def client_frame(
    opcode: int,
    payload: bytes = b"",
    *,
    fin: bool = True,
    rsv: int = 0,
    masked: bool = True,
    length: int | None = None,
) -> bytes:
    """A client frame, masked byte by byte (independently of the code under test).

    ``length`` announces another length than the payload's, to send a header alone.
    """
    announced = len(payload) if length is None else length
    first = (0x80 if fin else 0) | rsv | opcode
    mask_bit = 0x80 if masked else 0
    if announced < 126:
        header = bytes((first, mask_bit | announced))
    elif announced < 1 << 16:
        header = bytes((first, mask_bit | 126)) + announced.to_bytes(2, "big")
    else:
        header = bytes((first, mask_bit | 127)) + announced.to_bytes(8, "big")
    if not masked:
        return header + payload
    return header + MASK + bytes(byte ^ MASK[i % 4] for i, byte in enumerate(payload))


def close_payload(code: int, reason: bytes = b"") -> bytes:
    """The payload of a close frame."""
    return code.to_bytes(2, "big") + reason


def protocol(limit: int = LIMIT) -> ServerProtocol:
    """A fresh open connection."""
    return ServerProtocol(limit)


def codes(events: list[Event]) -> list[CloseCode]:
    """The codes of the failures among ``events``."""
    return [event.code for event in events if isinstance(event, Failure)]


# Data frames


def test_receives_a_masked_text_frame() -> None:
    events = protocol().receive(client_frame(Opcode.TEXT, b'{"type":"ping","id":1}'))
    assert events == [TextMessage('{"type":"ping","id":1}')]


def test_receives_an_empty_text_frame() -> None:
    assert protocol().receive(client_frame(Opcode.TEXT)) == [TextMessage("")]


def test_receives_text_decoded_from_utf_8() -> None:
    events = protocol().receive(client_frame(Opcode.TEXT, "café ☕ 😀".encode()))
    assert events == [TextMessage("café ☕ 😀")]


def test_refuses_an_unmasked_frame() -> None:
    events = protocol().receive(client_frame(Opcode.TEXT, b"hi", masked=False))
    assert codes(events) == [CloseCode.PROTOCOL_ERROR]


@pytest.mark.parametrize("size", [0, 1, 125])
def test_receives_a_7_bit_length(size: int) -> None:
    payload = b"x" * size
    assert protocol().receive(client_frame(Opcode.TEXT, payload)) == [TextMessage(payload.decode())]


@pytest.mark.parametrize("size", [126, 127, 200, 65_535])
def test_receives_a_16_bit_length(size: int) -> None:
    frame = client_frame(Opcode.TEXT, b"y" * size)
    assert frame[1] & 0x7F == 126
    assert protocol(100_000).receive(frame) == [TextMessage("y" * size)]


@pytest.mark.parametrize("size", [65_536, 70_001])
def test_receives_a_64_bit_length(size: int) -> None:
    payload = bytes(range(256)) * (size // 256) + b"z" * (size % 256)
    frame = client_frame(Opcode.BINARY, payload)
    assert frame[1] & 0x7F == 127
    assert protocol(100_000).receive(frame) == [BinaryMessage(payload)]


@pytest.mark.parametrize("size", [1_023, 1_024, 1_025, 1_026, 1_027, 16_384])
def test_unmasks_large_payloads_of_any_length(size: int) -> None:
    payload = bytes(i * 7 % 256 for i in range(size))
    [event] = protocol(20_000).receive(client_frame(Opcode.BINARY, payload))
    assert event == BinaryMessage(payload)


def test_receives_a_frame_split_byte_by_byte() -> None:
    connection = protocol()
    frame = client_frame(Opcode.TEXT, "héllo wörld".encode())
    events = [event for byte in frame for event in connection.receive(bytes((byte,)))]
    assert events == [TextMessage("héllo wörld")]


@pytest.mark.parametrize("size", [300, 70_000])
def test_receives_a_frame_split_inside_its_extended_length(size: int) -> None:
    connection = protocol(100_000)
    frame = client_frame(Opcode.TEXT, b"a" * size)
    assert connection.receive(frame[:3]) == []
    assert connection.receive(frame[3:9]) == []
    assert connection.receive(frame[9:]) == [TextMessage("a" * size)]


def test_receives_nothing_until_a_frame_is_whole() -> None:
    connection = protocol()
    frame = client_frame(Opcode.TEXT, b"hello")
    assert connection.receive(frame[:-1]) == []
    assert connection.receive(frame[-1:]) == [TextMessage("hello")]


def test_receives_several_frames_in_one_call() -> None:
    data = (
        client_frame(Opcode.TEXT, b"one")
        + client_frame(Opcode.PING, b"p")
        + client_frame(Opcode.BINARY, b"\x00\x01")
        + client_frame(Opcode.TEXT, b"two")
    )
    assert protocol().receive(data) == [
        TextMessage("one"),
        Ping(b"p"),
        BinaryMessage(b"\x00\x01"),
        TextMessage("two"),
    ]


def test_keeps_a_trailing_partial_frame_for_the_next_call() -> None:
    connection = protocol()
    second = client_frame(Opcode.TEXT, b"second")
    assert connection.receive(client_frame(Opcode.TEXT, b"first") + second[:4]) == [
        TextMessage("first")
    ]
    assert connection.receive(second[4:] + client_frame(Opcode.TEXT, b"third")) == [
        TextMessage("second"),
        TextMessage("third"),
    ]


def test_receives_a_binary_message() -> None:
    events = protocol().receive(client_frame(Opcode.BINARY, b"\xff\x00\xfe"))
    assert events == [BinaryMessage(b"\xff\x00\xfe")]


# Fragmented messages


def test_reassembles_fragmented_text() -> None:
    data = (
        client_frame(Opcode.TEXT, b"Hel", fin=False)
        + client_frame(Opcode.CONTINUATION, b"lo, ", fin=False)
        + client_frame(Opcode.CONTINUATION, b"world")
    )
    assert protocol().receive(data) == [TextMessage("Hello, world")]


def test_returns_nothing_until_the_last_fragment() -> None:
    connection = protocol()
    assert connection.receive(client_frame(Opcode.TEXT, b"Hel", fin=False)) == []
    assert connection.receive(client_frame(Opcode.CONTINUATION, b"lo")) == [TextMessage("Hello")]


def test_returns_pings_and_pongs_between_fragments_in_order() -> None:
    data = (
        client_frame(Opcode.TEXT, b"a", fin=False)
        + client_frame(Opcode.PING, b"1")
        + client_frame(Opcode.CONTINUATION, b"b", fin=False)
        + client_frame(Opcode.PONG, b"2")
        + client_frame(Opcode.CONTINUATION, b"c")
        + client_frame(Opcode.PING, b"3")
    )
    assert protocol().receive(data) == [Ping(b"1"), Pong(b"2"), TextMessage("abc"), Ping(b"3")]


def test_reassembles_fragmented_binary() -> None:
    data = client_frame(Opcode.BINARY, b"\x01", fin=False) + client_frame(
        Opcode.CONTINUATION, b"\x02"
    )
    assert protocol().receive(data) == [BinaryMessage(b"\x01\x02")]


def test_decodes_a_character_split_across_fragments() -> None:
    euro = "€".encode()
    data = client_frame(Opcode.TEXT, euro[:1], fin=False) + client_frame(
        Opcode.CONTINUATION, euro[1:]
    )
    assert protocol().receive(data) == [TextMessage("€")]


def test_receives_a_message_after_a_fragmented_one() -> None:
    data = (
        client_frame(Opcode.TEXT, b"a", fin=False)
        + client_frame(Opcode.CONTINUATION, b"b")
        + client_frame(Opcode.TEXT, b"c")
    )
    assert protocol().receive(data) == [TextMessage("ab"), TextMessage("c")]


def test_refuses_a_continuation_without_a_message() -> None:
    events = protocol().receive(client_frame(Opcode.CONTINUATION, b"x"))
    assert codes(events) == [CloseCode.PROTOCOL_ERROR]


@pytest.mark.parametrize("opcode", [Opcode.TEXT, Opcode.BINARY])
def test_refuses_a_new_message_inside_a_fragmented_one(opcode: Opcode) -> None:
    data = client_frame(Opcode.TEXT, b"a", fin=False) + client_frame(opcode, b"b")
    assert codes(protocol().receive(data)) == [CloseCode.PROTOCOL_ERROR]


# UTF-8


def test_refuses_invalid_utf_8() -> None:
    events = protocol().receive(client_frame(Opcode.TEXT, b"bad \xff byte"))
    assert codes(events) == [CloseCode.INVALID_PAYLOAD]


def test_refuses_invalid_utf_8_split_across_fragments() -> None:
    data = client_frame(Opcode.TEXT, "€".encode()[:2], fin=False) + client_frame(
        Opcode.CONTINUATION, b"A"
    )
    assert codes(protocol().receive(data)) == [CloseCode.INVALID_PAYLOAD]


def test_refuses_a_message_ending_inside_a_character() -> None:
    data = client_frame(Opcode.TEXT, b"ok", fin=False) + client_frame(
        Opcode.CONTINUATION, "€".encode()[:2]
    )
    assert codes(protocol().receive(data)) == [CloseCode.INVALID_PAYLOAD]


def test_accepts_invalid_utf_8_in_binary_messages() -> None:
    assert protocol().receive(client_frame(Opcode.BINARY, b"\xff")) == [BinaryMessage(b"\xff")]


# Header rules


@pytest.mark.parametrize("rsv", [0x40, 0x20, 0x10])
def test_refuses_each_reserved_bit(rsv: int) -> None:
    events = protocol().receive(client_frame(Opcode.TEXT, b"x", rsv=rsv))
    assert codes(events) == [CloseCode.PROTOCOL_ERROR]


@pytest.mark.parametrize("opcode", [3, 4, 5, 6, 7, 11, 12, 13, 14, 15])
def test_refuses_unknown_opcodes(opcode: int) -> None:
    events = protocol().receive(client_frame(opcode, b"x"))
    assert codes(events) == [CloseCode.PROTOCOL_ERROR]


@pytest.mark.parametrize("opcode", [Opcode.PING, Opcode.PONG, Opcode.CLOSE])
def test_refuses_a_control_frame_over_125_bytes(opcode: Opcode) -> None:
    events = protocol().receive(client_frame(opcode, b"\x03\xe8" + b"x" * 124))
    assert codes(events) == [CloseCode.PROTOCOL_ERROR]


def test_accepts_a_control_frame_of_125_bytes() -> None:
    assert protocol().receive(client_frame(Opcode.PING, b"x" * 125)) == [Ping(b"x" * 125)]


@pytest.mark.parametrize("opcode", [Opcode.PING, Opcode.PONG, Opcode.CLOSE])
def test_refuses_a_fragmented_control_frame(opcode: Opcode) -> None:
    events = protocol().receive(client_frame(opcode, b"", fin=False))
    assert codes(events) == [CloseCode.PROTOCOL_ERROR]


def test_refuses_a_bad_header_before_its_payload_arrives() -> None:
    connection = protocol()
    assert codes(connection.receive(client_frame(Opcode.TEXT, b"x", rsv=0x40)[:2])) == [
        CloseCode.PROTOCOL_ERROR
    ]


# Size limit


def test_accepts_a_message_at_the_limit() -> None:
    assert protocol(10).receive(client_frame(Opcode.TEXT, b"x" * 10)) == [TextMessage("x" * 10)]


def test_refuses_a_frame_over_the_limit() -> None:
    events = protocol(10).receive(client_frame(Opcode.TEXT, b"x" * 11))
    assert codes(events) == [CloseCode.MESSAGE_TOO_BIG]


def test_refuses_fragments_adding_up_to_more_than_the_limit() -> None:
    connection = protocol(10)
    assert connection.receive(client_frame(Opcode.TEXT, b"x" * 6, fin=False)) == []
    assert connection.receive(client_frame(Opcode.CONTINUATION, b"x" * 4, fin=False)) == []
    events = connection.receive(client_frame(Opcode.CONTINUATION, b"x"))
    assert codes(events) == [CloseCode.MESSAGE_TOO_BIG]


def test_refuses_an_oversized_16_bit_length_from_the_header_alone() -> None:
    header = client_frame(Opcode.TEXT, length=2_000)
    assert codes(protocol().receive(header)) == [CloseCode.MESSAGE_TOO_BIG]


def test_refuses_a_huge_64_bit_length_from_the_header_alone() -> None:
    header = client_frame(Opcode.BINARY, length=2**62)
    assert len(header) == 14
    assert codes(protocol().receive(header[:10])) == [CloseCode.MESSAGE_TOO_BIG]


def test_refuses_a_huge_length_in_a_continuation() -> None:
    data = client_frame(Opcode.TEXT, b"a", fin=False) + client_frame(
        Opcode.CONTINUATION, length=2**63 - 1
    )
    assert codes(protocol().receive(data)) == [CloseCode.MESSAGE_TOO_BIG]


# Failures


def test_failure_moves_to_closing() -> None:
    connection = protocol()
    connection.receive(client_frame(Opcode.TEXT, b"x", masked=False))
    assert connection.state is State.CLOSING


def test_failure_is_the_last_event_of_its_call() -> None:
    data = (
        client_frame(Opcode.TEXT, b"before")
        + client_frame(Opcode.TEXT, b"\xff")
        + client_frame(Opcode.TEXT, b"after")
    )
    events = protocol().receive(data)
    assert events[0] == TextMessage("before")
    assert codes(events[1:]) == [CloseCode.INVALID_PAYLOAD] and len(events) == 2


def test_ignores_input_after_a_failure() -> None:
    connection = protocol()
    connection.receive(client_frame(Opcode.CONTINUATION, b"x"))
    assert connection.receive(client_frame(Opcode.TEXT, b"ignored")) == []
    assert connection.state is State.CLOSING


def test_failure_has_a_reason() -> None:
    [event] = protocol().receive(client_frame(Opcode.TEXT, b"x", masked=False))
    assert isinstance(event, Failure) and event.reason == "client frame not masked"


def test_fail_frame_closes_with_the_failure_code_and_reason() -> None:
    connection = protocol()
    [event] = connection.receive(client_frame(Opcode.TEXT, b"\xff"))
    assert isinstance(event, Failure)
    assert connection.fail_frame(event) == encode_close(
        CloseCode.INVALID_PAYLOAD, "invalid UTF-8 text"
    )


def test_fail_frame_is_produced_once() -> None:
    connection = protocol()
    [event] = connection.receive(client_frame(Opcode.TEXT, b"\xff"))
    assert isinstance(event, Failure)
    connection.fail_frame(event)
    assert connection.fail_frame(event) == b""
    assert connection.send_close(CloseCode.NORMAL) == b""


def test_failure_after_the_server_closed_needs_no_close_frame() -> None:
    connection = protocol()
    connection.send_close(CloseCode.GOING_AWAY)
    [event] = connection.receive(client_frame(Opcode.TEXT, b"\xff"))
    assert isinstance(event, Failure)
    assert connection.fail_frame(event) == b""
    assert connection.state is State.CLOSING


# The closing handshake


def test_starts_open() -> None:
    assert protocol().state is State.OPEN


def test_echoes_a_client_close() -> None:
    connection = protocol()
    events = connection.receive(client_frame(Opcode.CLOSE, close_payload(1001, b"bye")))
    assert events == [CloseReceived(1001, "bye", encode_close(1001))]
    assert connection.state is State.CLOSED


def test_answers_a_close_without_payload_with_1000() -> None:
    connection = protocol()
    events = connection.receive(client_frame(Opcode.CLOSE))
    assert events == [CloseReceived(None, "", encode_close(CloseCode.NORMAL))]
    assert connection.state is State.CLOSED


def test_decodes_a_utf_8_close_reason() -> None:
    events = protocol().receive(client_frame(Opcode.CLOSE, close_payload(1000, "à+".encode())))
    assert events == [CloseReceived(1000, "à+", encode_close(1000))]


def test_server_close_moves_to_closing() -> None:
    connection = protocol()
    assert connection.send_close(CloseCode.GOING_AWAY, "shutdown") == encode_close(
        CloseCode.GOING_AWAY, "shutdown"
    )
    assert connection.state is State.CLOSING


def test_client_reply_to_a_server_close_needs_no_reply() -> None:
    connection = protocol()
    connection.send_close(CloseCode.GOING_AWAY)
    events = connection.receive(client_frame(Opcode.CLOSE, close_payload(1001)))
    assert events == [CloseReceived(1001, "", b"")]
    assert connection.state is State.CLOSED


def test_keeps_receiving_messages_until_the_client_replies_to_a_close() -> None:
    connection = protocol()
    connection.send_close(CloseCode.GOING_AWAY)
    data = client_frame(Opcode.TEXT, b"late") + client_frame(Opcode.CLOSE, close_payload(1000))
    assert connection.receive(data) == [TextMessage("late"), CloseReceived(1000, "", b"")]


def test_sends_a_close_only_once() -> None:
    connection = protocol()
    connection.send_close(CloseCode.NORMAL)
    assert connection.send_close(CloseCode.GOING_AWAY) == b""
    assert connection.state is State.CLOSING


def test_sends_no_close_after_replying_to_one() -> None:
    connection = protocol()
    connection.receive(client_frame(Opcode.CLOSE))
    assert connection.send_close(CloseCode.NORMAL) == b""


def test_ignores_input_after_a_close() -> None:
    connection = protocol()
    connection.receive(client_frame(Opcode.CLOSE))
    assert connection.receive(client_frame(Opcode.TEXT, b"ignored")) == []
    assert connection.state is State.CLOSED


def test_ignores_frames_after_a_close_in_the_same_call() -> None:
    data = client_frame(Opcode.CLOSE) + client_frame(Opcode.TEXT, b"ignored")
    assert protocol().receive(data) == [CloseReceived(None, "", encode_close(1000))]


def test_refuses_a_close_payload_of_1_byte() -> None:
    events = protocol().receive(client_frame(Opcode.CLOSE, b"\x03"))
    assert codes(events) == [CloseCode.PROTOCOL_ERROR]


@pytest.mark.parametrize("code", [1004, 1005, 1006, 1015, 1016, 2000, 2999])
def test_refuses_a_reserved_close_code(code: int) -> None:
    events = protocol().receive(client_frame(Opcode.CLOSE, close_payload(code)))
    assert codes(events) == [CloseCode.PROTOCOL_ERROR]


@pytest.mark.parametrize("code", [0, 999, 5000, 65_535])
def test_refuses_an_out_of_range_close_code(code: int) -> None:
    events = protocol().receive(client_frame(Opcode.CLOSE, close_payload(code)))
    assert codes(events) == [CloseCode.PROTOCOL_ERROR]


@pytest.mark.parametrize("code", [1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999])
def test_accepts_a_valid_close_code(code: int) -> None:
    events = protocol().receive(client_frame(Opcode.CLOSE, close_payload(code)))
    assert events == [CloseReceived(code, "", encode_close(code))]


def test_refuses_a_close_reason_that_is_not_utf_8() -> None:
    events = protocol().receive(client_frame(Opcode.CLOSE, close_payload(1000, b"\xc3")))
    assert codes(events) == [CloseCode.PROTOCOL_ERROR]


def test_refused_close_moves_to_closing() -> None:
    connection = protocol()
    connection.receive(client_frame(Opcode.CLOSE, close_payload(1005)))
    assert connection.state is State.CLOSING


def test_connection_lost_moves_to_closed() -> None:
    connection = protocol()
    connection.connection_lost()
    assert connection.state is State.CLOSED


def test_connection_lost_ends_everything() -> None:
    connection = protocol()
    connection.receive(client_frame(Opcode.TEXT, b"a", fin=False))
    connection.connection_lost()
    assert connection.receive(client_frame(Opcode.CONTINUATION, b"b")) == []
    assert connection.send_close(CloseCode.NORMAL) == b""


# Server frames


@pytest.mark.parametrize(
    ("size", "header"),
    [
        (0, b"\x81\x00"),
        (125, b"\x81\x7d"),
        (126, b"\x81\x7e\x00\x7e"),
        (65_535, b"\x81\x7e\xff\xff"),
        (65_536, b"\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00"),
    ],
)
def test_encode_frame_picks_the_shortest_length(size: int, header: bytes) -> None:
    payload = b"p" * size
    assert encode_frame(Opcode.TEXT, payload) == header + payload


def test_encode_text_is_one_unmasked_final_text_frame() -> None:
    assert encode_text(b'{"ok":true}') == b"\x81\x0b" + b'{"ok":true}'


def test_encode_pong_echoes_the_payload() -> None:
    assert encode_pong(b"abc") == b"\x8a\x03abc"


def test_encode_close_has_the_code_and_reason() -> None:
    assert encode_close(CloseCode.POLICY_VIOLATION, "expired") == b"\x88\x09\x03\xf0expired"


def test_encode_close_cuts_the_reason_to_123_bytes() -> None:
    frame = encode_close(CloseCode.NORMAL, "r" * 200)
    assert frame == b"\x88\x7d\x03\xe8" + b"r" * 123


@pytest.mark.parametrize("character", ["é", "€", "😀"])
def test_encode_close_cuts_the_reason_on_a_character_boundary(character: str) -> None:
    frame = encode_close(CloseCode.NORMAL, character * 123)
    reason = frame[4:]
    assert len(reason) <= 123
    assert len(reason) > 123 - len(character.encode())
    assert reason.decode() == character * (len(reason) // len(character.encode()))


def test_text_payload_reads_every_length() -> None:
    for size in (0, 125, 126, 65_536):
        payload = b"t" * size
        assert text_payload(encode_text(payload)) == payload


@pytest.mark.parametrize(
    "frame",
    [
        encode_close(CloseCode.NORMAL),
        encode_pong(b"x"),
        encode_frame(Opcode.BINARY, b"x"),
        encode_frame(Opcode.PING, b""),
        b"",
    ],
)
def test_text_payload_is_none_for_other_frames(frame: bytes) -> None:
    assert text_payload(frame) is None


# The handshake

VALID_UPGRADE = {
    "upgrade": "websocket",
    "connection": "Upgrade",
    "sec-websocket-version": "13",
    "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
}


def problem_with(**changes: str | None) -> int | None:
    """The handshake problem of a valid upgrade with some headers changed (None: removed)."""
    headers = {**VALID_UPGRADE, **{name.replace("_", "-"): v for name, v in changes.items()}}
    return handshake_problem("GET", headers.get)


def test_a_valid_upgrade_has_no_problem() -> None:
    assert problem_with() is None


def test_upgrade_headers_are_case_insensitive() -> None:
    assert problem_with(upgrade="WebSocket", connection="keep-alive, UPGRADE") is None


@pytest.mark.parametrize("method", ["POST", "HEAD", "get"])
def test_a_method_other_than_get_is_404(method: str) -> None:
    assert handshake_problem(method, VALID_UPGRADE.get) == 404


@pytest.mark.parametrize("value", [None, "", "h2c", "websocket2"])
def test_an_upgrade_to_something_else_is_400(value: str | None) -> None:
    assert problem_with(upgrade=value) == 400


@pytest.mark.parametrize("value", [None, "", "keep-alive", "upgraded", "close"])
def test_a_connection_without_the_upgrade_token_is_400(value: str | None) -> None:
    assert problem_with(connection=value) == 400


@pytest.mark.parametrize("value", [None, "", "8", "12", "14"])
def test_another_websocket_version_is_426(value: str | None) -> None:
    assert problem_with(sec_websocket_version=value) == 426


@pytest.mark.parametrize(
    "key",
    [
        None,
        "",
        "not base64!",
        base64.b64encode(b"k" * 15).decode(),
        base64.b64encode(b"k" * 17).decode(),
        "dGhlIHNhbXBsZSBub25jZQ",  # padding missing
        "é" * 24,
    ],
)
def test_a_key_that_is_not_16_bytes_of_base64_is_400(key: str | None) -> None:
    assert problem_with(sec_websocket_key=key) == 400


@pytest.mark.parametrize("value", ["websocket", "WebSocket", " websocket "])
def test_is_websocket_upgrade_accepts_websocket(value: str) -> None:
    assert is_websocket_upgrade(value)


@pytest.mark.parametrize("value", [None, "", "h2c", "websocket, h2c"])
def test_is_websocket_upgrade_refuses_anything_else(value: str | None) -> None:
    assert not is_websocket_upgrade(value)


def test_accept_key_matches_the_rfc_6455_example() -> None:
    # RFC 6455 section 1.3 (the value websockets computes too).
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_switching_protocols_accepts_the_key_without_extensions() -> None:
    assert switching_protocols("dGhlIHNhbXBsZSBub25jZQ==") == (
        b"HTTP/1.1 101 Switching Protocols\r\n"
        b"Upgrade: websocket\r\n"
        b"Connection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
    )

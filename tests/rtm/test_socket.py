"""The socket endpoint: handshake, hello, tickets, control frames, limits (decisions E.1, E.5)."""

from __future__ import annotations

import base64
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from slackline.app import Components
from slackline.clock import ManualClock
from slackline.testing.server import ServerThread
from tests.helpers.http import TEST_SECRET, api, start_server
from tests.helpers.rtm import open_socket, recv_json, send_json


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, clock: ManualClock) -> Iterator[ServerThread]:
    thread = start_server(
        tmp_path_factory.mktemp("socket"), Components(clock=clock, secret=TEST_SECRET)
    )
    yield thread
    thread.stop()


def test_hello_is_the_first_frame(server: ServerThread) -> None:
    result = api(server, "rtm.connect", "xoxb-1-classic")
    with connect(result.body["url"]) as ws:
        assert recv_json(ws) == {"type": "hello"}


def test_a_used_ticket_gets_the_expired_error_frame_and_a_1008_close(server: ServerThread) -> None:
    url = api(server, "rtm.connect", "xoxb-1-classic").body["url"]
    with connect(url) as first:
        assert recv_json(first) == {"type": "hello"}
        with connect(url) as second:
            assert recv_json(second) == {
                "type": "error",
                "error": {"code": 1, "msg": "Socket URL has expired"},
            }
            with pytest.raises(ConnectionClosed) as closed:
                second.recv(timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


def test_a_ticket_older_than_30_seconds_is_expired(
    server: ServerThread, clock: ManualClock
) -> None:
    url = api(server, "rtm.connect", "xoxb-1-classic").body["url"]
    clock.advance(31)
    with connect(url) as ws:
        assert recv_json(ws)["error"]["code"] == 1


def test_an_unknown_ticket_is_expired(server: ServerThread) -> None:
    with connect(f"ws://127.0.0.1:{server.port}/websocket/not-a-ticket") as ws:
        assert recv_json(ws)["error"] == {"code": 1, "msg": "Socket URL has expired"}


def test_permessage_deflate_is_declined(server: ServerThread) -> None:
    result = api(server, "rtm.connect", "xoxb-1-classic")
    with connect(result.body["url"], compression="deflate") as ws:
        assert ws.response is not None
        assert "Sec-WebSocket-Extensions" not in ws.response.headers
        assert recv_json(ws) == {"type": "hello"}


def test_websocket_ping_frames_are_answered_with_their_payload(server: ServerThread) -> None:
    with open_socket(server, "xoxb-1-classic") as ws:
        assert ws.ping(b"session-1:1795799228.0094993").wait(timeout=5)


def test_json_ping_gets_a_pong_with_reply_to_and_the_extra_fields(server: ServerThread) -> None:
    with open_socket(server, "xoxb-1-classic") as ws:
        send_json(ws, {"type": "ping", "id": 7, "time": 1403299273342, "note": "x"})
        assert recv_json(ws) == {"type": "pong", "reply_to": 7, "time": 1403299273342, "note": "x"}


def test_an_unknown_type_with_an_id_gets_code_6(server: ServerThread) -> None:
    with open_socket(server, "xoxb-1-classic") as ws:
        send_json(ws, {"type": "dance", "id": 3})
        assert recv_json(ws) == {
            "ok": False,
            "reply_to": 3,
            "error": {"code": 6, "msg": "unsupported type"},
        }


def test_an_unknown_type_without_an_id_gets_the_error_event_with_code_6(
    server: ServerThread,
) -> None:
    with open_socket(server, "xoxb-1-classic") as ws:
        send_json(ws, {"type": "dance"})
        send_json(ws, {"type": "ping", "id": 4})
        assert recv_json(ws) == {"type": "error", "error": {"code": 6, "msg": "unsupported type"}}
        assert recv_json(ws) == {"type": "pong", "reply_to": 4}


def test_a_frame_without_a_type_gets_the_error_event_with_code_6(server: ServerThread) -> None:
    with open_socket(server, "xoxb-1-classic") as ws:
        send_json(ws, {"kind": "ping"})
        assert recv_json(ws) == {"type": "error", "error": {"code": 6, "msg": "unsupported type"}}


def test_a_frame_that_is_not_a_json_object_gets_the_error_frame_with_code_7(
    server: ServerThread,
) -> None:
    with open_socket(server, "xoxb-1-classic") as ws:
        ws.send("[1, 2, 3]")
        assert recv_json(ws) == {"type": "error", "error": {"code": 7, "msg": "invalid frame"}}


def test_a_frame_over_16384_bytes_closes_the_socket_with_1009(server: ServerThread) -> None:
    with open_socket(server, "xoxb-1-classic") as ws:
        ws.send('{"type":"message","channel":"C0001","text":"' + "x" * 16_400 + '"}')
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


def test_a_frame_of_exactly_16384_bytes_is_accepted(server: ServerThread) -> None:
    with open_socket(server, "xoxb-1-classic") as ws:
        padding = 16_384 - len('{"type":"ping","id":1,"pad":""}')
        ws.send('{"type":"ping","id":1,"pad":"' + "p" * padding + '"}')
        assert recv_json(ws)["reply_to"] == 1


def test_a_malformed_upgrade_is_refused_and_the_server_stays_healthy(server: ServerThread) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        raw.sendall(
            b"GET /websocket/x HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            b"Sec-WebSocket-Key: short\r\n\r\n"
        )
        assert raw.recv(1024).startswith(b"HTTP/1.1 400")
    assert api(server, "auth.test", "xoxb-1-classic").body["ok"] is True


@contextmanager
def raw_session(server: ServerThread) -> Iterator[tuple[socket.socket, bytes]]:
    """A socket upgraded by hand (``Host`` without a port, as rtm_v2 sends it), read up to
    ``hello``; yields the socket and every byte received so far."""
    url = api(server, "rtm.connect", "xoxb-1-classic").body["url"]
    path = url.split(str(server.port), 1)[1]
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        raw.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Key: {key}\r\n\r\n".encode()
        )
        received = b""
        while b'{"type":"hello"}' not in received:
            received += raw.recv(4096)
        yield raw, received


def test_an_unmasked_client_frame_closes_with_1002(server: ServerThread) -> None:
    with raw_session(server) as (raw, _):
        raw.sendall(b"\x81\x02{}")
        close = raw.recv(4096)
        assert close[0] == 0x88 and close[2:4] == (1002).to_bytes(2, "big")


def test_rtm_v2_style_host_header_without_a_port_is_accepted(server: ServerThread) -> None:
    with raw_session(server) as (_, received):
        assert received.startswith(b"HTTP/1.1 101")

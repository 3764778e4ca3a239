"""A slow reader never holds the server up: its session is closed with 1013 and counted."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.helpers.http import api, start_server
from tests.helpers.rtm import recv_json

SMALL_RECEIVE_BUFFER_BYTES = 4096
MESSAGES = 300
TEXT_CHARS = 30_000


def test_a_session_that_stops_reading_is_closed_with_1013(tmp_path: Path) -> None:
    server = start_server(tmp_path, max_outbound_bytes=64 * 1024)
    try:
        url = api(server, "rtm.connect", "xoxb-1-classic").body["url"]
        raw = socket.socket()
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_RECEIVE_BUFFER_BYTES)
        raw.connect(("127.0.0.1", server.port))
        with connect(url, sock=raw, max_size=None) as slow:
            assert recv_json(slow) == {"type": "hello"}
            for n in range(MESSAGES):
                posted = api(server, "chat.postMessage", "xoxp-1-client", channel="C0001",
                             text=f"{n}:" + "x" * TEXT_CHARS)  # fmt: skip
                assert posted.body["ok"], posted.body
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    slow.recv(timeout=10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
        assert server.app is not None and server.app.hub.overflow_closes == 1
        # The server is unharmed: other clients carry on.
        assert api(server, "rtm.connect", "xoxb-1-classic").body["ok"] is True
    finally:
        server.stop()

"""Sessions ended or left half-open by injection, observed on real sockets: ``sessions.end``
with and without goodbye (a dropped connection), goodbye only (``faults.goodbye``, the
socket left open), and silenced pings (``faults.silence_pings``)."""

from __future__ import annotations

from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from slackline.testing.server import ServerThread
from tests.helpers.events import ALICE, BOB, BOT, admin, ok
from tests.helpers.rtm import FRAME_TIMEOUT_SECS, open_socket, recv_json, recv_until, send_json

pytestmark = pytest.mark.usefixtures("cleared")


def ping_then_marker(ws: ClientConnection, ping_id: int) -> dict[str, Any]:
    """Send a ping, then a frame whose reply is certain (unknown type: code 6); the first
    frame back. Frames of one socket are handled in order, so a pong would come first."""
    send_json(ws, {"id": ping_id, "type": "ping"})
    send_json(ws, {"id": ping_id + 1, "type": "marker"})
    return recv_json(ws)


# sessions.end


def test_ending_sessions_with_goodbye_sends_goodbye_then_closes(server: ServerThread) -> None:
    with open_socket(server, ALICE) as alice:
        assert admin(server, "sessions.end", {"user": "U0001"})["ended"] == 1
        assert recv_json(alice) == {"type": "goodbye"}
        with pytest.raises(ConnectionClosed) as closed:
            alice.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001


def test_ending_sessions_without_goodbye_drops_the_connection(server: ServerThread) -> None:
    with open_socket(server, ALICE) as alice:
        admin(server, "sessions.end", {"user": "U0001", "goodbye": False})
        with pytest.raises(ConnectionClosed) as dropped:
            alice.recv(timeout=5)
        assert dropped.value.rcvd is None  # no close frame, no goodbye: a network failure


# goodbye only


def test_goodbye_only_leaves_the_socket_open_until_the_client_closes(
    server: ServerThread,
) -> None:
    with open_socket(server, ALICE) as alice, open_socket(server, BOB) as bob:
        assert admin(server, "faults.goodbye", {"user": "U0001"})["sessions"] == 1
        assert recv_json(alice) == {"type": "goodbye"}
        send_json(alice, {"id": 7, "type": "ping"})
        assert recv_json(alice) == {"type": "pong", "reply_to": 7}  # still served
        ok(server, "chat.postMessage", BOT, channel="C0001", text="after goodbye")
        assert recv_until(alice, lambda f: f.get("text") == "after goodbye")
        assert recv_until(bob, lambda f: f.get("text") == "after goodbye")  # bob got none


# half-open: silenced pings


def test_silenced_pings_get_no_pong_while_the_socket_stays_open(server: ServerThread) -> None:
    with open_socket(server, ALICE) as alice:
        assert ping_then_marker(alice, 1) == {"type": "pong", "reply_to": 1}
        assert recv_json(alice)["reply_to"] == 2
        admin(server, "faults.silence_pings", {"user": "U0001"})
        marker = ping_then_marker(alice, 3)
        assert (marker["reply_to"], marker["error"]["code"]) == (4, 6)  # no pong before it
        ok(server, "chat.postMessage", BOT, channel="C0001", text="still flowing")
        assert recv_until(alice, lambda f: f.get("text") == "still flowing")
        admin(server, "faults.answer_pings", {})
        assert ping_then_marker(alice, 5) == {"type": "pong", "reply_to": 5}


def test_silenced_pings_include_websocket_pings(server: ServerThread) -> None:
    with open_socket(server, ALICE) as alice:
        admin(server, "faults.silence_pings", {"team": "T0001"})
        pong = alice.ping()
        send_json(alice, {"id": 9, "type": "marker"})
        assert recv_json(alice)["reply_to"] == 9  # a pong would have been written before it
        assert not pong.is_set()
        admin(server, "faults.answer_pings", {})
        assert alice.ping().wait(FRAME_TIMEOUT_SECS)


def test_silencing_one_user_still_answers_the_others(server: ServerThread) -> None:
    admin(server, "faults.silence_pings", {"user": "U0002"})
    with open_socket(server, ALICE) as alice:
        assert ping_then_marker(alice, 1) == {"type": "pong", "reply_to": 1}

"""The Socket Mode endpoint ``/link/`` over real sockets (the ``websockets`` client): a ticket
connects once, a used, unknown or missing ticket gets the upgrade and then a close 1008 with
no frame, an app's eleventh connection is refused ``too_many_websockets``, and an open
connection answers pings, ignores what is not an acknowledgement, refuses binary frames and
is greeted by a ``hello`` counting the app's connections."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from slackline.testing.server import ServerThread
from tests.helpers.cluster import wait_until
from tests.socket_mode.conftest import APP_ID, APP_TOKEN

TIMEOUT_SECS = 5.0
MAX_CONNECTIONS = 10  # Slack's limit of one app's open Socket Mode connections


def connection_count(server: ServerThread) -> int:
    """How many Socket Mode connections the app has open on the server."""
    assert server.app is not None
    return server.app.socket_mode.connection_count(APP_ID)


@pytest.fixture(autouse=True)
def no_connections_left(server: ServerThread) -> Iterator[None]:
    """Each test starts with none of the app's connections open, and leaves none."""
    wait_until(lambda: connection_count(server) == 0, "no connections open", TIMEOUT_SECS)
    yield
    wait_until(lambda: connection_count(server) == 0, "the connections closed", TIMEOUT_SECS)


def socket_url(server: ServerThread) -> str:
    """A Socket Mode URL from ``apps.connections.open`` with the app-level token."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}/api/apps.connections.open",
        data=b"",
        headers={"Authorization": f"Bearer {APP_TOKEN}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECS) as response:
        body = json.loads(response.read())
    assert body["ok"], body
    url = body["url"]
    assert isinstance(url, str)
    return url


def with_query(url: str, **query: str) -> str:
    """The URL with its query replaced."""
    return urlunsplit(urlsplit(url)._replace(query=urlencode(query)))


def open_link(url: str) -> ClientConnection:
    """Open a WebSocket to the URL."""
    return connect(url, open_timeout=TIMEOUT_SECS, close_timeout=TIMEOUT_SECS)


def recv_json(ws: ClientConnection) -> dict[str, Any]:
    """The next text frame as JSON."""
    frame = ws.recv(timeout=TIMEOUT_SECS)
    assert isinstance(frame, str), frame
    document = json.loads(frame)
    assert isinstance(document, dict)
    return document


def open_app(server: ServerThread, stack: ExitStack) -> tuple[ClientConnection, dict[str, Any]]:
    """A connection of the app (closed with the stack) and its ``hello``."""
    ws = stack.enter_context(open_link(socket_url(server)))
    hello = recv_json(ws)
    assert hello["type"] == "hello", hello
    return ws, hello


def refusal(ws: ClientConnection) -> tuple[list[str | bytes], int | None, str | None]:
    """Read until the server closes: the frames it sent first, its close code and reason."""
    frames: list[str | bytes] = []
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            frames.append(ws.recv(timeout=TIMEOUT_SECS))
    received = closed.value.rcvd
    return frames, received.code if received else None, received.reason if received else None


def answers_pings(ws: ClientConnection) -> bool:
    """Whether a WebSocket ping gets its pong."""
    return ws.ping().wait(TIMEOUT_SECS)


def test_a_ticket_from_apps_connections_open_gets_hello(server: ServerThread) -> None:
    with ExitStack() as stack:
        _, hello = open_app(server, stack)
    assert hello["connection_info"] == {"app_id": APP_ID}


def test_a_used_ticket_is_closed_1008_without_a_frame(server: ServerThread) -> None:
    url = socket_url(server)
    with open_link(url) as first:
        assert recv_json(first)["type"] == "hello"
    with open_link(url) as second:
        frames, code, _ = refusal(second)
    assert (frames, code) == ([], 1008)


def test_a_used_ticket_is_refused_while_its_first_connection_is_open(
    server: ServerThread,
) -> None:
    url = socket_url(server)
    with open_link(url) as first:
        assert recv_json(first)["type"] == "hello"
        with open_link(url) as second:
            frames, code, _ = refusal(second)
        assert (frames, code) == ([], 1008)
        assert answers_pings(first)


def test_an_unknown_ticket_is_closed_1008_without_a_frame(server: ServerThread) -> None:
    url = with_query(socket_url(server), ticket="not-a-ticket", app_id=APP_ID)
    with open_link(url) as ws:
        frames, code, _ = refusal(ws)
    assert (frames, code) == ([], 1008)


def test_a_link_without_a_ticket_is_closed_1008_without_a_frame(server: ServerThread) -> None:
    with open_link(f"ws://127.0.0.1:{server.port}/link/") as ws:
        frames, code, _ = refusal(ws)
    assert (frames, code) == ([], 1008)


def test_a_link_with_an_empty_ticket_is_closed_1008_without_a_frame(
    server: ServerThread,
) -> None:
    url = with_query(socket_url(server), ticket="", app_id=APP_ID)
    with open_link(url) as ws:
        frames, code, _ = refusal(ws)
    assert (frames, code) == ([], 1008)


def test_a_refused_ticket_opens_no_connection(server: ServerThread) -> None:
    assert server.app is not None
    opened = server.app.socket_mode.stats.opened
    with open_link(with_query(socket_url(server), ticket="not-a-ticket")) as ws:
        refusal(ws)
    assert server.app.socket_mode.stats.opened == opened


def test_the_url_carries_a_ticket_and_the_app_id(server: ServerThread) -> None:
    parts = urlsplit(socket_url(server))
    query = dict(parse_qsl(parts.query))
    assert (parts.scheme, parts.path, query["app_id"]) == ("ws", "/link/", APP_ID)
    assert query["ticket"]


def test_the_eleventh_connection_is_closed_1008_too_many_websockets(
    server: ServerThread,
) -> None:
    with ExitStack() as stack:
        for _ in range(MAX_CONNECTIONS):
            open_app(server, stack)
        assert connection_count(server) == MAX_CONNECTIONS
        with open_link(socket_url(server)) as eleventh:
            frames, code, reason = refusal(eleventh)
        assert (frames, code, reason) == ([], 1008, "too_many_websockets")


def test_the_ten_connections_stay_open_past_the_eleventh(server: ServerThread) -> None:
    with ExitStack() as stack:
        opened = [open_app(server, stack)[0] for _ in range(MAX_CONNECTIONS)]
        with open_link(socket_url(server)) as eleventh:
            refusal(eleventh)
        assert connection_count(server) == MAX_CONNECTIONS
        assert all(answers_pings(ws) for ws in opened)


def test_a_connection_is_admitted_again_once_one_of_ten_closes(server: ServerThread) -> None:
    with ExitStack() as stack:
        opened = [open_app(server, stack)[0] for _ in range(MAX_CONNECTIONS)]
        opened[0].close()
        wait_until(lambda: connection_count(server) < MAX_CONNECTIONS, "a close", TIMEOUT_SECS)
        _, hello = open_app(server, stack)
        assert hello["num_connections"] == MAX_CONNECTIONS


def test_a_websocket_ping_gets_a_pong(server: ServerThread) -> None:
    with ExitStack() as stack:
        ws, _ = open_app(server, stack)
        assert answers_pings(ws)


def test_a_frame_that_is_not_json_leaves_the_connection_open(server: ServerThread) -> None:
    with ExitStack() as stack:
        ws, _ = open_app(server, stack)
        ws.send("this is not json {")
        assert answers_pings(ws)  # answered after the frame before it
        assert connection_count(server) == 1


def test_an_acknowledgement_of_an_unknown_envelope_leaves_the_connection_open(
    server: ServerThread,
) -> None:
    with ExitStack() as stack:
        ws, _ = open_app(server, stack)
        ws.send(json.dumps({"envelope_id": "no-such-envelope", "payload": {}}))
        assert answers_pings(ws)
        assert connection_count(server) == 1


def test_json_that_is_not_an_acknowledgement_leaves_the_connection_open(
    server: ServerThread,
) -> None:
    with ExitStack() as stack:
        ws, _ = open_app(server, stack)
        ws.send(json.dumps(["envelope_id", 1]))
        ws.send(json.dumps({"envelope_id": 7}))
        assert answers_pings(ws)
        assert connection_count(server) == 1


def test_a_binary_frame_closes_the_connection_1003(server: ServerThread) -> None:
    with ExitStack() as stack:
        ws, _ = open_app(server, stack)
        ws.send(b'{"envelope_id": "x"}')
        frames, code, _ = refusal(ws)
    assert (frames, code) == ([], 1003)


def test_hello_counts_the_apps_connections(server: ServerThread) -> None:
    with ExitStack() as stack:
        counts = [open_app(server, stack)[1]["num_connections"] for _ in range(3)]
    assert counts == [1, 2, 3]


def test_hello_counts_only_the_connections_still_open(server: ServerThread) -> None:
    with ExitStack() as stack:
        first, _ = open_app(server, stack)
        open_app(server, stack)
        first.close()
        wait_until(lambda: connection_count(server) == 1, "the first close", TIMEOUT_SECS)
        _, hello = open_app(server, stack)
    assert hello["num_connections"] == 2


def test_hello_has_slacks_shape(server: ServerThread) -> None:
    with ExitStack() as stack:
        _, hello = open_app(server, stack)
    assert set(hello) == {"type", "num_connections", "debug_info", "connection_info"}
    assert set(hello["debug_info"]) == {"host", "build_number", "approximate_connection_time"}

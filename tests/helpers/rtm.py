"""Helpers for socket tests: connect through rtm.connect, read JSON frames, see how a socket
ended."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from slackline.rtm.catalogue import EVENT_TYPES, MESSAGE_SUBTYPES
from slackline.testing.server import ServerThread
from tests.helpers.http import api

FRAME_TIMEOUT_SECS = 5.0
QUIET_SECS = 0.3


def open_socket(server: ServerThread, token: str, **args: str) -> ClientConnection:
    """rtm.connect with the token, then open the socket it names and read ``hello``."""
    result = api(server, "rtm.connect", token, **args)
    assert result.body["ok"], result.body
    socket = connect(result.body["url"], open_timeout=FRAME_TIMEOUT_SECS, legacy=True)
    assert recv_json(socket) == {"type": "hello"}
    return socket


def recv_json(socket: ClientConnection, timeout: float = FRAME_TIMEOUT_SECS) -> dict[str, Any]:
    """The next text frame as JSON; an event of a kind the catalogue does not list fails the
    test (``slackline.rtm.catalogue`` renders docs/reference.md, so none ships undocumented)."""
    frame = socket.recv(timeout=timeout)
    assert isinstance(frame, str), frame
    document = json.loads(frame)
    assert isinstance(document, dict)
    assert_catalogued(document)
    return document


def assert_catalogued(frame: dict[str, Any]) -> None:
    """Fail unless the frame is a reply or an event kind of the catalogue."""
    kind, subtype = frame.get("type"), frame.get("subtype")
    if kind is None:
        return  # a reply to a frame: {"ok", "reply_to", ...}
    assert kind in EVENT_TYPES, f"event type {kind!r} is not in slackline.rtm.catalogue"
    if kind == "message" and subtype is not None:
        assert subtype in MESSAGE_SUBTYPES, f"message subtype {subtype!r} is not catalogued"


def recv_until(
    socket: ClientConnection,
    predicate: Callable[[dict[str, Any]], bool],
    timeout: float = FRAME_TIMEOUT_SECS,
) -> dict[str, Any]:
    """Read frames until one matches (others are skipped)."""
    while True:
        frame = recv_json(socket, timeout)
        if predicate(frame):
            return frame


def no_frame(socket: ClientConnection, within: float = QUIET_SECS) -> bool:
    """True if nothing arrives within ``within`` seconds (the one bounded wait for absence)."""
    try:
        socket.recv(timeout=within)
    except TimeoutError:
        return True
    return False


def send_json(socket: ClientConnection, document: dict[str, Any]) -> None:
    """Send one JSON text frame."""
    socket.send(json.dumps(document))


def closed_with(ws: ClientConnection) -> int | None:
    """Read until the server closes; its close code (None when it sent no close frame)."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=FRAME_TIMEOUT_SECS)
    return closed.value.rcvd.code if closed.value.rcvd is not None else None

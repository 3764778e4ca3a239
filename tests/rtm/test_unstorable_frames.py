"""Client frames that are not usable JSON get the error frame with code 7, and the session goes
on (decisions A.10, E.6): nested far too deep, or holding a lone surrogate escape or a NUL.

Each case runs on a plain server and on one keeping the control API's journal (which also
reads every client frame), over a real socket.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection

from slackline.testing.server import ServerThread
from tests.helpers.events import admin, start_event_server
from tests.helpers.http import api, start_server
from tests.helpers.rtm import open_socket, recv_json, recv_until, send_json

BOT = "xoxb-1-classic"
GENERAL = "C0001"
INVALID_FRAME = {"type": "error", "error": {"code": 7, "msg": "invalid frame"}}


@pytest.fixture(scope="module", params=["plain", "journaled"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerThread]:
    folder = tmp_path_factory.mktemp(f"frames-{request.param}")
    thread = start_server(folder) if request.param == "plain" else start_event_server(folder)
    yield thread
    thread.stop()


@pytest.fixture
def socket(server: ServerThread) -> Iterator[ClientConnection]:
    with open_socket(server, BOT) as ws:
        yield ws


def assert_alive(ws: ClientConnection, ping_id: int) -> None:
    """A ping with an id still gets its pong: the session lives."""
    send_json(ws, {"id": ping_id, "type": "ping"})
    assert recv_until(ws, lambda f: f.get("type") == "pong") == {
        "type": "pong",
        "reply_to": ping_id,
    }


def nested(depth: int) -> str:
    """A message frame whose ``text`` is an object ``depth`` levels deep (the frame one more)."""
    inner = '{"a":' * (depth - 1) + "1" + "}" * (depth - 1)
    return '{"id":1,"type":"message","channel":"C0001","text":' + inner + "}"


BAD_FRAMES = {
    "nested-1000": nested(1_000),
    "array-nested-1000": "[" * 1_000 + "]" * 1_000,
    # As deep as a frame the server takes can be (16 KiB), far past the recursion limit.
    "array-nested-8000": "[" * 8_000 + "]" * 8_000,
    "nested-65": nested(65),
    "lone-surrogate": '{"id":2,"type":"message","channel":"C0001","text":"\\ud800"}',
    "lone-surrogate-key": '{"id":3,"type":"message","channel":"C0001","text":"ok","x\\udc00":1}',
    "nul": '{"id":4,"type":"message","channel":"C0001","text":"a\\u0000b"}',
    "ping-lone-surrogate": '{"id":5,"type":"ping","note":"\\ud800"}',
    "not-json": "not json",
}


@pytest.mark.parametrize("frame", list(BAD_FRAMES.values()), ids=list(BAD_FRAMES))
def test_an_unusable_frame_gets_code_7_and_the_session_goes_on(
    server: ServerThread, socket: ClientConnection, frame: str
) -> None:
    socket.send(frame)
    assert recv_json(socket) == INVALID_FRAME
    assert_alive(socket, 42)


def test_several_unusable_frames_in_a_row_each_get_code_7(socket: ClientConnection) -> None:
    for frame in BAD_FRAMES.values():
        socket.send(frame)
    for _ in BAD_FRAMES:
        assert recv_json(socket) == INVALID_FRAME
    assert_alive(socket, 7)


def test_nothing_from_an_unusable_message_frame_is_stored(
    server: ServerThread, socket: ClientConnection
) -> None:
    socket.send('{"id":9,"type":"message","channel":"C0001","text":"\\udfff"}')
    assert recv_json(socket) == INVALID_FRAME
    send_json(socket, {"id": 10, "type": "message", "channel": GENERAL, "text": "after \U0001f600"})
    ack = recv_until(socket, lambda f: f.get("reply_to") == 10)
    assert ack["ok"] is True and ack["text"] == "after \U0001f600"
    history = api(server, "conversations.history", BOT, channel=GENERAL, limit="100")
    assert history.status == 200 and history.body["ok"] is True
    texts = [m["text"] for m in history.body["messages"]]
    assert "after \U0001f600" in texts
    assert all("\udfff" not in t and "\ufffd" not in t for t in texts)


def test_a_frame_at_the_depth_limit_is_handled(socket: ClientConnection) -> None:
    # 64 containers in all (the frame and 63 inside its text) is usable; the text is not a
    # string, so the message is refused for its content, with its id.
    socket.send(nested(64))
    assert recv_json(socket) == {
        "ok": False,
        "reply_to": 1,
        "error": {"code": 2, "msg": "message text is missing"},
    }
    assert_alive(socket, 11)


def test_the_journal_keeps_an_unusable_frame_and_still_answers(tmp_path: Path) -> None:
    with start_event_server(tmp_path) as journaled, open_socket(journaled, BOT) as ws:
        sent = (nested(1_000), '{"type":"ping","id":5,"x":"\\ud800"}')
        for frame in sent:
            ws.send(frame)
            assert recv_json(ws) == INVALID_FRAME
        assert_alive(ws, 6)
        frames: list[dict[str, Any]] = admin(journaled, "journal.frames", {"direction": "in"})[
            "frames"
        ]
        assert len(frames) == 3
        # Each kept frame can be written back as JSON (the journal's answer is UTF-8 JSON).
        json.dumps(frames, ensure_ascii=False).encode("utf-8")
        # Kept as the client sent them, unparsed: too deep, or with a lone surrogate escape.
        assert [f["frame"] for f in frames] == [
            {"unparsed": sent[0]},
            {"unparsed": sent[1]},
            {"id": 6, "type": "ping"},
        ]

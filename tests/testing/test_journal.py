"""The call journal: what the dispatcher reports, never a token."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from slackline.api.dispatch import Dispatcher
from slackline.app import Components
from slackline.rtm.client import ClientFrames
from slackline.rtm.hub import SessionHub
from slackline.rtm.replies import encode_event
from slackline.testing.journal import MemoryJournal
from slackline.websocket.protocol import Opcode, encode_frame
from tests.helpers.http import TEST_SECRET, api, http_request, start_server


def test_answered_calls_are_journaled_with_their_answers_and_without_tokens(
    tmp_path: Path,
) -> None:
    journal = MemoryJournal()
    server = start_server(tmp_path, Components(secret=TEST_SECRET, journal=journal))
    try:
        form = "token=xoxp-1-client&channel=C0001&text=hi"
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        http_request(server.port, "POST", "/api/chat.postMessage", form, headers)
        api(server, "rtm.connect", "xoxb-3-revoked")
        api(server, "no.such.method", "xoxb-1-classic")
    finally:
        server.stop()
    posted, revoked = journal.calls()
    assert (posted.method, posted.user_id, dict(posted.args)) == (
        "chat.postMessage",
        "U0001",
        {"channel": "C0001", "text": "hi"},
    )
    assert posted.response["ok"] is True and posted.response["channel"] == "C0001"
    assert (revoked.method, revoked.user_id, dict(revoked.response)) == (
        "rtm.connect",
        None,
        {"ok": False, "error": "token_revoked"},
    )


def test_waiting_for_a_call_that_never_comes_times_out() -> None:
    journal = MemoryJournal()
    try:
        journal.wait_for(lambda call: True, timeout=0.01)
    except TimeoutError:
        return
    raise AssertionError("expected TimeoutError")


@dataclass(frozen=True)
class Source:
    """What a frame record says about its session (an RtmSession in the server)."""

    session_id: int = 7
    team_id: str = "T0001"
    user_id: str = "U0001"
    token_hash: str = "ab" * 32


def test_frames_are_decoded_numbered_and_filtered() -> None:
    journal = MemoryJournal()
    long_text = "x" * 70_000  # a 64-bit length header
    journal.record_frame("out", Source(), encode_event({"type": "hello"}))
    journal.record_frame("in", Source(), b'{"id":1,"type":"ping"}')
    journal.record_frame("out", Source(), encode_event({"type": "message", "text": "y" * 300}))
    journal.record_frame("out", Source(user_id="U0002"), encode_event({"text": long_text}))
    journal.record_frame("out", Source(), encode_frame(Opcode.PONG, b"ping"))  # skipped
    journal.record_frame("in", Source(), b"not json")
    frames = journal.frames()
    assert [f.seq for f in frames] == [1, 2, 3, 4, 5]
    assert frames[0].frame == {"type": "hello"} and frames[0].token_id == "ab" * 6
    assert len(frames[2].frame["text"]) == 300 and frames[3].frame["text"] == long_text
    assert frames[4].frame == {"unparsed": "not json"}
    assert [f.seq for f in journal.frames(direction="in")] == [2, 5]
    assert [f.seq for f in journal.frames(user_id="U0002")] == [4]


def test_waiting_for_a_frame_finds_a_past_one_or_a_later_one() -> None:
    journal = MemoryJournal()
    journal.record_frame("out", Source(), encode_event({"type": "hello"}))
    first = journal.wait_for_frame(type="hello", timeout=0.01)
    threading.Timer(
        0.05, journal.record_frame, ("out", Source(session_id=8), encode_event({"type": "hello"}))
    ).start()
    second = journal.wait_for_frame(type="hello", after_seq=first.seq, timeout=5)
    assert (first.session_id, second.session_id) == (7, 8)
    with pytest.raises(TimeoutError):
        journal.wait_for_frame(type="hello", after_seq=second.seq, timeout=0.01)


def test_activity_is_noted_for_settle() -> None:
    journal = MemoryJournal()
    assert journal.wait_for_activity(0.01) is False
    threading.Timer(0.05, journal.touch).start()
    assert journal.wait_for_activity(5) is True
    assert journal.quiet_for() < 5


def test_a_server_without_a_journal_installs_none_of_its_wrappers(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        app = server.app
        assert app is not None and app.journal is None
        assert type(app.hub) is SessionHub
        assert type(app.api) is Dispatcher
        assert type(app.hub.client_frames) is ClientFrames
    finally:
        server.stop()

"""The journal's bounds: calls that did not authenticate are kept without their arguments, and
each kind (calls, frames, events) keeps about ``max_bytes`` of text, dropping its oldest.

Over real HTTP with ``--admin-token`` (the control API's journal), then on the journal itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest

from slackline.broker import Event
from slackline.rtm.replies import encode_event
from slackline.testing.control_journal import ControlJournal
from slackline.testing.journal import DEFAULT_MAX_BYTES, BoundedLog, CallRecord, MemoryJournal
from slackline.testing.server import ServerThread
from tests.helpers.events import admin, start_event_server
from tests.helpers.http import http_request

POSTS = 20
BODY_BYTES = 3_900_000  # under the 4 MiB body limit
KEPT_PER_CALL_BYTES = 1_024  # a call kept without arguments: little more than its answer
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    thread = start_event_server(tmp_path_factory.mktemp("bounds"))
    yield thread
    thread.stop()


def control_journal(server: ServerThread) -> ControlJournal:
    assert server.app is not None
    journal = server.app.journal
    assert isinstance(journal, ControlJournal)
    return journal


def big_form(filler: str = "x") -> str:
    body = urlencode({"channel": "C0001", "text": "big"}) + "&padding="
    return body + filler * (BODY_BYTES - len(body))


def post_big(server: ServerThread, method: str, token: str | None) -> dict[str, object]:
    headers = {"Content-Type": FORM}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = big_form()
    assert len(body) == BODY_BYTES
    return http_request(server.port, "POST", f"/api/{method}", body, headers).body


def test_unauthenticated_big_posts_are_journaled_without_their_arguments(
    server: ServerThread,
) -> None:
    journal = control_journal(server)
    since = admin(server, "journal.calls", {"limit": 1})["last_seq"]
    before = journal._calls.bytes
    tokens = [None, "xoxb-not-a-token", "xoxb-3-revoked", "xoxb-4-expired"]
    answers = [post_big(server, "chat.postMessage", tokens[i % len(tokens)]) for i in range(POSTS)]
    assert {str(a["error"]) for a in answers} == {
        "not_authed", "invalid_auth", "token_revoked", "token_expired",
    }  # fmt: skip
    calls = admin(server, "journal.calls", {"method": "chat.postMessage", "since": since})["calls"]
    assert len(calls) == POSTS
    assert all(c["args"] == {} and c["user"] is None for c in calls)
    assert [c["response"] for c in calls] == answers
    # 78 MB were posted; what the journal keeps for them is a few bytes each.
    grown = journal._calls.bytes - before
    assert 0 < grown <= POSTS * KEPT_PER_CALL_BYTES


def test_authenticated_big_calls_are_bounded_by_bytes(server: ServerThread) -> None:
    journal = control_journal(server)
    for _ in range(POSTS):
        # auth.test ignores the padding, which an authenticated call's record keeps.
        assert post_big(server, "auth.test", "xoxb-1-classic")["ok"] is True
    assert journal._calls.bytes <= DEFAULT_MAX_BYTES
    kept = [c for c in journal.calls() if c.method == "auth.test" and c.args]
    assert 0 < len(kept) < POSTS  # the oldest went first
    assert sum(len(c.args.get("padding", "")) for c in kept) <= DEFAULT_MAX_BYTES
    assert journal.calls()[-1].args["text"] == "big"


def test_a_bad_token_big_json_post_keeps_no_arguments(server: ServerThread) -> None:
    journal = control_journal(server)
    body = '{"channel":"C0001","text":"' + "y" * BODY_BYTES + '"}'
    headers = {
        "Authorization": "Bearer xoxb-wrong",
        "Content-Type": "application/json; charset=utf-8",
    }
    result = http_request(server.port, "POST", "/api/chat.update", body, headers)
    assert result.body == {"ok": False, "error": "invalid_auth"}
    last = journal.calls()[-1]
    assert (last.method, last.user_id, dict(last.args)) == ("chat.update", None, {})
    assert last.size < KEPT_PER_CALL_BYTES


# the journal itself


@dataclass(frozen=True)
class Source:
    session_id: int = 1
    team_id: str = "T0001"
    user_id: str = "U0001"
    token_hash: str = "cd" * 32


def _call(number: int, size: int) -> CallRecord:
    return CallRecord("auth.test", "U0001", {"n": str(number)}, {"ok": True}, size=size)


def test_a_memory_journal_drops_its_oldest_calls_first_past_its_bytes() -> None:
    journal = MemoryJournal(max_bytes=1_000)
    for number in range(10):
        journal.call_started()
        journal.record_call(_call(number, 300))
    kept = journal.calls()
    assert [c.args["n"] for c in kept] == ["7", "8", "9"]  # 900 bytes: a fourth would be 1,200
    assert journal._calls.bytes == 900
    assert journal.calls_in_flight == 0


def test_a_memory_journal_drops_its_oldest_frames_first_past_its_bytes() -> None:
    journal = MemoryJournal(max_bytes=1_000)
    for number in range(10):
        payload = json.dumps({"type": "message", "n": number, "text": "z" * 200}).encode()
        journal.record_frame("in", Source(), payload)
    for number in range(10, 20):
        journal.record_frame("out", Source(), encode_event({"n": number, "text": "w" * 200}))
    kept = journal.frames()
    assert [f.frame["n"] for f in kept] == [16, 17, 18, 19]
    assert [f.seq for f in kept] == [17, 18, 19, 20]  # numbered whatever was dropped
    assert 0 < journal._frames.bytes <= 1_000


def test_calls_and_frames_are_bounded_separately() -> None:
    journal = MemoryJournal(max_bytes=1_000)
    journal.record_frame("in", Source(), b'{"type":"ping","id":1}')
    for number in range(20):
        journal.call_started()
        journal.record_call(_call(number, 400))
    assert [f.frame for f in journal.frames()] == [{"type": "ping", "id": 1}]
    assert len(journal.calls()) == 2


def test_the_entry_bound_holds_as_well_as_the_byte_bound() -> None:
    journal = MemoryJournal(max_calls=3, max_frames=2, max_bytes=DEFAULT_MAX_BYTES)
    for number in range(5):
        journal.call_started()
        journal.record_call(_call(number, 1))
        journal.record_frame("in", Source(), b'{"n":%d}' % number)
    assert [c.args["n"] for c in journal.calls()] == ["2", "3", "4"]
    assert [f.frame["n"] for f in journal.frames()] == [3, 4]


def test_a_record_larger_than_the_bound_is_not_kept() -> None:
    log: BoundedLog[str] = BoundedLog(max_entries=10, max_bytes=100)
    log.append("small", 60)
    log.append("huge", 101)
    assert (list(log), log.bytes) == ([], 0)
    log.append("again", 40)
    assert (list(log), log.bytes) == (["again"], 40)
    log.clear()
    assert (len(log), log.bytes) == (0, 0)


def test_control_journal_events_are_bounded_by_bytes_and_calls_stay_numbered() -> None:
    journal = ControlJournal(max_bytes=1_000)
    for number in range(10):
        journal.record_event(Event("T0001", {"type": "message", "n": number, "text": "e" * 200}))
        journal.call_started()
        journal.record_call(_call(number, 300))
    assert [e.payload["n"] for e in journal.events()] == [6, 7, 8, 9]
    assert [seq for seq, _ in journal.numbered_calls()] == [8, 9, 10]
    journal.clear()
    assert journal.events() == [] and journal.calls() == []

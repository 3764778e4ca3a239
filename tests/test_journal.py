"""The call journal: what the dispatcher reports, never a token."""

from __future__ import annotations

from pathlib import Path

from slackline.app import Components
from slackline.journal import MemoryJournal
from tests.conftest import TEST_SECRET, api, http_request, start_server


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

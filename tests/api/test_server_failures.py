"""``internal_error`` and ``fatal_error`` from real failures (decisions B.6)."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from slackline.app import Components
from slackline.clock import RandomIdFactory
from slackline.testing.server import ServerThread
from tests.helpers.http import TEST_SECRET, api, start_server

JSON_UTF8 = "application/json; charset=utf-8"


class BrokenTicketIds(RandomIdFactory):
    """Ids as usual, except that minting a socket ticket fails unexpectedly."""

    def ticket(self) -> str:
        """Fail the way an unforeseen bug would."""
        raise RuntimeError("ticket source exploded")


def request_id_logged(caplog: pytest.LogCaptureFixture, request_id: str, code: str) -> None:
    """The failure is logged once with the request id, the code and a traceback."""
    records = [r for r in caplog.records if request_id in r.getMessage() and code in r.getMessage()]
    assert records, caplog.text
    assert records[0].exc_info is not None
    assert "Traceback" in caplog.text


def test_a_storage_failure_is_internal_error_logged_with_a_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "broken.db"
    thread = start_server(tmp_path, database=f"sqlite:///{database}?busy_timeout_ms=100")
    try:
        # Another process damages the schema under the running server. The token is not in
        # the identity cache warmed at start (another process could have created it since),
        # so its lookup reaches the database.
        with sqlite3.connect(database) as other:
            other.execute("DROP TABLE tokens")
        caplog.set_level(logging.INFO)
        result = api(thread, "rtm.connect", "xoxb-created-elsewhere")
    finally:
        thread.stop()
    assert result.status == 200
    assert result.body == {"ok": False, "error": "internal_error"}
    assert result.headers["content-type"] == JSON_UTF8
    request_id_logged(caplog, result.headers["x-slack-req-id"], "internal_error")
    assert "xoxb-created-elsewhere" not in caplog.text


def test_an_unexpected_exception_is_fatal_error_with_only_the_code(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    components = Components(secret=TEST_SECRET, ids=BrokenTicketIds())
    thread: ServerThread = start_server(tmp_path, components)
    try:
        caplog.set_level(logging.INFO)
        result = api(thread, "rtm.connect", "xoxb-1-classic")
    finally:
        thread.stop()
    assert result.status == 200
    assert result.body == {"ok": False, "error": "fatal_error"}
    assert result.headers["content-type"] == JSON_UTF8
    assert result.headers["x-oauth-scopes"] == "identify,bot:basic"
    assert "exploded" not in str(result.body)
    request_id_logged(caplog, result.headers["x-slack-req-id"], "fatal_error")
    assert "ticket source exploded" in caplog.text

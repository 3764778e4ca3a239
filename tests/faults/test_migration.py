"""A team migration (``faults.migrate_team``) timed by the manual clock: sessions get
``team_migration_started``, calls and tickets are refused until the clock passes it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.sync.client import connect

from slackline.clock import ManualClock
from slackline.testing.server import ServerThread
from tests.helpers.events import ALICE, BOT, admin, error_of, ok
from tests.helpers.http import http_request
from tests.helpers.rtm import FRAME_TIMEOUT_SECS, closed_with, open_socket, recv_json

pytestmark = pytest.mark.usefixtures("cleared")


def test_a_migration_ends_sessions_and_refuses_calls_until_the_clock_passes_it(
    server: ServerThread, clock: ManualClock
) -> None:
    with open_socket(server, ALICE) as alice:
        admin(server, "faults.migrate_team", {"team": "T0001", "secs": 30})
        assert recv_json(alice) == {"type": "team_migration_started"}
        assert closed_with(alice) == 1001
    assert error_of(server, "rtm.connect", BOT) == "migration_in_progress"
    assert error_of(server, "auth.test", ALICE) == "migration_in_progress"
    assert ok(server, "rtm.connect", "xoxb-grid-bot")["ok"] is True  # another team
    admin(server, "clock.advance", {"secs": 29})
    assert error_of(server, "rtm.connect", BOT) == "migration_in_progress"
    admin(server, "clock.advance", {"secs": 1.5})
    with open_socket(server, BOT):
        pass
    assert ok(server, "auth.test", ALICE)["team_id"] == "T0001"


def test_a_ticket_issued_before_a_migration_is_expired_during_it(server: ServerThread) -> None:
    url = ok(server, "rtm.connect", BOT)["url"]
    admin(server, "faults.migrate_team", {"team": "T0001", "secs": 10})
    with connect(url, open_timeout=FRAME_TIMEOUT_SECS) as ws:
        assert recv_json(ws)["error"]["code"] == 1
        assert closed_with(ws) == 1008


def test_migrating_an_unknown_team_is_404(server: ServerThread) -> None:
    result = api_admin_status(server, "faults.migrate_team", {"team": "T9999", "secs": 1})
    assert result == (404, "team_not_found")


def api_admin_status(server: ServerThread, endpoint: str, body: dict[str, Any]) -> tuple[int, str]:
    """An admin call expected to fail: its status and error code."""
    headers = {"Authorization": "Bearer admin-secret", "Content-Type": "application/json"}
    result = http_request(
        server.port, "POST", f"/_slackline/admin/{endpoint}", json.dumps(body), headers
    )
    return result.status, str(result.body["error"])

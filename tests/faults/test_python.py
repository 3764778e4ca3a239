"""Faults armed from Python on the server's loop: the same plan the control API arms."""

from __future__ import annotations

from typing import Any

import pytest

from slackline.testing.server import ServerThread
from tests.helpers.events import BOT, error_of, ok

pytestmark = pytest.mark.usefixtures("cleared")


def test_every_fault_is_reachable_from_python_on_the_servers_loop(server: ServerThread) -> None:
    assert server.app is not None
    faults = server.app.require_faults()

    async def arm() -> dict[str, Any]:
        faults.fail_next("auth.test", "fatal_error")
        faults.delay_calls("users.list", 1.0, count=2)
        faults.refuse_tickets(1, status=403, team_id="T0002")
        faults.expire_tickets(1, user_id="U0001")
        faults.silence_pings(session_id=12345)
        await faults.migrate_team("T0002", 60)
        faults.delay_events(5.0, team_id="T0002", count=1)
        return faults.describe()

    armed = server.run(arm())
    assert [f["error"] for f in armed["fail_next"]] == ["fatal_error"]
    assert armed["delay_calls"][0]["remaining"] == 2
    assert [t["action"] for t in armed["tickets"]] == ["refuse", "expire"]
    assert armed["migrations"][0]["team"] == "T0002"
    assert armed["silenced_pings"] == [{"team": None, "user": None, "session": 12345}]
    assert armed["delay_events"]["team"] == "T0002"
    assert error_of(server, "auth.test", BOT) == "fatal_error"

    async def clear() -> dict[str, Any]:
        faults.clear()
        return faults.describe()

    assert server.run(clear())["migrations"] == []
    assert ok(server, "auth.test", GRID_BOT_TOKEN)["team_id"] == "T0002"


GRID_BOT_TOKEN = "xoxb-grid-bot"

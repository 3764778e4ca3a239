"""Every injected fault observed over real HTTP and real sockets: goodbye only, refused and
expired tickets, Slack errors on the next calls, delayed calls and events, a team migration
timed by a manual clock, and silenced pings (a half-open connection)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from slackline.app import Components
from slackline.clock import ManualClock
from slackline.testing.server import ServerThread
from tests.conftest import TEST_SECRET, api
from tests.events_helpers import (
    ALICE,
    BOB,
    BOT,
    DAVE,
    admin,
    error_of,
    ok,
    start_event_server,
)
from tests.rtm_helpers import FRAME_TIMEOUT_SECS, open_socket, recv_json, recv_until, send_json


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, clock: ManualClock) -> Iterator[ServerThread]:
    components = Components(clock=clock, secret=TEST_SECRET)
    thread = start_event_server(tmp_path_factory.mktemp("faults-more"), components=components)
    yield thread
    thread.stop()


@pytest.fixture(autouse=True)
def cleared(server: ServerThread) -> Iterator[None]:
    yield
    admin(server, "faults.clear", {})


def closed_with(ws: ClientConnection) -> int | None:
    """Read until the server closes; its close code (None when it sent no close frame)."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=FRAME_TIMEOUT_SECS)
    return closed.value.rcvd.code if closed.value.rcvd is not None else None


def ping_then_marker(ws: ClientConnection, ping_id: int) -> dict[str, Any]:
    """Send a ping, then a frame whose reply is certain (unknown type: code 6); the first
    frame back. Frames of one socket are handled in order, so a pong would come first."""
    send_json(ws, {"id": ping_id, "type": "ping"})
    send_json(ws, {"id": ping_id + 1, "type": "marker"})
    return recv_json(ws)


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


# tickets


def test_a_refused_ticket_gets_the_http_status_and_the_next_one_connects(
    server: ServerThread,
) -> None:
    admin(server, "faults.refuse_tickets", {"count": 1, "status": 502})
    url = ok(server, "rtm.connect", ALICE)["url"]
    with pytest.raises(InvalidStatus) as refused:
        connect(url, open_timeout=FRAME_TIMEOUT_SECS)
    assert refused.value.response.status_code == 502
    with connect(url, open_timeout=FRAME_TIMEOUT_SECS) as reused:  # the ticket is used up
        assert recv_json(reused)["error"]["code"] == 1
    with open_socket(server, ALICE) as alice:
        send_json(alice, {"id": 1, "type": "ping"})
        assert recv_json(alice)["type"] == "pong"


def test_ticket_faults_for_one_user_leave_the_others_alone(server: ServerThread) -> None:
    admin(server, "faults.refuse_tickets", {"user": "U0002"})
    with open_socket(server, ALICE):
        pass
    url = ok(server, "rtm.connect", BOB)["url"]
    with pytest.raises(InvalidStatus) as refused:
        connect(url, open_timeout=FRAME_TIMEOUT_SECS)
    assert refused.value.response.status_code == 503


def test_an_expired_ticket_gets_the_upgrade_then_error_1_and_close_1008(
    server: ServerThread,
) -> None:
    admin(server, "faults.expire_tickets", {"count": 2})
    for _ in range(2):
        url = ok(server, "rtm.connect", BOT)["url"]
        with connect(url, open_timeout=FRAME_TIMEOUT_SECS) as ws:
            assert recv_json(ws) == {
                "type": "error",
                "error": {"code": 1, "msg": "Socket URL has expired"},
            }
            assert closed_with(ws) == 1008
    with open_socket(server, BOT):
        pass


# Slack errors on the next calls


@pytest.mark.parametrize(
    ("error", "status", "retry_after"),
    [
        ("migration_in_progress", 200, None),
        ("fatal_error", 200, None),
        ("internal_error", 200, None),
        ("service_unavailable", 503, "1"),
        ("ratelimited", 429, "7"),
    ],
)
def test_each_server_side_error_is_answered_as_slack_answers_it(
    server: ServerThread, error: str, status: int, retry_after: str | None
) -> None:
    body: dict[str, Any] = {"method": "rtm.connect", "error": error}
    if error == "ratelimited":
        body["retry_after"] = 7
    admin(server, "faults.fail_next", body)
    result = api(server, "rtm.connect", BOT)
    assert (result.status, result.body) == (status, {"ok": False, "error": error})
    assert result.headers.get("retry-after") == retry_after
    assert api(server, "rtm.connect", BOT).body["ok"] is True


# delays


def test_a_delayed_method_answers_no_sooner_than_the_delay(server: ServerThread) -> None:
    admin(server, "faults.delay_calls", {"method": "auth.test", "delay_ms": 300, "count": 1})
    started = time.monotonic()
    assert ok(server, "auth.test", BOT)["user_id"] == "U0BOT"
    assert time.monotonic() - started >= 0.3
    assert ok(server, "auth.test", BOT)["ok"] is True  # count 1: the next is not delayed


def test_a_delay_without_count_lasts_until_cleared(server: ServerThread) -> None:
    admin(server, "faults.delay_calls", {"method": "auth.test", "delay_ms": 200})
    for _ in range(2):
        started = time.monotonic()
        ok(server, "auth.test", BOT)
        assert time.monotonic() - started >= 0.2
    admin(server, "faults.clear", {})
    assert admin(server, "faults.list", {})["faults"]["delay_calls"] == []


def test_delayed_events_arrive_late_and_in_order(server: ServerThread) -> None:
    with open_socket(server, ALICE) as alice:
        admin(server, "faults.delay_events", {"delay_ms": 300, "team": "T0001"})
        started = time.monotonic()
        for text in ("one", "two", "three"):
            ok(server, "chat.postMessage", BOT, channel="C0001", text=text)
        texts = [recv_until(alice, lambda f: f.get("type") == "message")["text"]
                 for _ in range(3)]  # fmt: skip
        assert texts == ["one", "two", "three"]
        assert time.monotonic() - started >= 0.3
        send_json(alice, {"id": 3, "type": "ping"})  # replies are not events: never delayed
        assert recv_json(alice) == {"type": "pong", "reply_to": 3}
        admin(server, "faults.clear", {})
        ok(server, "chat.postMessage", BOT, channel="C0001", text="after clear")
        assert recv_until(alice, lambda f: f.get("type") == "message")["text"] == "after clear"


def test_a_counted_event_delay_ends_by_itself_and_the_hub_is_subscribed_again(
    server: ServerThread,
) -> None:
    with open_socket(server, DAVE) as dave:  # dave connects nowhere else: he turns active
        active = {"presence_of": "U0004", "event": {"presence": "active"}}
        admin(server, "wait", {"for": "event", "match": active})  # published: not delayed
        admin(server, "faults.delay_events", {"delay_ms": 100, "count": 1})
        ok(server, "chat.postMessage", BOT, channel="C0009", text="late")
        ok(server, "chat.postMessage", BOT, channel="C0009", text="on time")
        assert recv_until(dave, lambda f: f.get("type") == "message")["text"] == "late"
        assert recv_until(dave, lambda f: f.get("type") == "message")["text"] == "on time"
    faults = admin(server, "faults.list", {})["faults"]
    assert (faults["delay_events"], faults["held_events"]) == (None, 0)
    assert server.app is not None and not server.app.require_faults().events.intercepting


# team migration


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


# from Python: the same plan the control API arms


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


def api_admin_status(server: ServerThread, endpoint: str, body: dict[str, Any]) -> tuple[int, str]:
    """An admin call expected to fail: its status and error code."""
    from tests.conftest import http_request  # noqa: PLC0415

    headers = {"Authorization": "Bearer admin-secret", "Content-Type": "application/json"}
    result = http_request(
        server.port, "POST", f"/_slackline/admin/{endpoint}", json.dumps(body), headers
    )
    return result.status, str(result.body["error"])


# a delay longer than the client's timeout


def test_a_client_with_a_short_timeout_gives_up_on_a_delayed_call(server: ServerThread) -> None:
    from slack_sdk import WebClient  # noqa: PLC0415

    admin(server, "faults.delay_calls", {"method": "auth.test", "delay_ms": 3000, "count": 1})
    client = WebClient(token=BOT, base_url=f"{server.base_url}/api/", timeout=1)
    with pytest.raises(OSError):  # the socket's timeout
        client.auth_test()
    assert client.api_call("auth.test", params={"token": BOT})["ok"] is True

"""The control API over real HTTP: the OpenAPI description, reset and seed, the journal of
calls, frames and events, the long-poll wait, scenarios, and the manual clock."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from slackline.app import Components
from slackline.cli import build_parser, settings_from_args
from slackline.clock import ManualClock
from slackline.control import ENDPOINTS
from slackline.control.scenario import ScenarioError, parse_scenario_text
from slackline.testing.server import ServerThread
from tests.helpers.cluster import wait_until
from tests.helpers.events import ADMIN_TOKEN, ALICE, BOT, admin, error_of, ok, start_event_server
from tests.helpers.http import TEST_SECRET, HttpResult, http_request, start_server
from tests.helpers.rtm import open_socket, recv_json, recv_until, send_json

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    thread = start_event_server(tmp_path_factory.mktemp("control"))
    yield thread
    thread.stop()


def post(server: ServerThread, endpoint: str, body: str | dict[str, Any]) -> HttpResult:
    data = body if isinstance(body, str) else json.dumps(body)
    headers = {**AUTH, "Content-Type": "application/json"}
    return http_request(server.port, "POST", f"/_slackline/admin/{endpoint}", data, headers)


def failure(server: ServerThread, endpoint: str, body: str | dict[str, Any]) -> tuple[int, str]:
    result = post(server, endpoint, body)
    assert result.body["ok"] is False and result.body["detail"], result.body
    return result.status, str(result.body["error"])


# OpenAPI


def test_the_openapi_description_lists_every_endpoint_with_its_body(server: ServerThread) -> None:
    result = http_request(server.port, "GET", "/_slackline/openapi.json", headers=AUTH)
    assert result.status == 200
    document = result.body
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert set(paths) == {f"/_slackline/admin/{n}" for n in ENDPOINTS} | {
        "/_slackline/openapi.json"
    }
    for name, endpoint in ENDPOINTS.items():
        operation = paths[f"/_slackline/admin/{name}"]["post"]
        assert {"200", "400", "401"} <= set(operation["responses"])
        content = operation["requestBody"]["content"]
        if endpoint.body == "json":
            schema = content["application/json"]["schema"]
            assert set(schema["properties"]) == {p.name for p in endpoint.params}
            assert set(schema.get("required", [])) == {
                p.name for p in endpoint.params if p.required
            }
        else:
            assert "application/yaml" in content
    assert len({op["post"]["operationId"] for p, op in paths.items() if "post" in op}) == len(
        ENDPOINTS
    )
    refs = [v for v in _walk(document) if isinstance(v, str) and v.startswith("#/")]
    for ref in refs:  # every reference resolves
        node: Any = document
        for part in ref[2:].split("/"):
            node = node[part]


def _walk(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)
    else:
        yield node


def test_the_openapi_description_needs_the_admin_token(server: ServerThread) -> None:
    result = http_request(server.port, "GET", "/_slackline/openapi.json")
    assert (result.status, result.body["error"]) == (401, "not_authed")


def test_without_an_admin_token_every_control_path_is_404(tmp_path: Path) -> None:
    with start_server(tmp_path) as plain:
        for path in ("/_slackline/openapi.json", "/_slackline/admin/reset"):
            assert http_request(plain.port, "GET", path, headers=AUTH).status == 404


# reset and seed

EXTRA_TEAM = """
teams:
  - id: T0100
    name: Seeded
    users: [{id: U0100, name: seeded}]
    tokens: [{token: xoxp-seeded, user: U0100, type: user, scopes: [client]}]
"""


def test_seed_then_reset_removes_what_was_seeded_and_ends_sessions(server: ServerThread) -> None:
    seeded = http_request(
        server.port, "POST", "/_slackline/admin/seed", EXTRA_TEAM,
        {**AUTH, "Content-Type": "application/yaml"},
    )  # fmt: skip
    assert seeded.body == {"ok": True, "teams": ["T0100"]}
    assert ok(server, "auth.test", "xoxp-seeded")["user_id"] == "U0100"
    admin(server, "faults.fail_next", {"method": "users.list", "error": "fatal_error"})
    with open_socket(server, ALICE) as alice:
        teams = admin(server, "reset", {})["teams"]
        assert recv_json(alice) == {"type": "goodbye"}
    assert "T0100" not in teams and "T0001" in teams
    assert error_of(server, "auth.test", "xoxp-seeded") == "invalid_auth"
    assert ok(server, "users.list", BOT)["ok"] is True  # faults disarmed
    calls = admin(server, "journal.calls", {"method": "auth.test"})["calls"]
    assert [c["response"]["error"] for c in calls] == ["invalid_auth"]


# journal


def test_the_call_journal_filters_by_method_user_and_seq(server: ServerThread) -> None:
    ok(server, "auth.test", BOT)
    first = admin(server, "journal.calls", {"method": "auth.test", "user": "U0BOT"})
    assert first["calls"][-1]["response"]["user_id"] == "U0BOT"
    assert "token" not in first["calls"][-1]["args"]
    ok(server, "auth.test", ALICE)
    later = admin(server, "journal.calls", {"method": "auth.test", "since": first["last_seq"]})
    assert [c["user"] for c in later["calls"]] == ["U0001"]


def test_the_frame_journal_shows_frames_in_and_out(server: ServerThread) -> None:
    with open_socket(server, ALICE) as alice:
        send_json(alice, {"id": 42, "type": "ping", "note": "x"})
        assert recv_json(alice)["reply_to"] == 42
        sent = admin(server, "journal.frames", {"direction": "in", "user": "U0001", "type": "ping"})
        assert sent["frames"][-1]["frame"] == {"id": 42, "type": "ping", "note": "x"}
        pongs = admin(server, "wait", {"for": "frame", "match": {
            "direction": "out", "frame": {"type": "pong", "reply_to": 42}}})  # fmt: skip
        assert pongs["record"]["session"] == sent["frames"][-1]["session"]


def test_the_session_list_counts_each_open_sessions_frames_until_it_closes(
    server: ServerThread,
) -> None:
    with open_socket(server, BOT) as bot:  # hello read
        send_json(bot, {"id": 5, "type": "ping"})
        assert recv_json(bot)["reply_to"] == 5
        (listed,) = admin(server, "sessions.list", {"user": "U0BOT"})["sessions"]
        assert (listed["team"], listed["frames_in"], listed["frames_out"]) == ("T0001", 1, 2)
        assert listed["since"] > 0 and len(listed["token_id"]) == 12
        assert listed["token_type"] == "classic_bot"
    wait_until(lambda: not admin(server, "sessions.list", {"user": "U0BOT"})["sessions"],
               "the session to close", 5.0)  # fmt: skip


def test_the_event_journal_keeps_published_events(server: ServerThread) -> None:
    ok(server, "chat.postMessage", BOT, channel="C0001", text="journaled")
    events = admin(server, "journal.events", {"team": "T0001", "type": "message"})["events"]
    assert events[-1]["event"]["text"] == "journaled"


# long-poll wait


def test_wait_returns_an_event_that_comes_after_it_started(server: ServerThread) -> None:
    since = admin(server, "journal.events", {"limit": 1})["last_seq"]
    answers: list[dict[str, Any]] = []
    wanted = {"event": {"type": "message", "channel": "C0001", "text": "wake up"}}
    body = {"for": "event", "since": since, "timeout_secs": 30, "match": wanted}
    waiting = threading.Thread(target=lambda: answers.append(admin(server, "wait", body)))
    waiting.start()
    ok(server, "chat.postMessage", BOT, channel="C0001", text="not this one")
    admin(server, "act", {"as": "U0002", "method": "chat.postMessage",
                          "args": {"channel": "C0001", "text": "wake up"}})  # fmt: skip
    waiting.join(timeout=30)
    assert answers[0]["record"]["event"]["user"] == "U0002"


def test_wait_finds_a_call_already_made(server: ServerThread) -> None:
    ok(server, "conversations.info", BOT, channel="C0002")
    found = admin(server, "wait", {"for": "call", "match": {
        "method": "conversations.info", "args": {"channel": "C0002"}}})  # fmt: skip
    assert found["record"]["user"] == "U0BOT"


def test_wait_times_out_with_408(server: ServerThread) -> None:
    body = {"for": "event", "match": {"event": {"text": "never"}}, "timeout_secs": 0.2}
    assert failure(server, "wait", body) == (408, "timeout")


# input checks and the fault list


@pytest.mark.parametrize(
    ("endpoint", "body", "expected"),
    [
        ("faults.fail_next", {"method": "auth.test", "error": "oops"}, (400, "invalid_arguments")),
        ("faults.fail_next", {"method": "auth.test", "error": "fatal_error", "count": 0},
         (400, "invalid_arguments")),
        ("faults.delay_calls", {"method": "auth.test", "delay_ms": -1}, (400, "invalid_arguments")),
        ("faults.goodbye", {"colour": "red"}, (400, "invalid_arguments")),
        ("faults.refuse_tickets", {"status": 200}, (400, "invalid_arguments")),
        ("wait", {"for": "dream"}, (400, "invalid_arguments")),
        ("wait", "[1]", (400, "json_not_object")),
        ("clock.advance", {"secs": 1}, (409, "clock_not_manual")),
        ("faults.scenario", "- at: soon\n  fault: goodbye\n", (400, "invalid_scenario")),
        ("nothing.here", {}, (404, "unknown_endpoint")),
    ],
)  # fmt: skip
def test_bad_control_requests_get_the_error_envelope(
    server: ServerThread, endpoint: str, body: dict[str, Any] | str, expected: tuple[int, str]
) -> None:
    assert failure(server, endpoint, body) == expected


def test_faults_list_shows_what_is_armed_until_cleared(server: ServerThread) -> None:
    admin(server, "faults.fail_next", {"method": "chat.postMessage", "error": "ratelimited"})
    admin(server, "faults.silence_pings", {"user": "U0002"})
    armed = admin(server, "faults.list", {})["faults"]
    assert armed["fail_next"] == [{"method": "chat.postMessage", "error": "ratelimited",
                                   "remaining": 1}]  # fmt: skip
    assert armed["silenced_pings"] == [{"team": None, "user": "U0002", "session": None}]
    admin(server, "faults.clear", {})
    cleared = admin(server, "faults.list", {})["faults"]
    assert cleared["fail_next"] == [] and cleared["silenced_pings"] == []


# scenarios and the manual clock

SCENARIO = """
name: morning
steps:
  - at: 0s
    fault: fail_next
    method: auth.test
    error: service_unavailable
  - at: 5s
    fault: goodbye
    team: T0001
  - at: 1m
    fault: clear
"""


@pytest.fixture
def manual(tmp_path: Path) -> Iterator[tuple[ServerThread, ManualClock]]:
    clock = ManualClock()
    components = Components(clock=clock, secret=TEST_SECRET)
    thread = start_event_server(tmp_path, components=components)
    yield thread, clock
    thread.stop()


def test_a_scenario_runs_its_steps_as_the_manual_clock_passes_them(
    manual: tuple[ServerThread, ManualClock],
) -> None:
    server, _ = manual
    headers = {**AUTH, "Content-Type": "application/yaml"}
    started = http_request(server.port, "POST", "/_slackline/admin/faults.scenario", SCENARIO,
                           headers)  # fmt: skip
    assert started.body == {"ok": True, "steps": 3}
    result = http_request(server.port, "POST", "/api/auth.test", "",
                          {"Authorization": f"Bearer {BOT}"})  # fmt: skip
    assert (result.status, result.body["error"]) == (503, "service_unavailable")
    with open_socket(server, ALICE) as alice:
        admin(server, "clock.advance", {"secs": 4})
        send_json(alice, {"id": 1, "type": "ping"})
        assert recv_json(alice) == {"type": "pong", "reply_to": 1}  # no goodbye yet
        admin(server, "clock.advance", {"secs": 1})
        assert recv_json(alice) == {"type": "goodbye"}
    assert admin(server, "faults.list", {})["faults"]["scheduled_steps"] == 1
    admin(server, "clock.advance", {"secs": 60})
    assert admin(server, "faults.list", {})["faults"]["scheduled_steps"] == 0


def test_a_scenario_file_given_at_start_runs_on_the_real_clock(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        "- {at: 0, fault: silence_pings, user: U0001}\n"
        "- {at: 200ms, fault: goodbye, user: U0001}\n",
        encoding="utf-8",
    )
    with start_event_server(tmp_path, fault_scenario=str(scenario)) as server:
        with open_socket(server, ALICE) as alice:
            assert recv_until(alice, lambda f: f.get("type") in ("goodbye", "pong")) == {
                "type": "goodbye"
            }
        assert admin(server, "faults.list", {})["faults"]["silenced_pings"][0]["user"] == "U0001"


def test_a_scenario_step_still_to_come_is_dropped_when_the_server_stops(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text("- {at: 60m, fault: goodbye, user: U0001}\n", encoding="utf-8")
    with start_event_server(tmp_path, fault_scenario=str(scenario)) as server:
        assert admin(server, "faults.list", {})["faults"]["scheduled_steps"] == 1
        app = server.app
    assert app is not None and app.faults is not None and len(app.faults.schedule) == 0


def test_scenario_errors_name_the_step_and_key() -> None:
    with pytest.raises(ScenarioError, match=r"steps\[1\]: count: at least 1"):
        parse_scenario_text(
            "- {at: 1s, fault: clear}\n- {at: 2s, fault: expire_tickets, count: 0}\n"
        )
    with pytest.raises(ScenarioError, match=r"steps\[0\].fault: one of"):
        parse_scenario_text("- {at: 1s, fault: meteor}\n")
    assert parse_scenario_text("- {at: 1500ms, fault: clear}\n").steps[0].at_secs == 1.5


def test_serve_takes_a_fault_scenario_flag() -> None:
    args = build_parser().parse_args(["serve", "--fault-scenario", "chaos.yaml"])
    assert settings_from_args(args).fault_scenario == "chaos.yaml"

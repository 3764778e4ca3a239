"""Injected failures and delays of Web API calls (``faults.fail_next``, ``faults.delay_calls``),
observed by slack_sdk's WebClient and over real HTTP: the chosen error or delay, then
recovery."""

from __future__ import annotations

import time
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackline.testing.server import ServerThread
from tests.helpers.events import BOT, admin, ok
from tests.helpers.http import api, http_request

pytestmark = pytest.mark.usefixtures("cleared")


# fail_next


def test_the_next_calls_of_a_method_fail_with_the_chosen_error_then_recover(
    server: ServerThread,
) -> None:
    admin(server, "faults.fail_next", {"method": "auth.test", "error": "fatal_error", "count": 2})
    client = WebClient(token=BOT, base_url=f"{server.base_url}/api/")
    for _ in range(2):
        with pytest.raises(SlackApiError) as failed:
            client.auth_test()
        assert failed.value.response["error"] == "fatal_error"
    assert client.auth_test()["ok"] is True


def test_an_injected_ratelimited_answers_429_with_retry_after(server: ServerThread) -> None:
    admin(
        server,
        "faults.fail_next",
        {"method": "rtm.connect", "error": "ratelimited", "retry_after": 3},
    )
    client = WebClient(token=BOT, base_url=f"{server.base_url}/api/")
    with pytest.raises(SlackApiError) as limited:
        client.rtm_connect()
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["retry-after"] == "3"
    assert client.rtm_connect()["ok"] is True


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


def test_an_unknown_error_code_is_refused(server: ServerThread) -> None:
    headers = {"Authorization": "Bearer admin-secret", "Content-Type": "application/json"}
    body = '{"method": "auth.test", "error": "oops"}'
    result = http_request(server.port, "POST", "/_slackline/admin/faults.fail_next", body, headers)
    assert (result.status, result.body["error"]) == (400, "invalid_arguments")


def test_cleared_faults_fail_nothing(server: ServerThread) -> None:
    admin(server, "faults.fail_next", {"method": "auth.test", "error": "internal_error"})
    admin(server, "faults.clear", {})
    assert WebClient(token=BOT, base_url=f"{server.base_url}/api/").auth_test()["ok"] is True


# delay_calls


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


def test_a_client_with_a_short_timeout_gives_up_on_a_delayed_call(server: ServerThread) -> None:
    from slack_sdk import WebClient  # noqa: PLC0415

    admin(server, "faults.delay_calls", {"method": "auth.test", "delay_ms": 3000, "count": 1})
    client = WebClient(token=BOT, base_url=f"{server.base_url}/api/", timeout=1)
    with pytest.raises(OSError):  # the socket's timeout
        client.auth_test()
    assert client.api_call("auth.test", params={"token": BOT})["ok"] is True

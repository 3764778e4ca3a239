"""Injected faults, observed by real clients: failing calls and ended sessions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import ConnectionClosed

from slackline.testing.server import ServerThread
from tests.conftest import http_request
from tests.events_helpers import ALICE, BOT, admin, start_event_server
from tests.rtm_helpers import open_socket, recv_json


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    thread = start_event_server(tmp_path_factory.mktemp("faults"))
    yield thread
    thread.stop()


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


def test_an_unknown_error_code_is_refused(server: ServerThread) -> None:
    headers = {"Authorization": "Bearer admin-secret", "Content-Type": "application/json"}
    body = '{"method": "auth.test", "error": "oops"}'
    result = http_request(server.port, "POST", "/_slackline/admin/faults.fail_next", body, headers)
    assert (result.status, result.body["error"]) == (400, "invalid_arguments")


def test_cleared_faults_fail_nothing(server: ServerThread) -> None:
    admin(server, "faults.fail_next", {"method": "auth.test", "error": "internal_error"})
    admin(server, "faults.clear", {})
    assert WebClient(token=BOT, base_url=f"{server.base_url}/api/").auth_test()["ok"] is True


def test_ending_sessions_with_goodbye_sends_goodbye_then_closes(server: ServerThread) -> None:
    with open_socket(server, ALICE) as alice:
        assert admin(server, "sessions.end", {"user": "U0001"})["ended"] == 1
        assert recv_json(alice) == {"type": "goodbye"}
        with pytest.raises(ConnectionClosed) as closed:
            alice.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001


def test_ending_sessions_without_goodbye_drops_the_connection(server: ServerThread) -> None:
    with open_socket(server, ALICE) as alice:
        admin(server, "sessions.end", {"user": "U0001", "goodbye": False})
        with pytest.raises(ConnectionClosed) as dropped:
            alice.recv(timeout=5)
        assert dropped.value.rcvd is None  # no close frame, no goodbye: a network failure

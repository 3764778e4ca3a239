"""Unmodified slack_sdk 3.48 ``SocketModeClient`` against Slackline: only the Web API base
URL changes. It connects with its app-level token, receives a message and an
``app_mention`` as ``events_api`` envelopes, acknowledges them and answers; an envelope left
unacknowledged comes back with ``retry_attempt`` 1; a ``disconnect`` and a dropped socket are
followed by its own reconnect; and an RTM bot on the same workspace sees the same message
once, as the app does."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.rtm_v2 import RTMClient
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from slackline.socket_mode.hub import SocketModeHub
from slackline.testing.server import ServerThread
from tests.helpers.cluster import wait_until
from tests.socket_mode.conftest import (
    APP_ID,
    APP_TOKEN,
    BOT_TOKEN,
    BOT_USER,
    GENERAL,
    PERSON,
    PERSON_TOKEN,
    PRIVATE,
    RTM_BOT_TOKEN,
)

WAIT_SECS = 20.0  # a bound on two shared cores, never a sleep


class Received:
    """What the client's listener saw, in order; it acknowledges unless told not to."""

    def __init__(self, acknowledge: bool = True) -> None:
        self.requests: queue.Queue[SocketModeRequest] = queue.Queue()
        self.acknowledge = acknowledge

    def __call__(self, client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        if self.acknowledge:
            client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        self.requests.put(request)

    def next(self, event_type: str | None = None) -> SocketModeRequest:
        """The next request (of an event of this type), within :data:`WAIT_SECS`."""
        while True:
            request = self.requests.get(timeout=WAIT_SECS)
            if event_type is None or request.payload.get("event", {}).get("type") == event_type:
                return request


def hub(server: ServerThread) -> SocketModeHub:
    """The server's Socket Mode hub (read its counts from any thread)."""
    assert server.app is not None
    return server.app.socket_mode


def on_loop(server: ServerThread, action: Callable[[SocketModeHub], int]) -> int:
    """Run a hub action on the server's loop; its result."""

    async def act() -> int:
        return action(hub(server))

    return server.run(act())


def connections(server: ServerThread) -> int:
    """How many connections the app has open."""
    return hub(server).connection_count(APP_ID)


def web(server: ServerThread, token: str | None = None) -> WebClient:
    """A WebClient on Slackline."""
    return WebClient(token=token, base_url=f"http://127.0.0.1:{server.port}/api/")


@pytest.fixture()
def received() -> Received:
    """The listener of the test's client."""
    return Received()


@pytest.fixture()
def client(server: ServerThread, received: Received) -> Iterator[SocketModeClient]:
    """slack_sdk's built-in SocketModeClient, connected."""
    sdk = SocketModeClient(app_token=APP_TOKEN, web_client=web(server), ping_interval=1)
    sdk.socket_mode_request_listeners.append(received)
    sdk.connect()
    wait_until(lambda: connections(server) > 0, "the Socket Mode connection", WAIT_SECS)
    yield sdk
    sdk.close()
    wait_until(lambda: connections(server) == 0, "the connection's end", WAIT_SECS)


def post(server: ServerThread, text: str, channel: str = GENERAL) -> str:
    """Post as the person; the message's ts."""
    return str(web(server, PERSON_TOKEN).chat_postMessage(channel=channel, text=text)["ts"])


def test_apps_connections_open_hands_a_link_url(server: ServerThread) -> None:
    answer = web(server).apps_connections_open(app_token=APP_TOKEN)
    assert answer["url"].startswith(f"ws://127.0.0.1:{server.port}/link/?ticket=")
    assert answer["url"].endswith(f"&app_id={APP_ID}")


@pytest.mark.parametrize("token", [BOT_TOKEN, PERSON_TOKEN])
def test_apps_connections_open_refuses_other_tokens(server: ServerThread, token: str) -> None:
    with pytest.raises(SlackApiError) as refused:
        web(server).apps_connections_open(app_token=token)
    assert refused.value.response["error"] == "not_allowed_token_type"


def test_an_app_token_calls_no_other_method(server: ServerThread) -> None:
    with pytest.raises(SlackApiError) as refused:
        web(server, APP_TOKEN).conversations_list()
    assert refused.value.response["error"] == "not_allowed_token_type"


def test_a_message_arrives_as_an_events_api_envelope(
    server: ServerThread, client: SocketModeClient, received: Received
) -> None:
    ts = post(server, "hello app")
    request = received.next("message")
    assert (request.type, request.retry_attempt) == ("events_api", 0)
    body = request.payload
    assert (body["type"], body["api_app_id"], body["team_id"]) == (
        "event_callback",
        APP_ID,
        "T0SOCKET1",
    )
    assert body["event_id"].startswith("Ev") and isinstance(body["event_time"], int)
    assert body["authorizations"][0]["user_id"] == BOT_USER
    event = body["event"]
    assert (event["ts"], event["user"], event["channel"]) == (ts, PERSON, GENERAL)
    assert (event["channel_type"], event["text"]) == ("channel", "hello app")


def test_a_mention_also_arrives_as_app_mention_and_the_app_answers(
    server: ServerThread, client: SocketModeClient, received: Received
) -> None:
    post(server, f"<@{BOT_USER}> what time is it")
    mention = received.next("app_mention").payload["event"]
    assert mention["user"] == PERSON and "channel_type" not in mention
    web(server, BOT_TOKEN).chat_postMessage(channel=mention["channel"], text="noon")
    history = web(server, PERSON_TOKEN).conversations_history(channel=GENERAL, limit=1)
    assert history["messages"][0]["text"] == "noon"


def test_a_private_channel_without_the_bot_sends_nothing(
    server: ServerThread, client: SocketModeClient, received: Received
) -> None:
    post(server, "not for apps", channel=PRIVATE)
    post(server, "marker")
    assert received.next().payload["event"]["text"] == "marker"


def test_an_unacknowledged_envelope_comes_back_with_retry_attempt_1(
    server: ServerThread, client: SocketModeClient, received: Received
) -> None:
    received.acknowledge = False
    post(server, "ack me later")
    first = received.next("message")
    received.acknowledge = True
    again = received.next("message")
    assert again.envelope_id == first.envelope_id
    assert (first.retry_attempt, again.retry_attempt) == (0, 1)
    assert again.retry_reason == "timeout"
    assert again.payload["event_id"] == first.payload["event_id"]


@pytest.mark.parametrize(
    "end",
    [SocketModeHub.disconnect_app, SocketModeHub.drop_app],
    ids=["disconnect", "dropped socket"],
)
def test_an_ended_connection_is_followed_by_a_reconnect(
    server: ServerThread,
    client: SocketModeClient,
    received: Received,
    end: Callable[[SocketModeHub, str], int],
) -> None:
    opened = hub(server).stats.opened
    assert on_loop(server, lambda sockets: end(sockets, APP_ID)) == 1
    wait_until(lambda: hub(server).stats.opened > opened, "the reconnect", WAIT_SECS)
    post(server, "after the reconnect")
    assert received.next("message").payload["event"]["text"] == "after the reconnect"


def test_an_rtm_bot_and_the_app_each_see_the_message_once(
    server: ServerThread, client: SocketModeClient, received: Received
) -> None:
    seen: queue.Queue[dict[str, Any]] = queue.Queue()
    rtm = RTMClient(token=RTM_BOT_TOKEN, base_url=f"http://127.0.0.1:{server.port}/api/")
    rtm.on("message")(lambda _client, event: seen.put(event))
    threading.Thread(target=rtm.connect, daemon=True).start()
    try:
        wait_until(rtm.is_connected, "the RTM connection", WAIT_SECS)
        ts = post(server, "both ways")
        assert seen.get(timeout=WAIT_SECS)["ts"] == ts
        assert received.next("message").payload["event"]["ts"] == ts
        post(server, "marker")
        assert seen.get(timeout=WAIT_SECS)["text"] == "marker"
        assert received.next("message").payload["event"]["text"] == "marker"
    finally:
        rtm.close()

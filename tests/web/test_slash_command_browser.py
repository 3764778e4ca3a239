"""A slash command typed in the web client, in Chromium: ``/weather Paris`` in #general
reaches a Socket Mode app (an unmodified slack_sdk client), whose in-channel answer on the
``response_url`` appears in the person's browser; an unknown command is refused in place."""

from __future__ import annotations

import json
import queue
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from slackline.testing.server import ServerThread
from tests.helpers.socket_mode import connected_app
from tests.web.conftest import People, Person, app_service
from tests.web.test_client import sign_in
from tests.web.test_client_browser import send, signed_in

APP_ID = "A0WEBCMD01"
WAIT_SECS = 30.0


@pytest.fixture(scope="module")
def app_token(web_server: ServerThread) -> str:
    """A Socket Mode app of Acme whose bot is pongbot (in #general), with ``/weather``."""
    raw = {
        "id": APP_ID, "name": "Weather", "kind": "classic", "scopes": ["bot"],
        "redirect_urls": ["http://127.0.0.1:9/cb"], "bot_user": "U0BOT",
        "socket_mode": True, "commands": ["/weather"],
    }  # fmt: skip
    service = app_service(web_server)
    web_server.run(service.declare("T0001", raw))
    return web_server.run(service.create_app_token(APP_ID, "T0001"))


@pytest.fixture()
def weather_app(web_server: ServerThread, app_token: str) -> Iterator[queue.Queue[str]]:
    """The app connected with slack_sdk; it answers each command in the channel on its
    response_url, and hands on the command lines it got."""
    lines: queue.Queue[str] = queue.Queue()

    def listener(client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        if request.type != "slash_commands":
            return
        payload = request.payload
        lines.put(f"{payload['command']} {payload['text']}")
        answer = {"response_type": "in_channel", "text": f"Sunny in {payload['text']}"}
        post = urllib.request.Request(
            payload["response_url"], json.dumps(answer).encode(),
            {"Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(post, timeout=10):
            pass

    with connected_app(web_server, app_token, APP_ID, listener):
        yield lines


@pytest.fixture()
def alice(web_server: ServerThread, people: People) -> Person:
    """Alice in the web client, in #general."""
    person = signed_in(people, "alice", sign_in(web_server.port, "alice"))
    expect(person.page.locator("#channel-title")).to_have_text("#general")
    return person


def test_a_typed_command_reaches_the_app_and_its_answer_appears(
    alice: Person, weather_app: queue.Queue[str]
) -> None:
    send(alice.page, "/weather Paris")
    assert weather_app.get(timeout=WAIT_SECS) == "/weather Paris"
    answer = alice.page.locator("#messages .message").filter(has_text="Sunny in Paris")
    expect(answer).to_have_count(1)


def test_an_unknown_command_is_refused_and_kept_in_the_composer(alice: Person) -> None:
    send(alice.page, "/nosuchcommand now")
    expect(alice.page.locator("#composer-input")).to_have_value("/nosuchcommand now")

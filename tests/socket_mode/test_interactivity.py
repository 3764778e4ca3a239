"""Interactivity: a click on a button of an app's message (``blocks.actions``, as the web
client and the toolkit's ``click`` send it) reaches the app that posted it as an
``interactive`` envelope with Slack's ``block_actions`` payload; the app answers on its
``response_url``; Bolt for Python's ``app.action`` listener gets it too."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
from slack_bolt import Ack, App, Say
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackline.testing.server import ServerThread
from tests.helpers.cluster import wait_until
from tests.socket_mode.conftest import (
    APP_ID,
    APP_TOKEN,
    BOT_TOKEN,
    GENERAL,
    HTTP_BOT_TOKEN,
    PERSON,
    PERSON_TOKEN,
)
from tests.socket_mode.test_events_api_http import declare_http_app, forget_app
from tests.socket_mode.test_slash_commands import SignedFormReceiver

WAIT_SECS = 20.0
BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "block_id": "ask", "text": {"type": "mrkdwn", "text": "Deploy?"}},
    {"type": "actions", "block_id": "choice", "elements": [
        {"type": "button", "action_id": "approve", "value": "yes",
         "text": {"type": "plain_text", "text": "Approve"}, "style": "primary"},
        {"type": "static_select", "action_id": "pick",
         "placeholder": {"type": "plain_text", "text": "Pick"},
         "options": [{"text": {"type": "plain_text", "text": "Blue"}, "value": "blue"}]},
    ]},
]  # fmt: skip


def api(server: ServerThread) -> str:
    """The Web API base URL."""
    return f"http://127.0.0.1:{server.port}/api/"


def texts(server: ServerThread) -> list[str]:
    """#general's latest texts."""
    client = WebClient(token=PERSON_TOKEN, base_url=api(server))
    return [m["text"] for m in client.conversations_history(channel=GENERAL, limit=10)["messages"]]


def bot_message(server: ServerThread) -> str:
    """The app's bot posts a message with a button and a select; its ts."""
    client = WebClient(token=BOT_TOKEN, base_url=api(server))
    posted = client.chat_postMessage(channel=GENERAL, text="Deploy?", blocks=BLOCKS)
    return str(posted["ts"])


def click(server: ServerThread, ts: str, action_id: str, **extra: str) -> dict[str, Any]:
    """The person clicks, as the web client does."""
    client = WebClient(token=PERSON_TOKEN, base_url=api(server))
    data = {"channel": GENERAL, "ts": ts, "block_id": "choice", "action_id": action_id, **extra}
    return dict(client.api_call("blocks.actions", data=data).data)  # type: ignore[arg-type]


@pytest.fixture()
def bolt(server: ServerThread) -> Iterator[queue.Queue[dict[str, Any]]]:
    """Bolt in Socket Mode: ``approve`` is acknowledged and answered with ``say``."""
    seen: queue.Queue[dict[str, Any]] = queue.Queue()
    app = App(token=BOT_TOKEN, client=WebClient(token=BOT_TOKEN, base_url=api(server)))

    @app.action("approve")
    def approve(ack: Ack, body: dict[str, Any], say: Say) -> None:
        ack()
        seen.put(body)
        say(f"approved by <@{body['user']['id']}>")

    @app.action("pick")
    def pick(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        seen.put(body)

    handler = SocketModeHandler(app, APP_TOKEN, web_client=WebClient(base_url=api(server)))
    handler.connect()  # type: ignore[no-untyped-call]
    assert server.app is not None
    hub = server.app.socket_mode
    wait_until(lambda: hub.connection_count(APP_ID) == 1, "Bolt's connection", WAIT_SECS)
    yield seen
    handler.close()  # type: ignore[no-untyped-call]
    wait_until(lambda: hub.connection_count(APP_ID) == 0, "Bolt's close", WAIT_SECS)


def test_a_button_click_reaches_bolts_action_listener_with_slacks_payload(
    server: ServerThread, bolt: queue.Queue[dict[str, Any]]
) -> None:
    ts = bot_message(server)
    assert click(server, ts, "approve")["ok"] is True
    body = bolt.get(timeout=WAIT_SECS)
    assert (body["type"], body["api_app_id"], body["user"]["id"]) == (
        "block_actions",
        APP_ID,
        PERSON,
    )
    assert body["container"] == {"type": "message", "message_ts": ts, "channel_id": GENERAL,
                                 "is_ephemeral": False}  # fmt: skip
    action = body["actions"][0]
    assert (action["action_id"], action["block_id"], action["value"], action["type"]) == (
        "approve", "choice", "yes", "button",
    )  # fmt: skip
    assert body["message"]["ts"] == ts and body["response_url"] and body["trigger_id"]
    wait_until(lambda: f"approved by <@{PERSON}>" in texts(server), "Bolt's say", WAIT_SECS)


def test_a_select_sends_the_chosen_option(
    server: ServerThread, bolt: queue.Queue[dict[str, Any]]
) -> None:
    ts = bot_message(server)
    option = {"text": {"type": "plain_text", "text": "Blue"}, "value": "blue"}
    assert click(server, ts, "pick", selected_option=json.dumps(option))["ok"] is True
    action = bolt.get(timeout=WAIT_SECS)["actions"][0]
    assert (action["type"], action["selected_option"]) == ("static_select", option)


def test_an_element_the_message_lacks_is_invalid_action(server: ServerThread) -> None:
    ts = bot_message(server)
    with pytest.raises(SlackApiError) as refused:
        click(server, ts, "no-such-button")
    assert refused.value.response["error"] == "invalid_action"


def test_a_click_on_an_http_apps_message_is_a_signed_payload_form(server: ServerThread) -> None:
    class Receiver(SignedFormReceiver):
        forms: queue.Queue[dict[str, str]] = queue.Queue()

    http = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    declare_http_app(server, "A0HTTPACT", f"http://127.0.0.1:{http.server_address[1]}/act")
    try:
        client = WebClient(token=HTTP_BOT_TOKEN, base_url=api(server))
        ts = client.chat_postMessage(channel=GENERAL, text="Deploy?", blocks=BLOCKS)["ts"]
        assert click(server, ts, "approve")["ok"] is True
        form = Receiver.forms.get(timeout=WAIT_SECS)
        while "payload" not in form:  # the message's own event came first
            form = Receiver.forms.get(timeout=WAIT_SECS)
    finally:
        forget_app(server, "A0HTTPACT")
        http.shutdown()
        http.server_close()
    assert form["valid"] == "True"
    payload = json.loads(form["payload"])
    assert (payload["type"], payload["actions"][0]["action_id"]) == ("block_actions", "approve")

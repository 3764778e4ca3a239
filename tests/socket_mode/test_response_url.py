"""Answers on a ``response_url`` with Slack's fields, sent by unmodified slack_sdk's
``WebhookClient`` and Bolt for Python's ``respond``: for a click, ``replace_original``
edits the message clicked (same ``ts``, ``message_changed``) and ``delete_original`` deletes
it (``message_deleted``); a slash command has no original, so its answer is a new message;
``thread_ts`` answers in the thread; bad bodies get Slack's errors as JSON.

The app is one slack_sdk Socket Mode connection for the whole module (each test looks only
at its own message); Bolt runs in HTTP mode, on a request URL, beside it."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.webhook import WebhookClient

from slackline.testing.server import ServerThread
from tests.helpers.cluster import wait_until
from tests.helpers.http import http_request
from tests.helpers.socket_mode import connected_app
from tests.socket_mode.conftest import (
    APP_ID,
    APP_TOKEN,
    BOT_TOKEN,
    GENERAL,
    HTTP_BOT_TOKEN,
    PERSON_TOKEN,
)
from tests.socket_mode.test_events_api_http import SIGNING_SECRET, declare_http_app, forget_app
from tests.socket_mode.test_interactivity import BLOCKS, api, bot_message, click

WAIT_SECS = 20.0


@dataclass
class AppInbox:
    """What the app's Socket Mode connection got: clicks, commands and events."""

    clicks: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    commands: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    events: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)


@pytest.fixture(scope="module")
def inbox(server: ServerThread) -> Iterator[AppInbox]:
    """slack_sdk's SocketModeClient as the app, for the module (its close takes seconds):
    every envelope acknowledged and kept."""
    kept = AppInbox()
    by_type = {"interactive": kept.clicks, "slash_commands": kept.commands}

    def listener(client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        if request.type == "events_api":
            kept.events.put(request.payload["event"])
        elif request.type in by_type:
            by_type[request.type].put(request.payload)

    with connected_app(server, APP_TOKEN, APP_ID, listener):
        yield kept


def clicked(server: ServerThread, inbox: AppInbox) -> tuple[str, str]:
    """The bot posts a message with a button and the person clicks it: the message's ts and
    the click's response_url."""
    ts = bot_message(server)
    assert click(server, ts, "approve")["ok"] is True
    payload = inbox.clicks.get(timeout=WAIT_SECS)
    assert payload["message"]["ts"] == ts
    return ts, str(payload["response_url"])


def commanded(server: ServerThread, inbox: AppInbox) -> str:
    """The person runs ``/sock``: the command's response_url."""
    person(server).api_call("chat.command", data={"channel": GENERAL, "command": "/sock"})
    return str(inbox.commands.get(timeout=WAIT_SECS)["response_url"])


def person(server: ServerThread) -> WebClient:
    """The person's WebClient."""
    return WebClient(token=PERSON_TOKEN, base_url=api(server))


def history(server: ServerThread) -> dict[str, dict[str, Any]]:
    """#general's latest messages by ts."""
    messages = person(server).conversations_history(channel=GENERAL, limit=20)["messages"]
    return {m["ts"]: m for m in messages}


def next_event(inbox: AppInbox, matches: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The next event the app got that matches (earlier ones skipped)."""
    while True:
        event = inbox.events.get(timeout=WAIT_SECS)
        if matches(event):
            return event


def test_replace_original_edits_the_clicked_message_keeping_its_ts(
    server: ServerThread, inbox: AppInbox
) -> None:
    ts, url = clicked(server, inbox)
    assert WebhookClient(url).send(text="Approved", replace_original=True).status_code == 200
    message = history(server)[ts]
    assert (message["text"], "blocks" in message, "edited" in message) == ("Approved", False, True)


def test_replace_original_announces_message_changed(server: ServerThread, inbox: AppInbox) -> None:
    ts, url = clicked(server, inbox)
    WebhookClient(url).send(text="Approved", replace_original=True)
    event = next_event(
        inbox, lambda e: e.get("subtype") == "message_changed" and e["message"]["ts"] == ts
    )
    assert (event["message"]["text"], event["previous_message"]["blocks"]) == ("Approved", BLOCKS)


def test_delete_original_deletes_the_clicked_message(server: ServerThread, inbox: AppInbox) -> None:
    ts, url = clicked(server, inbox)
    assert WebhookClient(url).send(delete_original=True).status_code == 200
    assert ts not in history(server)


def test_delete_original_announces_message_deleted(server: ServerThread, inbox: AppInbox) -> None:
    ts, url = clicked(server, inbox)
    WebhookClient(url).send(delete_original=True)
    event = next_event(
        inbox, lambda e: e.get("subtype") == "message_deleted" and e["deleted_ts"] == ts
    )
    assert event["previous_message"]["text"] == "Deploy?"


def test_a_response_url_answers_ok_as_json(server: ServerThread, inbox: AppInbox) -> None:
    _, url = clicked(server, inbox)
    answer = WebhookClient(url).send(text="noted")
    assert (answer.status_code, json.loads(answer.body)) == (200, {"ok": True})


def test_an_answer_without_replace_original_is_a_new_message(
    server: ServerThread, inbox: AppInbox
) -> None:
    ts, url = clicked(server, inbox)
    WebhookClient(url).send(text="a new one", response_type="in_channel")
    found = history(server)
    assert found[ts]["text"] == "Deploy?" and "a new one" in [m["text"] for m in found.values()]


def test_an_answer_with_thread_ts_is_posted_in_the_thread(
    server: ServerThread, inbox: AppInbox
) -> None:
    ts, url = clicked(server, inbox)
    body = {"text": "in the thread", "response_type": "in_channel", "thread_ts": ts}
    assert WebhookClient(url).send_dict(body).status_code == 200
    replies = person(server).conversations_replies(channel=GENERAL, ts=ts)["messages"]
    assert [m["text"] for m in replies] == ["Deploy?", "in the thread"]


def test_a_commands_replace_original_is_shown_as_a_new_message(
    server: ServerThread, inbox: AppInbox
) -> None:
    url = commanded(server, inbox)
    answer = WebhookClient(url).send(text="fresh", response_type="in_channel",
                                     replace_original=True)  # fmt: skip
    assert answer.status_code == 200
    assert "fresh" in [m["text"] for m in history(server).values()]


def test_a_commands_delete_original_deletes_nothing(server: ServerThread, inbox: AppInbox) -> None:
    url = commanded(server, inbox)
    before = set(history(server))
    assert WebhookClient(url).send(delete_original=True).status_code == 200
    assert set(history(server)) == before


def test_an_answer_with_nothing_to_show_is_no_text(server: ServerThread, inbox: AppInbox) -> None:
    _, url = clicked(server, inbox)
    answer = WebhookClient(url).send_dict({"response_type": "in_channel"})
    assert (answer.status_code, json.loads(answer.body)) == (
        400,
        {"ok": False, "error": "no_text"},
    )


def test_a_refused_answer_does_not_use_up_the_url(server: ServerThread, inbox: AppInbox) -> None:
    _, url = clicked(server, inbox)
    client = WebhookClient(url)
    refused = [client.send_dict({"response_type": "ephemeral"}).status_code for _ in range(5)]
    assert (refused, client.send(text="finally").status_code) == ([400] * 5, 200)


def test_replacing_a_deleted_message_is_message_not_found(
    server: ServerThread, inbox: AppInbox
) -> None:
    ts, url = clicked(server, inbox)
    WebClient(token=BOT_TOKEN, base_url=api(server)).chat_delete(channel=GENERAL, ts=ts)
    answer = WebhookClient(url).send(text="too late", replace_original=True)
    assert (answer.status_code, json.loads(answer.body)) == (
        404,
        {"ok": False, "error": "message_not_found"},
    )


def test_a_body_that_is_not_json_is_invalid_payload(server: ServerThread, inbox: AppInbox) -> None:
    _, url = clicked(server, inbox)
    path = url.split(f"127.0.0.1:{server.port}", 1)[1]
    answer = http_request(server.port, "POST", path, "not json", {"Content-Type": "text/plain"})
    assert (answer.status, answer.body) == (400, {"ok": False, "error": "invalid_payload"})


class _QuietWsgi(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""


@pytest.fixture()
def bolt_over_http(server: ServerThread) -> Iterator[None]:
    """Bolt in HTTP mode as an app with a request URL: ``approve`` is acknowledged, then
    answered with ``respond(replace_original=True)``."""
    app = App(token=HTTP_BOT_TOKEN, signing_secret=SIGNING_SECRET,
              client=WebClient(token=HTTP_BOT_TOKEN, base_url=api(server)))  # fmt: skip

    @app.action("approve")
    def approve(ack: Ack, respond: Respond) -> None:
        ack()
        respond(text="Approved by Bolt", replace_original=True)

    @app.event("message")
    def on_message() -> None:
        """Its own messages' events, answered 200 so that none is retried."""

    wsgi: WSGIServer = make_server("127.0.0.1", 0, SlackRequestHandler(app),
                                   handler_class=_QuietWsgi)  # fmt: skip
    thread = threading.Thread(target=wsgi.serve_forever, daemon=True)
    thread.start()
    declare_http_app(
        server, "A0HTTPRESP", f"http://127.0.0.1:{wsgi.server_address[1]}/slack/events"
    )
    try:
        yield
    finally:
        forget_app(server, "A0HTTPRESP")
        wsgi.shutdown()
        wsgi.server_close()
        thread.join(timeout=10)


def test_bolts_respond_with_replace_original_edits_the_clicked_message(
    server: ServerThread, bolt_over_http: None
) -> None:
    client = WebClient(token=HTTP_BOT_TOKEN, base_url=api(server))
    ts = str(client.chat_postMessage(channel=GENERAL, text="Deploy?", blocks=BLOCKS)["ts"])
    assert click(server, ts, "approve")["ok"] is True
    wait_until(lambda: history(server)[ts]["text"] == "Approved by Bolt", "Bolt's respond",
               WAIT_SECS)  # fmt: skip

"""The Events API over HTTP against real receivers on 127.0.0.1: unmodified Bolt for Python
1.30 in HTTP mode (its request verification on, so it accepts only Slack's signature) gets a
message and an ``app_mention`` and answers with ``say``; it passes ``url_verification``; a
receiver that fails once gets the retry with ``X-Slack-Retry-Num`` and
``X-Slack-Retry-Reason``."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App, Say
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from slackline.socket_mode.http_delivery import HttpTarget
from slackline.testing.server import ServerThread
from tests.helpers.cluster import wait_until
from tests.socket_mode.conftest import (
    GENERAL,
    HTTP_BOT_TOKEN,
    HTTP_BOT_USER,
    PERSON_TOKEN,
)

WAIT_SECS = 20.0
SIGNING_SECRET = "http-app-signing-secret"
TEAM = "T0SOCKET1"


class _QuietWsgi(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""


def _not_ready(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [])
    return []


def declare_http_app(server: ServerThread, app_id: str, url: str) -> None:
    """An app of the team that receives message and mention events at ``url``."""
    assert server.app is not None
    raw = {
        "id": app_id, "name": f"HTTP {app_id}", "kind": "granular",
        "redirect_urls": ["http://127.0.0.1:9/cb"], "bot_user": HTTP_BOT_USER,
        "scopes": ["channels:history", "app_mentions:read", "chat:write"],
        "signing_secret": SIGNING_SECRET, "request_url": url,
        "event_subscriptions": ["message.channels", "app_mention"],
    }  # fmt: skip
    server.run(server.app.services.apps.declare(TEAM, raw))


def forget_app(server: ServerThread, app_id: str) -> None:
    """Stop the app's deliveries (its request URL cleared), so other tests see none."""
    assert server.app is not None
    server.run(server.app.services.apps.declare(TEAM, {"id": app_id, "request_url": ""}))


def history(server: ServerThread) -> list[str]:
    """#general's latest texts, newest first."""
    client = WebClient(token=PERSON_TOKEN, base_url=f"http://127.0.0.1:{server.port}/api/")
    return [m["text"] for m in client.conversations_history(channel=GENERAL, limit=5)["messages"]]


def post(server: ServerThread, text: str) -> None:
    """Post as the person in #general."""
    client = WebClient(token=PERSON_TOKEN, base_url=f"http://127.0.0.1:{server.port}/api/")
    client.chat_postMessage(channel=GENERAL, text=text)


@dataclass
class BoltSite:
    """A Bolt app in HTTP mode and the events its listeners saw."""

    port: int
    events: queue.Queue[dict[str, Any]]


@pytest.fixture()
def bolt(server: ServerThread) -> Iterator[BoltSite]:
    """Bolt's App on its WSGI adapter at /slack/events, registered as the app's request URL."""
    wsgi: WSGIServer = make_server("127.0.0.1", 0, _not_ready, handler_class=_QuietWsgi)
    port = wsgi.server_address[1]
    events: queue.Queue[dict[str, Any]] = queue.Queue()
    app = App(token=HTTP_BOT_TOKEN, signing_secret=SIGNING_SECRET,
              client=WebClient(token=HTTP_BOT_TOKEN,
                               base_url=f"http://127.0.0.1:{server.port}/api/"))  # fmt: skip

    @app.event("message")
    def on_message(event: dict[str, Any], say: Say) -> None:
        events.put(event)
        if event.get("text") == "ping":
            say("pong over http")

    @app.event("app_mention")
    def on_mention(event: dict[str, Any]) -> None:
        events.put(event)

    wsgi.set_app(SlackRequestHandler(app))
    thread = threading.Thread(target=wsgi.serve_forever, daemon=True)
    thread.start()
    declare_http_app(server, "A0HTTPBOLT", f"http://127.0.0.1:{port}/slack/events")
    try:
        yield BoltSite(port, events)
    finally:
        forget_app(server, "A0HTTPBOLT")
        wsgi.shutdown()
        wsgi.server_close()
        thread.join(timeout=10)


def next_event(site: BoltSite, event_type: str) -> dict[str, Any]:
    """The next event of this type Bolt's listeners saw."""
    while True:
        event = site.events.get(timeout=WAIT_SECS)
        if event["type"] == event_type:
            return event


def test_bolt_receives_a_signed_message_and_answers_with_say(
    server: ServerThread, bolt: BoltSite
) -> None:
    post(server, "ping")
    event = next_event(bolt, "message")
    assert (event["text"], event["channel_type"]) == ("ping", "channel")
    wait_until(lambda: "pong over http" in history(server), "Bolt's answer", WAIT_SECS)


def test_bolt_receives_an_app_mention(server: ServerThread, bolt: BoltSite) -> None:
    post(server, f"hey <@{HTTP_BOT_USER}>")
    assert next_event(bolt, "app_mention")["text"] == f"hey <@{HTTP_BOT_USER}>"


def test_bolt_passes_url_verification(server: ServerThread, bolt: BoltSite) -> None:
    assert server.app is not None
    target = HttpTarget("A0HTTPBOLT", f"http://127.0.0.1:{bolt.port}/slack/events", SIGNING_SECRET)
    assert server.run(server.app.events_http.verify(target, "challenge-1")) is True


def test_a_wrong_signing_secret_is_refused_by_bolt(server: ServerThread, bolt: BoltSite) -> None:
    assert server.app is not None
    target = HttpTarget("A0HTTPBOLT", f"http://127.0.0.1:{bolt.port}/slack/events", "not-it")
    assert server.run(server.app.events_http.verify(target, "challenge-2")) is False


class _FailOnce(BaseHTTPRequestHandler):
    """Answers 500 to the first request, 200 after; every request's headers and body kept."""

    seen: queue.Queue[tuple[dict[str, str], dict[str, Any]]]
    failed = False

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.put(({k.lower(): v for k, v in self.headers.items()}, body))
        status = 200 if type(self).failed else 500
        type(self).failed = True
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""


def test_a_failed_delivery_is_retried_with_slacks_headers(server: ServerThread) -> None:
    class Handler(_FailOnce):
        seen: queue.Queue[tuple[dict[str, str], dict[str, Any]]] = queue.Queue()
        failed = False

    handler = Handler
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    declare_http_app(server, "A0HTTPFAIL", f"http://127.0.0.1:{receiver.server_address[1]}/")
    try:
        post(server, "retry me")
        first_headers, first = handler.seen.get(timeout=WAIT_SECS)
        again_headers, again = handler.seen.get(timeout=WAIT_SECS)
    finally:
        forget_app(server, "A0HTTPFAIL")
        receiver.shutdown()
        receiver.server_close()
    assert first["event"]["text"] == "retry me" and again["event_id"] == first["event_id"]
    assert "x-slack-retry-num" not in first_headers
    assert (again_headers["x-slack-retry-num"], again_headers["x-slack-retry-reason"]) == (
        "1",
        "http_error",
    )
    assert again_headers["x-slack-signature"].startswith("v0=")

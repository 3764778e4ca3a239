"""The Events API's failure state against a real receiver on 127.0.0.1: an app that answers
more than 95% of at least 20 event deliveries of the last hour with an error has its event
subscriptions disabled (no more events, a warning, a counter), its slash commands still
reach it, and declaring it again enables them. The server's clock is a ManualClock, so an
hour passes without waiting; ``events_retry_secs=()`` makes every failure final at once."""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_sdk import WebClient

from slackline.app import Components
from slackline.clock import ManualClock
from slackline.domain.events_api import FAILURE_WINDOW_SECS, MIN_DELIVERIES_TO_DISABLE
from slackline.socket_mode.http_delivery import EventsHttpSender
from slackline.testing.server import ServerThread
from tests.helpers.cluster import wait_until
from tests.helpers.http import TEST_SECRET, serving
from tests.socket_mode.conftest import (
    GENERAL,
    HTTP_BOT_USER,
    PERSON_TOKEN,
    start_socket_server,
)
from tests.socket_mode.test_events_api_http import SIGNING_SECRET, TEAM, post

WAIT_SECS = 20.0
APP_ID = "A0FAILING1"
COMMAND = "/failing"


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    """The server's clock: tests move it instead of waiting."""
    return ManualClock()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, clock: ManualClock) -> Iterator[ServerThread]:
    """The Socket Mode tests' workspace on a manual clock, with no retries."""
    components = Components(clock=clock, secret=TEST_SECRET)
    directory = tmp_path_factory.mktemp("failures")
    yield from serving(start_socket_server(directory, components=components, events_retry_secs=()))


class _Receiver(BaseHTTPRequestHandler):
    """Answers the first ``successes`` events 200 and every later one 500; answers slash
    commands (form posts) 200 with a message. Keeps what it got."""

    events: queue.Queue[dict[str, Any]]
    commands: queue.Queue[dict[str, str]]
    successes = 0
    lock = threading.Lock()  # deliveries arrive on several threads at once

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers["Content-Type"].startswith("application/x-www-form-urlencoded"):
            type(self).commands.put(dict(parse_qsl(body.decode())))
            self._answer(200, json.dumps({"text": "still here"}).encode())
            return
        with type(self).lock:
            type(self).events.put(json.loads(body))
            answered = type(self).successes > 0
            type(self).successes -= 1
        self._answer(200 if answered else 500, b"")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""


@dataclass
class FailingApp:
    """The app on its receiver: what the receiver got, and its request URL."""

    events: queue.Queue[dict[str, Any]]
    commands: queue.Queue[dict[str, str]]
    url: str


def declare(server: ServerThread, url: str) -> None:
    """The app, receiving message events at ``url`` and declaring :data:`COMMAND`."""
    assert server.app is not None
    raw = {
        "id": APP_ID, "name": "Failing app", "kind": "granular",
        "redirect_urls": ["http://127.0.0.1:9/cb"], "bot_user": HTTP_BOT_USER,
        "scopes": ["channels:history", "chat:write"], "signing_secret": SIGNING_SECRET,
        "request_url": url, "event_subscriptions": ["message.channels"], "commands": [COMMAND],
    }  # fmt: skip
    server.run(server.app.services.apps.declare(TEAM, raw))


def receiver(server: ServerThread, successes: int) -> Iterator[FailingApp]:
    """A receiver that answers ``successes`` events, then fails; the app declared on it
    (which gives it a fresh failure window), then forgotten."""

    class Handler(_Receiver):
        events: queue.Queue[dict[str, Any]] = queue.Queue()
        commands: queue.Queue[dict[str, str]] = queue.Queue()

    Handler.successes = successes
    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{http.server_address[1]}/events?token=not-for-logs"
    declare(server, url)
    try:
        yield FailingApp(Handler.events, Handler.commands, url)
    finally:
        assert server.app is not None
        forget = {"id": APP_ID, "request_url": "", "commands": []}
        server.run(server.app.services.apps.declare(TEAM, forget))
        http.shutdown()
        http.server_close()
        thread.join(timeout=10)


@pytest.fixture()
def failing(server: ServerThread) -> Iterator[FailingApp]:
    """An app whose receiver answers every event 500."""
    yield from receiver(server, successes=0)


@pytest.fixture()
def once_ok(server: ServerThread) -> Iterator[FailingApp]:
    """An app whose receiver answers its first event 200 and every later one 500."""
    yield from receiver(server, successes=1)


def sender(server: ServerThread) -> EventsHttpSender:
    """The server's Events API sender."""
    assert server.app is not None
    return server.app.events_http


def deliver(server: ServerThread, count: int) -> None:
    """Post ``count`` messages in #general and wait until each delivery to the app has its
    outcome counted (delivered or failed)."""
    before = sum(sender(server).delivery_counts(APP_ID))
    for number in range(count):
        post(server, f"event {number}")
    wait_until(lambda: sum(sender(server).delivery_counts(APP_ID)) == before + count,
               "the deliveries' outcomes", WAIT_SECS)  # fmt: skip


def disable(server: ServerThread) -> None:
    """Fail the minimum of deliveries; the app's subscriptions are then disabled."""
    deliver(server, MIN_DELIVERIES_TO_DISABLE)
    wait_until(lambda: sender(server).subscriptions_disabled(APP_ID), "disabled", WAIT_SECS)


def test_an_app_failing_every_delivery_has_its_event_subscriptions_disabled(
    server: ServerThread, failing: FailingApp
) -> None:
    deliver(server, MIN_DELIVERIES_TO_DISABLE)
    assert sender(server).subscriptions_disabled(APP_ID) is True


def test_a_disabled_app_is_sent_no_more_events(server: ServerThread, failing: FailingApp) -> None:
    disable(server)
    suppressed = sender(server).stats.suppressed
    post(server, "not for a disabled app")
    wait_until(lambda: sender(server).stats.suppressed > suppressed, "the suppression", WAIT_SECS)
    assert failing.events.qsize() == MIN_DELIVERIES_TO_DISABLE


def test_one_delivery_in_twenty_keeps_event_subscriptions_on(
    server: ServerThread, once_ok: FailingApp
) -> None:
    deliver(server, MIN_DELIVERIES_TO_DISABLE)
    assert sender(server).delivery_counts(APP_ID) == (1, MIN_DELIVERIES_TO_DISABLE - 1)
    assert sender(server).subscriptions_disabled(APP_ID) is False


def test_failures_older_than_the_hour_do_not_count(
    server: ServerThread, clock: ManualClock, failing: FailingApp
) -> None:
    deliver(server, MIN_DELIVERIES_TO_DISABLE - 1)
    clock.advance(FAILURE_WINDOW_SECS + 60.0)
    deliver(server, 1)
    assert sender(server).delivery_counts(APP_ID) == (0, 1)
    assert sender(server).subscriptions_disabled(APP_ID) is False


def test_declaring_the_app_again_enables_its_event_subscriptions(
    server: ServerThread, failing: FailingApp
) -> None:
    disable(server)
    for _ in range(MIN_DELIVERIES_TO_DISABLE):
        failing.events.get(timeout=WAIT_SECS)
    declare(server, failing.url)
    post(server, "welcome back")
    assert failing.events.get(timeout=WAIT_SECS)["event"]["text"] == "welcome back"


def test_disabling_is_logged_as_a_warning_without_the_request_url(
    server: ServerThread, failing: FailingApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="slackline.events_api")
    disable(server)
    found = [r for r in caplog.records if "subscriptions of app" in r.getMessage()]
    assert len(found) == 1 and found[0].levelno == logging.WARNING
    assert APP_ID in found[0].getMessage() and "not-for-logs" not in found[0].getMessage()


def test_disabling_is_counted_in_the_senders_stats(
    server: ServerThread, failing: FailingApp
) -> None:
    disabled = sender(server).stats.disabled
    disable(server)
    assert sender(server).stats.disabled == disabled + 1


def test_a_disabled_app_still_receives_its_slash_commands(
    server: ServerThread, failing: FailingApp
) -> None:
    disable(server)
    person = WebClient(token=PERSON_TOKEN, base_url=f"http://127.0.0.1:{server.port}/api/")
    data = {"channel": GENERAL, "command": COMMAND, "text": "are you there"}
    assert person.api_call("chat.command", data=data)["ok"] is True
    assert failing.commands.get(timeout=WAIT_SECS)["text"] == "are you there"

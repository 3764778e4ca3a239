"""Unmodified Bolt for Python 1.30 in Socket Mode (its ``SocketModeHandler``) recovers by
itself: after the server drops its connection, and after a ``disconnect`` frame, it opens a
new one and its listeners go on getting messages; a command it leaves unacknowledged comes
back with ``retry_attempt`` 1, which Bolt hands its listener as the ``X-Slack-Retry-Num``
and ``X-Slack-Retry-Reason`` headers of the request (slack_bolt/adapter/socket_mode/
internals.py mirrors HTTP mode's retry headers)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from slack_bolt import Ack, App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from slackline.socket_mode.hub import SocketModeHub
from slackline.testing.server import ServerThread
from tests.helpers.cluster import wait_until
from tests.socket_mode.conftest import APP_ID, APP_TOKEN, BOT_TOKEN, GENERAL, PERSON_TOKEN
from tests.socket_mode.test_bolt_socket_mode import api, post
from tests.socket_mode.test_slack_sdk_socket_mode import hub, on_loop

WAIT_SECS = 20.0  # a bound on two shared cores, never a sleep


@dataclass(frozen=True)
class Delivery:
    """One delivery of a command to Bolt's listener, with the retry headers Bolt gave it."""

    text: str
    trigger_id: str
    retry_num: str
    retry_reason: str


@dataclass
class BoltApp:
    """What Bolt's listeners saw: message texts and the command's deliveries."""

    messages: queue.Queue[str] = field(default_factory=queue.Queue)
    deliveries: queue.Queue[Delivery] = field(default_factory=queue.Queue)
    # Command texts already delivered once (and so not acknowledged that time).
    unacknowledged: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_message(self, text: str) -> str:
        """Wait for a message with this text, within :data:`WAIT_SECS`."""
        while True:
            seen = self.messages.get(timeout=WAIT_SECS)
            if seen == text:
                return seen

    def first_delivery(self, text: str) -> bool:
        """Whether this is the command's first delivery (then it is left unacknowledged)."""
        with self.lock:
            if text in self.unacknowledged:
                return False
            self.unacknowledged.add(text)
            return True


def header(request: BoltRequest, name: str) -> str:
    """A request header's first value ('' when absent)."""
    values = request.headers.get(name) or [""]
    return str(values[0])


@pytest.fixture()
def bolt(server: ServerThread) -> Iterator[BoltApp]:
    """Bolt in Socket Mode, connected: it keeps message texts, and acknowledges ``/sock``
    only from its second delivery on."""
    seen = BoltApp()
    app = App(token=BOT_TOKEN, client=WebClient(token=BOT_TOKEN, base_url=api(server)))

    @app.event("message")
    def on_message(event: dict[str, Any]) -> None:
        seen.messages.put(str(event.get("text", "")))

    @app.command("/sock")
    def on_command(ack: Ack, command: dict[str, Any], request: BoltRequest) -> None:
        text = str(command["text"])
        delivery = Delivery(text, str(command["trigger_id"]),
                            header(request, "x-slack-retry-num"),
                            header(request, "x-slack-retry-reason"))  # fmt: skip
        if not seen.first_delivery(text):
            ack()
        seen.deliveries.put(delivery)

    # A ping a second: the client's monitor (which reconnects a dead socket) runs as often.
    handler = SocketModeHandler(
        app, APP_TOKEN, web_client=WebClient(base_url=api(server)), ping_interval=1
    )
    handler.connect()  # type: ignore[no-untyped-call]
    try:
        wait_until(lambda: hub(server).connection_count(APP_ID) == 1, "Bolt's connection",
                   WAIT_SECS)  # fmt: skip
        yield seen
    finally:
        handler.close()  # type: ignore[no-untyped-call]
    wait_until(lambda: hub(server).connection_count(APP_ID) == 0, "Bolt's close", WAIT_SECS)


@pytest.mark.parametrize(
    "end",
    [
        lambda sockets: sockets.drop_app(APP_ID),
        lambda sockets: sockets.disconnect_app(APP_ID, "refresh_requested"),
    ],
    ids=["dropped socket", "disconnect"],
)
def test_bolt_reconnects_by_itself_after_its_connection_ends(
    server: ServerThread, bolt: BoltApp, end: Callable[[SocketModeHub], int]
) -> None:
    opened = hub(server).stats.opened
    assert on_loop(server, end) == 1
    wait_until(
        lambda: hub(server).stats.opened > opened and hub(server).connection_count(APP_ID) == 1,
        "Bolt's new connection",
        WAIT_SECS,
    )
    post(server, "after the reconnect")
    assert bolt.next_message("after the reconnect") == "after the reconnect"


def test_a_command_bolt_leaves_unacknowledged_comes_back_with_retry_attempt_1(
    server: ServerThread, bolt: BoltApp
) -> None:
    person = WebClient(token=PERSON_TOKEN, base_url=api(server))
    person.api_call("chat.command", data={"channel": GENERAL, "command": "/sock", "text": "again"})
    first = bolt.deliveries.get(timeout=WAIT_SECS)
    again = bolt.deliveries.get(timeout=WAIT_SECS)
    assert (first.text, again.text) == ("again", "again")
    assert again.trigger_id == first.trigger_id  # the same envelope, sent again
    assert (first.retry_num, again.retry_num) == ("0", "1")
    assert again.retry_reason == "timeout"

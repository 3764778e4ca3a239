"""Unmodified Bolt for Python 1.30 in Socket Mode (its ``SocketModeHandler``) against
Slackline, with an RTM bot on the same workspace at the same time: Bolt answers a message and
an ``app_mention`` with ``say``, and each of the two bots sees the person's message once.
Its reconnects and retries are in test_bolt_recovery.py; a command typed and a button clicked
in the browser, in tests/web/test_python_frameworks_browser.py."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App, Say
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.rtm_v2 import RTMClient

from slackline.testing.server import ServerThread
from tests.helpers.cluster import wait_until
from tests.socket_mode.conftest import (
    APP_ID,
    APP_TOKEN,
    BOT_TOKEN,
    BOT_USER,
    GENERAL,
    PERSON_TOKEN,
    RTM_BOT_TOKEN,
)

WAIT_SECS = 20.0


def api(server: ServerThread) -> str:
    """The Web API base URL."""
    return f"http://127.0.0.1:{server.port}/api/"


def texts(server: ServerThread) -> list[str]:
    """#general's latest texts."""
    client = WebClient(token=PERSON_TOKEN, base_url=api(server))
    return [m["text"] for m in client.conversations_history(channel=GENERAL, limit=10)["messages"]]


def post(server: ServerThread, text: str) -> str:
    """Post as the person in #general; the ts."""
    client = WebClient(token=PERSON_TOKEN, base_url=api(server))
    return str(client.chat_postMessage(channel=GENERAL, text=text)["ts"])


@pytest.fixture()
def bolt(server: ServerThread) -> Iterator[queue.Queue[dict[str, Any]]]:
    """A Bolt app in Socket Mode answering ``ping`` and mentions; the events it saw."""
    seen: queue.Queue[dict[str, Any]] = queue.Queue()
    app = App(token=BOT_TOKEN, client=WebClient(token=BOT_TOKEN, base_url=api(server)))

    @app.event("message")
    def on_message(event: dict[str, Any], say: Say) -> None:
        seen.put(event)
        if event.get("text") == "ping":
            say("pong from bolt")

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], say: Say) -> None:
        seen.put(event)
        say(f"<@{event['user']}> at your service")

    handler = SocketModeHandler(app, APP_TOKEN, web_client=WebClient(base_url=api(server)))
    handler.connect()  # type: ignore[no-untyped-call]
    assert server.app is not None
    hub = server.app.socket_mode
    wait_until(lambda: hub.connection_count(APP_ID) == 1, "Bolt's connection", WAIT_SECS)
    yield seen
    handler.close()  # type: ignore[no-untyped-call]
    wait_until(lambda: hub.connection_count(APP_ID) == 0, "Bolt's close", WAIT_SECS)


def test_bolt_answers_a_message_with_say(server: ServerThread, bolt: queue.Queue[Any]) -> None:
    post(server, "ping")
    wait_until(lambda: "pong from bolt" in texts(server), "Bolt's answer", WAIT_SECS)


def test_bolt_answers_a_mention(server: ServerThread, bolt: queue.Queue[Any]) -> None:
    post(server, f"<@{BOT_USER}> hello")
    wait_until(lambda: any(t.endswith("at your service") for t in texts(server)),
               "Bolt's answer to the mention", WAIT_SECS)  # fmt: skip


def test_an_rtm_bot_and_bolt_each_see_the_message_once(
    server: ServerThread, bolt: queue.Queue[dict[str, Any]]
) -> None:
    rtm_seen: queue.Queue[dict[str, Any]] = queue.Queue()
    rtm = RTMClient(token=RTM_BOT_TOKEN, base_url=api(server))
    rtm.on("message")(lambda _client, event: rtm_seen.put(event))
    threading.Thread(target=rtm.connect, daemon=True).start()
    try:
        wait_until(rtm.is_connected, "the RTM bot", WAIT_SECS)
        ts = post(server, "one message, two bots")
        marker = post(server, "marker")
        for seen in (rtm_seen, bolt):
            got: list[str] = []
            while not got or got[-1] != marker:
                got.append(seen.get(timeout=WAIT_SECS)["ts"])
            assert got.count(ts) == 1, got
    finally:
        rtm.close()

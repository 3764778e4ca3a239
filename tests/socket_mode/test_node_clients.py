"""The unmodified node clients against Slackline, only their Web API URL changed: the
``@slack/socket-mode`` SocketModeClient receives (and acknowledges) a message and an
``app_mention``; ``@slack/bolt`` in Socket Mode and with its HTTP receiver answers ``ping``
with ``say``. The drivers and their pinned versions are in ``tests/clients/node_socket_mode``
(built by ``make clients``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from slack_sdk import WebClient

from slackline.socket_mode.hub import SocketModeHub
from slackline.testing.server import ServerThread
from tests.clients.harness import ROOT, Driver, Line, client_environment, node
from tests.helpers.cluster import wait_until
from tests.socket_mode.conftest import (
    APP_ID,
    APP_TOKEN,
    BOT_TOKEN,
    BOT_USER,
    GENERAL,
    HTTP_BOT_TOKEN,
    HTTP_BOT_USER,
    PERSON_TOKEN,
)
from tests.socket_mode.test_events_api_http import SIGNING_SECRET, declare_http_app, forget_app

NODE_PROJECT = ROOT / "tests" / "clients" / "node_socket_mode"
SOCKET_MODE_DRIVER = NODE_PROJECT / "socket_mode_driver.js"
BOLT_DRIVER = NODE_PROJECT / "bolt_driver.js"
HTTP_APP_ID = "A0NODEBOLT"
WAIT_SECS = 20.0


class NodeScript(Driver):
    """A node driver (the harness's line reader), stopped by SIGTERM: these scripts read
    no commands on stdin."""

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not exited in time; always reaps it."""
        if self._process.poll() is None:
            self._process.terminate()
        super().stop()


@contextmanager
def running(script: Path, arguments: list[str], log_path: Path, **env: str) -> Iterator[NodeScript]:
    """A node driver for the block; killed (and reaped) in ``finally`` whatever happens."""
    process = NodeScript(
        [node(NODE_PROJECT), str(script), *arguments], client_environment(**env), log_path
    )
    try:
        yield process
    finally:
        process.stop()


def hub(server: ServerThread) -> SocketModeHub:
    """The server's Socket Mode connections."""
    assert server.app is not None
    return server.app.socket_mode


def base_url(server: ServerThread) -> str:
    """The server's root URL (the drivers append ``/api/``)."""
    return f"http://127.0.0.1:{server.port}"


def post(server: ServerThread, text: str) -> str:
    """Post as the person in #general; the message's ts."""
    client = WebClient(token=PERSON_TOKEN, base_url=f"{base_url(server)}/api/")
    return str(client.chat_postMessage(channel=GENERAL, text=text)["ts"])


def texts_after(server: ServerThread, ts: str) -> list[str]:
    """The texts of #general posted after ``ts`` (read with the person's token), so answers
    an earlier test got do not count."""
    client = WebClient(token=PERSON_TOKEN, base_url=f"{base_url(server)}/api/")
    history = client.conversations_history(channel=GENERAL, oldest=ts, limit=20)
    return [m["text"] for m in history["messages"] if m["ts"] != ts]


def wait_disconnected(server: ServerThread) -> None:
    """The Socket Mode app has no connection left, so the next test's client gets every
    envelope (they are spread over an app's connections)."""
    wait_until(lambda: hub(server).connection_count(APP_ID) == 0, "the close", WAIT_SECS)


def envelope_of(event_type: str, text: str) -> Callable[[Line], bool]:
    """Matches the SocketModeClient's line for an ``events_api`` envelope of this event."""

    def matches(line: Line) -> bool:
        envelope = line.get("envelope")
        if not isinstance(envelope, dict) or envelope.get("type") != "events_api":
            return False
        event = envelope["body"]["event"]
        return bool(event["type"] == event_type and event.get("text") == text)

    return matches


def test_socket_mode_client_receives_a_message_and_an_app_mention(
    server: ServerThread, tmp_path: Path
) -> None:
    log = tmp_path / "socket-mode.log"
    try:
        with running(SOCKET_MODE_DRIVER, [], log, SLACKLINE_BASE_URL=base_url(server),
                     SLACKLINE_APP_TOKEN=APP_TOKEN) as client:  # fmt: skip
            client.wait_for_status("connected")  # after Slackline's hello
            wait_until(lambda: hub(server).connection_count(APP_ID) == 1, "the connection",
                       WAIT_SECS)  # fmt: skip
            acknowledged = hub(server).stats.acknowledged
            post(server, "hello node socket mode")
            message = client.wait_for(envelope_of("message", "hello node socket mode"),
                                      "the message's envelope")  # fmt: skip
            mention = f"<@{BOT_USER}> are you there, node?"
            post(server, mention)
            mentioned = client.wait_for(envelope_of("app_mention", mention), "the app_mention")
            # Both acknowledged in time: first attempts, and the hub counted the acks.
            retries = [line["envelope"]["retry_num"] for line in (message, mentioned)]
            assert retries == [0, 0], client._failure("retried")
            body = message["envelope"]["body"]
            assert (body["api_app_id"], body["event"]["channel"]) == (APP_ID, GENERAL)
            wait_until(lambda: hub(server).stats.acknowledged >= acknowledged + 3,
                       "the acks (message, mention's message, app_mention)",
                       WAIT_SECS)  # fmt: skip
    finally:
        wait_disconnected(server)


def test_node_bolt_in_socket_mode_answers_ping_and_a_mention_with_say(
    server: ServerThread, tmp_path: Path
) -> None:
    log = tmp_path / "bolt-socket.log"
    try:
        settings = {"SLACKLINE_BOT_TOKEN": BOT_TOKEN, "SLACKLINE_APP_TOKEN": APP_TOKEN}
        with running(BOLT_DRIVER, ["socket"], log, SLACKLINE_BASE_URL=base_url(server),
                     **settings) as bolt:  # fmt: skip
            bolt.wait_for_status("started")
            try:
                ping = post(server, "ping")
                wait_until(lambda: "pong from node bolt" in texts_after(server, ping),
                           "Bolt's pong", WAIT_SECS)  # fmt: skip
                mention = post(server, f"<@{BOT_USER}> hello bolt")
                wait_until(lambda: "mentioned" in texts_after(server, mention),
                           "Bolt's answer to the mention", WAIT_SECS)  # fmt: skip
            except TimeoutError as error:
                raise AssertionError(bolt._failure(str(error))) from error
    finally:
        wait_disconnected(server)


def test_node_bolt_over_http_answers_ping_with_say(server: ServerThread, tmp_path: Path) -> None:
    log = tmp_path / "bolt-http.log"
    with running(BOLT_DRIVER, ["http", "0"], log, SLACKLINE_BASE_URL=base_url(server),
                 SLACKLINE_BOT_TOKEN=HTTP_BOT_TOKEN,
                 SLACKLINE_SIGNING_SECRET=SIGNING_SECRET) as bolt:  # fmt: skip
        port = bolt.wait_for_status("started")["port"]
        declare_http_app(server, HTTP_APP_ID, f"http://127.0.0.1:{port}/slack/events")
        try:
            ping = post(server, "ping")
            wait_until(lambda: "pong from node bolt" in texts_after(server, ping),
                       "Bolt's pong over HTTP", WAIT_SECS)  # fmt: skip
            mention = post(server, f"hey <@{HTTP_BOT_USER}>")
            wait_until(lambda: "mentioned" in texts_after(server, mention),
                       "Bolt's answer to the mention over HTTP", WAIT_SECS)  # fmt: skip
        except TimeoutError as error:
            raise AssertionError(bolt._failure(str(error))) from error
        finally:
            forget_app(server, HTTP_APP_ID)

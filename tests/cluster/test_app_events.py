"""Apps on a cluster: two real ``slackline serve`` processes on one PostgreSQL and one Redis.

A Socket Mode app connected once to each process, and an app with a request URL (which
either process can reach), each get every message once: each process sees every event,
and only the first to claim it (in Redis) hands it over. The processes' metrics show the
other claims lost, which is how the test knows both processes are done without waiting.
A slash command taken by one process reaches the app's connection on the other, and its
``response_url`` is answered by either.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.helpers.cluster import (
    FRAME_TIMEOUT_SECS,
    Cluster,
    ClusterNode,
    free_port,
    token_of,
    unique_redis_url,
    wait_until,
)
from tests.helpers.http import http_request
from tests.helpers.postgres import postgres_schema

TEAM = "T0001"
GENERAL = "C0001"
SOCKET_APP = "A0CLSOCK1"
HTTP_APP = "A0CLHTTP1"
APP_TOKEN = "xapp-1-A0CLSOCK1-1-clustersecret"
MESSAGES = 20
WAIT_SECS = 30.0


def workspace(request_url: str) -> str:
    """Alice, a Socket Mode app's bot and an HTTP app's bot in #general."""
    scopes = "[channels:history, chat:write]"
    return f"""teams:
  - id: {TEAM}
    name: Acme
    domain: acme
    users:
      - {{id: U01, name: alice}}
    bots:
      - {{id: B0SOCK, user_id: U0SOCK, name: sockbot}}
      - {{id: B0HTTP, user_id: U0HTTP, name: httpbot}}
    conversations:
      - {{id: {GENERAL}, name: general, is_general: true, members: [U01, U0SOCK, U0HTTP]}}
    apps:
      - {{id: {SOCKET_APP}, name: Sock, kind: granular, redirect_urls: [http://127.0.0.1:9/cb],
         scopes: {scopes}, bot_user: U0SOCK, socket_mode: true,
         event_subscriptions: [message.channels], commands: [/where]}}
      - {{id: {HTTP_APP}, name: Hook, kind: granular, redirect_urls: [http://127.0.0.1:9/cb],
         scopes: {scopes}, bot_user: U0HTTP, request_url: "{request_url}",
         signing_secret: cluster-signing-secret, event_subscriptions: [message.channels]}}
    tokens:
      - {{token: {token_of("alice")}, user: U01, type: user, scopes: [client]}}
      - {{token: {APP_TOKEN}, user: U0SOCK, type: app, app: {SOCKET_APP},
         scopes: [connections:write]}}
"""


class Texts:
    """The message texts an app was handed, from any of its connections or requests."""

    def __init__(self) -> None:
        self._texts: list[str] = []
        self._changed = threading.Condition()

    def add(self, callback: dict[str, Any]) -> None:
        """Keep the text of an ``event_callback``'s message event."""
        with self._changed:
            self._texts.append(str(callback["event"]["text"]))
            self._changed.notify_all()

    def wait_for(self, count: int) -> list[str]:
        """Wait until ``count`` texts have come; all of them."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._texts) >= count, WAIT_SECS):
                raise AssertionError(f"{len(self._texts)} of {count} events: {self._texts}")
            return list(self._texts)


class Receiver(BaseHTTPRequestHandler):
    """The HTTP app's request URL: 200 to every delivery, its event kept."""

    texts: Texts

    def do_POST(self) -> None:
        """Keep the delivery and answer 200."""
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.end_headers()
        self.texts.add(json.loads(body))

    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""


class SocketModeConnection:
    """One raw Socket Mode connection that acknowledges every envelope at once."""

    def __init__(self, url: str, texts: Texts) -> None:
        self._connection: ClientConnection = connect(
            url, open_timeout=FRAME_TIMEOUT_SECS, proxy=None, legacy=True
        )
        hello = json.loads(self._connection.recv(timeout=FRAME_TIMEOUT_SECS))
        assert hello["type"] == "hello", hello
        self._texts = texts
        self.commands: queue.Queue[dict[str, Any]] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        with contextlib.suppress(Exception):
            for raw in self._connection:
                frame = json.loads(raw)
                if frame.get("type") == "events_api":
                    self._connection.send(json.dumps({"envelope_id": frame["envelope_id"]}))
                    self._texts.add(frame["payload"])
                elif frame.get("type") == "slash_commands":
                    # Answered in the acknowledgement, as Bolt's ack(text) does.
                    answer = {"response_type": "in_channel", "text": "acked on the socket"}
                    self._connection.send(
                        json.dumps({"envelope_id": frame["envelope_id"], "payload": answer})
                    )
                    self.commands.put(frame["payload"])

    def close(self) -> None:
        """Close and stop the reader."""
        with contextlib.suppress(Exception):
            self._connection.close()
        self._reader.join(timeout=FRAME_TIMEOUT_SECS)


@pytest.fixture(scope="module")
def http_texts() -> Iterator[tuple[Texts, str]]:
    """The HTTP app's receiver on 127.0.0.1 and its URL."""
    texts = Texts()
    handler = type("AppReceiver", (Receiver,), {"texts": texts})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield texts, f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def nodes(
    tmp_path_factory: pytest.TempPathFactory, http_texts: tuple[Texts, str]
) -> Iterator[list[tuple[ClusterNode, int]]]:
    """Two processes, each with its metrics port."""
    root = tmp_path_factory.mktemp("app-events")
    with (
        postgres_schema() as database,
        Cluster(root, database, unique_redis_url(), workspace(http_texts[1])) as running,
    ):
        ports = [free_port(), free_port()]
        started = [running.add_node(extra=["--metrics-port", str(port)]) for port in ports]
        yield list(zip(started, ports, strict=True))
        assert running.unexpected_log_records() == []


def claimed_elsewhere(metrics_port: int) -> float:
    """A process's count of app events another process delivered (from its metrics)."""
    url = f"http://127.0.0.1:{metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as answer:
        for line in answer.read().decode().splitlines():
            if line.startswith("slackline_app_events_claimed_elsewhere_total "):
                return float(line.split()[1])
    return 0.0


def test_each_app_gets_each_message_once_from_two_processes(
    nodes: list[tuple[ClusterNode, int]], http_texts: tuple[Texts, str]
) -> None:
    socket_texts = Texts()
    connections = []
    try:
        for node, _ in nodes:
            opened = node.api("apps.connections.open", APP_TOKEN)
            assert opened.body.get("ok"), opened.body
            connections.append(SocketModeConnection(str(opened.body["url"]), socket_texts))
        sent = [f"message {n}" for n in range(MESSAGES)]
        for n, text in enumerate(sent):
            node = nodes[n % 2][0]
            posted = node.api("chat.postMessage", token_of("alice"), channel=GENERAL, text=text)
            assert posted.body.get("ok"), posted.body
        socket_texts.wait_for(MESSAGES)
        http_texts[0].wait_for(MESSAGES)
        # Both processes claim each event for each app: one wins, the other counts a loss.
        wait_until(
            lambda: sum(claimed_elsewhere(port) for _, port in nodes) >= 2 * MESSAGES,
            "both processes' claims", WAIT_SECS,
        )  # fmt: skip
        assert sorted(socket_texts.wait_for(MESSAGES)) == sorted(sent)
        assert sorted(http_texts[0].wait_for(MESSAGES)) == sorted(sent)
    finally:
        for connection in connections:
            connection.close()


def history(node: ClusterNode) -> list[str]:
    """#general's latest texts, newest first (through one process)."""
    found = node.api("conversations.history", token_of("alice"), channel=GENERAL, limit="10")
    return [str(m["text"]) for m in found.body["messages"]]


def test_a_command_reaches_the_app_on_another_process_and_any_process_takes_its_answers(
    nodes: list[tuple[ClusterNode, int]],
) -> None:
    (first, _), (second, _) = nodes
    opened = second.api("apps.connections.open", APP_TOKEN)
    connection = SocketModeConnection(str(opened.body["url"]), Texts())
    try:
        ran = first.api("chat.command", token_of("alice"), channel=GENERAL, command="/where",
                        text="is it")  # fmt: skip
        assert ran.body.get("ok"), ran.body
        payload = connection.commands.get(timeout=WAIT_SECS)
        assert (payload["command"], payload["text"]) == ("/where", "is it")
        # The URL names the process that issued it; the process behind it now is the other.
        url = urllib.parse.urlsplit(payload["response_url"])
        answer = json.dumps({"response_type": "in_channel", "text": "answered elsewhere"})
        posted = http_request(second.port, "POST", url.path, answer,
                              {"Content-Type": "application/json"})  # fmt: skip
        assert (posted.status, posted.body) == (200, {"ok": True})
        wait_until(lambda: {"answered elsewhere", "acked on the socket"} <= set(history(first)),
                   "both answers in #general", WAIT_SECS)  # fmt: skip
    finally:
        connection.close()


def test_a_command_for_an_app_connected_nowhere_is_dispatch_failed(
    nodes: list[tuple[ClusterNode, int]],
) -> None:
    (first, _), _ = nodes
    ran = first.api("chat.command", token_of("alice"), channel=GENERAL, command="/where")
    assert ran.body == {"ok": False, "error": "dispatch_failed"}

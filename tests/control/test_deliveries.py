"""What apps were handed, in the control API's journal: a Socket Mode app's envelopes as
``sent`` and ``acknowledged`` (or retried and ``dropped``), waitable with ``wait``; a slash
command's ``response_url`` kept without its capability; an Events API request's failed try
and its retry's delivery. And the admin API's ``apps.verifyRequestUrl``: Bolt in HTTP mode
answers its challenge, a receiver that does not is not verified."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from slackline.testing.server import ServerThread
from tests.helpers.events import ADMIN_TOKEN
from tests.helpers.http import http_request, serving
from tests.socket_mode.conftest import (
    APP_ID,
    APP_TOKEN,
    GENERAL,
    PERSON,
    PERSON_TOKEN,
    start_socket_server,
)
from tests.socket_mode.test_events_api_http import BoltSite, bolt, declare_http_app, forget_app

WAIT_SECS = 20.0
HTTP_APP = "A0JOURNAL1"
__all__ = ["bolt"]  # the Bolt site fixture, used here too


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The Socket Mode workspace's server with the control API (a 1-second ack deadline)."""
    root = tmp_path_factory.mktemp("deliveries")
    yield from serving(start_socket_server(root, socket_mode_ack_secs=1.0, admin_token=ADMIN_TOKEN))


def control(server: ServerThread, endpoint: str, **body: Any) -> dict[str, Any]:
    """A control API call that must succeed; its body."""
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
    path = f"/_slackline/admin/{endpoint}"
    result = http_request(server.port, "POST", path, json.dumps(body), headers, WAIT_SECS + 5)
    assert result.body.get("ok"), result.body
    return result.body


def web_api(server: ServerThread, method: str, token: str, **args: str) -> dict[str, Any]:
    """A Web API call that must succeed; its body."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    result = http_request(server.port, "POST", f"/api/{method}", json.dumps(args), headers)
    assert result.body.get("ok"), result.body
    return result.body


class AppConnection:
    """A raw Socket Mode connection that acknowledges envelopes only if ``acknowledging``."""

    def __init__(self, server: ServerThread, *, acknowledging: bool) -> None:
        url = web_api(server, "apps.connections.open", APP_TOKEN)["url"]
        self._socket: ClientConnection = connect(
            url, open_timeout=WAIT_SECS, proxy=None, legacy=True
        )
        assert json.loads(self._socket.recv(timeout=WAIT_SECS))["type"] == "hello"
        self._acknowledging = acknowledging
        self.payloads: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        with contextlib.suppress(Exception):
            for raw in self._socket:
                frame = json.loads(raw)
                if "envelope_id" in frame:
                    self.payloads.append(frame["payload"])
                    if self._acknowledging:
                        self._socket.send(json.dumps({"envelope_id": frame["envelope_id"]}))

    def close(self) -> None:
        """Close the socket and stop the reader."""
        self._socket.close()
        self._reader.join(WAIT_SECS)


@contextlib.contextmanager
def app_connection(server: ServerThread, *, acknowledging: bool) -> Iterator[AppConnection]:
    """The app connected for the block."""
    connection = AppConnection(server, acknowledging=acknowledging)
    try:
        yield connection
    finally:
        connection.close()


def wait_for_delivery(server: ServerThread, **match: Any) -> dict[str, Any]:
    """The first delivery to the app (kept or future) with these fields."""
    found = control(server, "wait", timeout_secs=WAIT_SECS, match={"app": APP_ID, **match},
                    **{"for": "delivery"})  # fmt: skip
    record: dict[str, Any] = found["record"]
    return record


def steps(server: ServerThread, delivery_id: str) -> list[tuple[str, int]]:
    """Each step of one envelope: its outcome and attempt, in order."""
    kept = control(server, "journal.deliveries", app=APP_ID)["deliveries"]
    return [(d["outcome"], d["attempt"]) for d in kept if d["delivery_id"] == delivery_id]


def test_an_acknowledged_envelope_is_sent_then_acknowledged(server: ServerThread) -> None:
    with app_connection(server, acknowledging=True):
        web_api(server, "chat.postMessage", PERSON_TOKEN, channel=GENERAL, text="journal me")
        done = wait_for_delivery(server, outcome="acknowledged",
                                 payload={"event": {"text": "journal me"}})  # fmt: skip
    assert (done["transport"], done["kind"]) == ("socket_mode", "events_api")
    assert steps(server, done["delivery_id"]) == [("sent", 0), ("acknowledged", 0)]


def test_an_unacknowledged_envelope_shows_each_retry_and_its_drop(server: ServerThread) -> None:
    with app_connection(server, acknowledging=False):
        web_api(server, "chat.postMessage", PERSON_TOKEN, channel=GENERAL, text="never acked")
        dropped = wait_for_delivery(server, outcome="dropped",
                                    payload={"event": {"text": "never acked"}})  # fmt: skip
    sent = [("sent", attempt) for attempt in range(4)]
    assert steps(server, dropped["delivery_id"]) == [*sent, ("dropped", 3)]


def test_a_commands_response_url_is_kept_without_its_capability(server: ServerThread) -> None:
    with app_connection(server, acknowledging=True) as connection:
        web_api(server, "chat.command", PERSON_TOKEN, channel=GENERAL, command="/sock",
                text="masked")  # fmt: skip
        kept = wait_for_delivery(server, kind="slash_commands", outcome="acknowledged")
    given = next(p["response_url"] for p in connection.payloads if p.get("text") == "masked")
    shown = kept["payload"]["response_url"]
    assert shown.endswith("…") and shown != given
    assert given.rsplit("/", 1)[1] not in json.dumps(kept, ensure_ascii=False)


class _FailingOnce(BaseHTTPRequestHandler):
    """A request URL that answers its first request 500 and every later one 200."""

    answered = 0

    def do_POST(self) -> None:
        """Read the delivery; fail the first."""
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        type(self).answered += 1
        self.send_response(500 if type(self).answered == 1 else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""


@pytest.fixture
def http_app(server: ServerThread) -> Iterator[str]:
    """An app whose request URL fails once; its id."""
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _FailingOnce)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/slack/events"
    declare_http_app(server, HTTP_APP, url)
    try:
        yield HTTP_APP
    finally:
        forget_app(server, HTTP_APP)
        receiver.shutdown()
        receiver.server_close()


def test_an_events_api_request_shows_its_failure_then_its_delivery(
    server: ServerThread, http_app: str
) -> None:
    web_api(server, "chat.postMessage", PERSON_TOKEN, channel=GENERAL, text="over http")
    match = {"app": http_app, "outcome": "delivered", "payload": {"event": {"text": "over http"}}}
    done = control(server, "wait", timeout_secs=WAIT_SECS, match=match, **{"for": "delivery"})
    event_id = done["record"]["delivery_id"]
    kept = control(server, "journal.deliveries", app=http_app, transport="http")["deliveries"]
    steps = [(d["outcome"], d["attempt"], d["status"], d["detail"])
             for d in kept if d["delivery_id"] == event_id]  # fmt: skip
    assert steps == [("failed", 0, 500, "http_error"), ("delivered", 1, 200, "")]
    assert done["record"]["payload"]["token"].endswith("…")


# apps.verifyRequestUrl (beside the journal: the same server and receivers)


def test_a_bolt_app_passes_the_admin_apis_url_verification(
    server: ServerThread, bolt: BoltSite
) -> None:
    answer = control(server, "apps.verifyRequestUrl", app="A0HTTPBOLT")
    assert answer["verified"] is True
    assert answer["request_url"] == f"http://127.0.0.1:{bolt.port}/slack/events"


def test_a_url_that_does_not_echo_the_challenge_is_not_verified(
    server: ServerThread, http_app: str
) -> None:
    assert control(server, "apps.verifyRequestUrl", app=http_app)["verified"] is False


def test_an_app_without_a_request_url_cannot_be_verified(server: ServerThread) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
    body = json.dumps({"app": APP_ID})
    found = http_request(server.port, "POST", "/_slackline/admin/apps.verifyRequestUrl", body,
                         headers)  # fmt: skip
    assert (found.status, found.body["error"]) == (400, "invalid_app")


def test_the_control_apis_act_runs_a_slash_command_as_a_person(server: ServerThread) -> None:
    with app_connection(server, acknowledging=True) as connection:
        done = control(server, "act", method="chat.command",
                       args={"channel": GENERAL, "command": "/sock", "text": "from act"},
                       **{"as": PERSON})  # fmt: skip
        assert done["result"]["ok"] is True
        wait_for_delivery(server, kind="slash_commands", payload={"text": "from act"})
    assert [p["user_id"] for p in connection.payloads if p.get("text") == "from act"] == [PERSON]

"""Slash commands: a person's ``chat.command`` reaches the app that declares it, as a
``slash_commands`` envelope over Socket Mode (slack_sdk's client) or a signed form POST to
its request URL; the app's answer (in the acknowledgement, the HTTP answer or on the
``response_url``) is shown in the channel or to the person only."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from slackline.testing.server import ServerThread
from tests.helpers.cluster import wait_until
from tests.helpers.http import http_request
from tests.helpers.socket_mode import connected_app
from tests.socket_mode.conftest import APP_ID, APP_TOKEN, GENERAL, PERSON, PERSON_TOKEN
from tests.socket_mode.test_events_api_http import SIGNING_SECRET, declare_http_app, forget_app

WAIT_SECS = 20.0


def api(server: ServerThread) -> str:
    """The Web API base URL."""
    return f"http://127.0.0.1:{server.port}/api/"


def person(server: ServerThread) -> WebClient:
    """The person's WebClient."""
    return WebClient(token=PERSON_TOKEN, base_url=api(server))


def texts(server: ServerThread) -> list[str]:
    """#general's latest texts."""
    messages = person(server).conversations_history(channel=GENERAL, limit=10)["messages"]
    return [m["text"] for m in messages]


def respond(server: ServerThread, response_url: str, body: dict[str, Any]) -> int:
    """POST an answer to a response_url on the server (its path); the HTTP status."""
    path = response_url.split(f"127.0.0.1:{server.port}", 1)[1]
    headers = {"Content-Type": "application/json"}
    return http_request(server.port, "POST", path, json.dumps(body), headers).status


@pytest.fixture()
def commands(server: ServerThread) -> Iterator[queue.Queue[SocketModeRequest]]:
    """The slash_commands envelopes a connected slack_sdk client gets (acknowledged with
    the answer ``ack answer`` for ``/sock ack``)."""
    seen: queue.Queue[SocketModeRequest] = queue.Queue()

    def listener(client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        if request.type != "slash_commands":
            client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
            return
        answer = {"text": "ack answer"} if request.payload["text"] == "ack" else None
        client.send_socket_mode_response(
            SocketModeResponse(envelope_id=request.envelope_id, payload=answer)
        )
        seen.put(request)

    with connected_app(server, APP_TOKEN, APP_ID, listener):
        yield seen


def test_a_command_arrives_as_a_slash_commands_envelope(
    server: ServerThread, commands: queue.Queue[SocketModeRequest]
) -> None:
    assert person(server).api_call(
        "chat.command", data={"channel": GENERAL, "command": "/sock", "text": "hello there"}
    )["ok"]
    request = commands.get(timeout=WAIT_SECS)
    payload = request.payload
    assert request.type == "slash_commands"
    assert (payload["command"], payload["text"], payload["user_id"]) == (
        "/sock", "hello there", PERSON,
    )  # fmt: skip
    assert (payload["channel_id"], payload["channel_name"], payload["team_domain"]) == (
        GENERAL, "general", "sockets",
    )  # fmt: skip
    assert payload["api_app_id"] == APP_ID and payload["trigger_id"]
    assert payload["response_url"].startswith(f"http://127.0.0.1:{server.port}/commands/")


def test_an_in_channel_answer_on_the_response_url_is_posted_by_the_bot(
    server: ServerThread, commands: queue.Queue[SocketModeRequest]
) -> None:
    person(server).api_call("chat.command", data={"channel": GENERAL, "command": "/sock"})
    url = commands.get(timeout=WAIT_SECS).payload["response_url"]
    assert respond(server, url, {"response_type": "in_channel", "text": "for everyone"}) == 200
    wait_until(lambda: "for everyone" in texts(server), "the answer", WAIT_SECS)


def test_an_ephemeral_answer_is_not_in_history(
    server: ServerThread, commands: queue.Queue[SocketModeRequest]
) -> None:
    person(server).api_call("chat.command", data={"channel": GENERAL, "command": "/sock"})
    url = commands.get(timeout=WAIT_SECS).payload["response_url"]
    assert respond(server, url, {"text": "only for you"}) == 200
    assert "only for you" not in texts(server)


def test_a_response_url_serves_five_answers(
    server: ServerThread, commands: queue.Queue[SocketModeRequest]
) -> None:
    person(server).api_call("chat.command", data={"channel": GENERAL, "command": "/sock"})
    url = commands.get(timeout=WAIT_SECS).payload["response_url"]
    statuses = [respond(server, url, {"text": f"answer {n}"}) for n in range(6)]
    assert statuses == [200] * 5 + [404]


def test_an_unknown_command_is_invalid_command(server: ServerThread) -> None:
    with pytest.raises(SlackApiError) as refused:
        person(server).api_call("chat.command", data={"channel": GENERAL, "command": "/nope"})
    assert refused.value.response["error"] == "invalid_command"


def set_commands(server: ServerThread, app_id: str, commands: list[str]) -> None:
    """Replace an app's slash commands."""
    assert server.app is not None
    server.run(server.app.services.apps.declare("T0SOCKET1", {"id": app_id, "commands": commands}))


class SignedFormReceiver(BaseHTTPRequestHandler):
    """Checks Slack's signature, keeps the form, answers in the channel."""

    forms: queue.Queue[dict[str, str]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        verifier = SignatureVerifier(SIGNING_SECRET)
        valid = verifier.is_valid(body, self.headers["X-Slack-Request-Timestamp"],
                                  self.headers["X-Slack-Signature"])  # fmt: skip
        form = dict(parse_qsl(body.decode()))
        type(self).forms.put({**form, "valid": str(valid)})
        answer = json.dumps({"response_type": "in_channel", "text": "sunny over http"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""


def test_a_command_of_an_http_app_is_a_signed_form_post_answered_in_the_body(
    server: ServerThread,
) -> None:
    class Receiver(SignedFormReceiver):
        forms: queue.Queue[dict[str, str]] = queue.Queue()

    http = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    assert server.app is not None
    declare_http_app(server, "A0HTTPCMD", f"http://127.0.0.1:{http.server_address[1]}/cmd")
    set_commands(server, "A0HTTPCMD", ["/weather"])
    try:
        person(server).api_call(
            "chat.command", data={"channel": GENERAL, "command": "/weather", "text": "Paris"}
        )
        form = Receiver.forms.get(timeout=WAIT_SECS)
    finally:
        set_commands(server, "A0HTTPCMD", [])
        forget_app(server, "A0HTTPCMD")
        http.shutdown()
        http.server_close()
    assert (form["command"], form["text"], form["valid"]) == ("/weather", "Paris", "True")
    # chat.command answered after the app's HTTP answer was shown.
    assert "sunny over http" in texts(server)

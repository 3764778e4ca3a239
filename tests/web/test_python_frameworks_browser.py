"""The Python frameworks, unmodified, with a person in Chromium: a slash command typed in the
web client's composer reaches Bolt for Python in Socket Mode (``SocketModeHandler``) and in
HTTP mode (its WSGI adapter, request verification on), each answers with ``respond`` in the
channel, and the answer appears in the person's browser; a message each framework (and
slack_sdk's ``SocketModeClient``, whose commands tests/web/test_slash_command_browser.py
covers) posts with a button is clicked in the browser, the framework's action listener gets
the click and its answer appears.

Each framework is its own app with its own bot user, id and command (declared at run time),
so a click goes to the app whose bot posted the message and no test sees another's."""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from playwright.sync_api import Browser, expect
from slack_bolt import Ack, App, Respond, Say
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.webhook import WebhookClient

from slackline.testing.server import ServerThread
from tests.helpers.cluster import wait_until
from tests.web.conftest import Person, app_service, people_on
from tests.web.test_client import sign_in
from tests.web.test_client_browser import message, send, signed_in

WAIT_SECS = 30.0  # a bound on two shared cores, never a sleep
TEAM = "T0001"
GENERAL = "C0001"
SIGNING_SECRET = "python-frameworks-signing-secret"


@dataclass(frozen=True)
class Bot:
    """A framework's bot: its bot user and its classic bot token."""

    bot_id: str
    user_id: str
    name: str
    token: str


BOLT_SOCKET = Bot("B0PYBOLTS", "U0PYBOLTS", "boltsocket", "xoxb-py-bolt-socket")
BOLT_HTTP = Bot("B0PYBOLTH", "U0PYBOLTH", "bolthttp", "xoxb-py-bolt-http")
SDK_SOCKET = Bot("B0PYSDKSM", "U0PYSDKSM", "sdksocket", "xoxb-py-sdk-socket")


@dataclass
class Framework:
    """A running framework: its own Web API client (to post as its bot), the button's
    action id, and what its listeners got (command payloads, action bodies)."""

    name: str
    client: WebClient
    action_id: str
    commands: queue.Queue[dict[str, Any]]
    actions: queue.Queue[dict[str, Any]]


def unique(text: str) -> str:
    """Text no other test of the module posted."""
    return f"{text}-{uuid.uuid4().hex[:8]}"


def api(server: ServerThread) -> str:
    """The Web API base URL."""
    return f"http://127.0.0.1:{server.port}/api/"


def button_blocks(title: str, action_id: str, value: str) -> list[dict[str, Any]]:
    """A section with the title and an actions block with one button."""
    return [
        {"type": "section", "block_id": "ask", "text": {"type": "mrkdwn", "text": title}},
        {"type": "actions", "block_id": "choice", "elements": [
            {"type": "button", "action_id": action_id, "value": value,
             "text": {"type": "plain_text", "text": "Go"}},
        ]},
    ]  # fmt: skip


def declare_app(server: ServerThread, app_id: str, bot: Bot, **fields: Any) -> None:
    """A classic app of Acme whose bot user is ``bot``'s (with the fields given)."""
    raw = {
        "id": app_id, "name": f"Python {app_id}", "kind": "classic", "scopes": ["bot"],
        "redirect_urls": ["http://127.0.0.1:9/cb"], "bot_user": bot.user_id, **fields,
    }  # fmt: skip
    server.run(app_service(server).declare(TEAM, raw))


def connections(server: ServerThread, app_id: str) -> int:
    """How many Socket Mode connections the app has open."""
    assert server.app is not None
    return server.app.socket_mode.connection_count(app_id)


@pytest.fixture(scope="module")
def bots(web_server: ServerThread) -> None:
    """The frameworks' bots, their tokens and their seats in #general, loaded as a
    workspace document adds to what is there."""
    team: dict[str, Any] = {
        "id": TEAM,
        "bots": [{"id": b.bot_id, "user_id": b.user_id, "name": b.name}
                 for b in (BOLT_SOCKET, BOLT_HTTP, SDK_SOCKET)],
        "conversations": [{"id": GENERAL,
                           "members": [BOLT_SOCKET.user_id, BOLT_HTTP.user_id,
                                       SDK_SOCKET.user_id]}],
        "tokens": [{"token": b.token, "user": b.user_id, "type": "classic_bot"}
                   for b in (BOLT_SOCKET, BOLT_HTTP, SDK_SOCKET)],
    }  # fmt: skip
    assert web_server.app is not None
    workspaces = web_server.app.workspaces
    web_server.run(workspaces.load_document({"teams": [team]}))


def bolt_app(
    server: ServerThread, bot: Bot, name: str, action_id: str, **options: Any
) -> tuple[App, Framework]:
    """A Bolt app answering its command with ``respond`` (in the channel) and a click on
    its button with ``say``."""
    framework = Framework(name, WebClient(token=bot.token, base_url=api(server)), action_id,
                          queue.Queue(), queue.Queue())  # fmt: skip
    app = App(token=bot.token, client=framework.client, **options)

    @app.command(f"/{name}")
    def on_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        framework.commands.put(command)
        respond(text=f"{name} heard {command['text']}", response_type="in_channel")

    @app.action(action_id)
    def on_click(ack: Ack, body: dict[str, Any], say: Say) -> None:
        ack()
        framework.actions.put(body)
        say(f"{name} saw the click on {body['actions'][0]['value']}")

    return app, framework


@pytest.fixture(scope="module")
def bolt_socket(web_server: ServerThread, bots: None) -> Iterator[Framework]:
    """Bolt for Python in Socket Mode, connected with an app-level token of its app."""
    app_id = "A0PYBOLTSM"
    declare_app(web_server, app_id, BOLT_SOCKET, socket_mode=True, commands=["/boltsocket"])
    app_token = web_server.run(app_service(web_server).create_app_token(app_id, TEAM))
    app, framework = bolt_app(web_server, BOLT_SOCKET, "boltsocket", "bolt_socket_go")
    handler = SocketModeHandler(app, app_token, web_client=WebClient(base_url=api(web_server)))
    handler.connect()  # type: ignore[no-untyped-call]
    try:
        wait_until(lambda: connections(web_server, app_id) == 1, "Bolt's connection", WAIT_SECS)
        yield framework
    finally:
        handler.close()  # type: ignore[no-untyped-call]


class _QuietWsgi(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""


def _not_ready(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [])
    return []


@pytest.fixture(scope="module")
def bolt_http(web_server: ServerThread, bots: None) -> Iterator[Framework]:
    """Bolt for Python in HTTP mode on its WSGI adapter, its request verification on (the
    default), registered as its app's request URL."""
    app_id = "A0PYBOLTHT"
    wsgi: WSGIServer = make_server("127.0.0.1", 0, _not_ready, handler_class=_QuietWsgi)
    app, framework = bolt_app(web_server, BOLT_HTTP, "bolthttp", "bolt_http_go",
                              signing_secret=SIGNING_SECRET)  # fmt: skip
    wsgi.set_app(SlackRequestHandler(app))
    thread = threading.Thread(target=wsgi.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{wsgi.server_address[1]}/slack/events"
    declare_app(web_server, app_id, BOLT_HTTP, signing_secret=SIGNING_SECRET, request_url=url,
                commands=["/bolthttp"])  # fmt: skip
    try:
        yield framework
    finally:
        declare_app(web_server, app_id, BOLT_HTTP, request_url="")
        wsgi.shutdown()
        wsgi.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def sdk_socket(web_server: ServerThread, bots: None) -> Iterator[Framework]:
    """slack_sdk's built-in ``SocketModeClient``: it acknowledges every envelope and answers
    a click in the channel on the click's ``response_url`` (slack_sdk's WebhookClient)."""
    app_id = "A0PYSDKSM"
    declare_app(web_server, app_id, SDK_SOCKET, socket_mode=True)
    app_token = web_server.run(app_service(web_server).create_app_token(app_id, TEAM))
    framework = Framework("sdksocket", WebClient(token=SDK_SOCKET.token, base_url=api(web_server)),
                          "sdk_socket_go", queue.Queue(), queue.Queue())  # fmt: skip

    def listener(client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        if request.type != "interactive":
            return
        body = request.payload
        framework.actions.put(body)
        WebhookClient(body["response_url"]).send(
            text=f"sdksocket saw the click on {body['actions'][0]['value']}",
            response_type="in_channel",
        )

    client = SocketModeClient(app_token=app_token, web_client=WebClient(base_url=api(web_server)))
    client.socket_mode_request_listeners.append(listener)
    client.connect()
    try:
        wait_until(lambda: connections(web_server, app_id) == 1, "the client's connection",
                   WAIT_SECS)  # fmt: skip
        yield framework
    finally:
        client.close()


@pytest.fixture(scope="module")
def alice(browser: Browser, web_server: ServerThread, bots: None) -> Iterator[Person]:
    """Alice in the web client, in #general: one page for the module (a browser error no
    test allowed fails the module's last test at teardown)."""
    with people_on(browser, web_server) as people:
        person = signed_in(people, "alice", sign_in(web_server.port, "alice"))
        expect(person.page.locator("#channel-title")).to_have_text("#general")
        yield person


def framework(request: pytest.FixtureRequest, name: str) -> Framework:
    """The running framework of that fixture's name."""
    found: Framework = request.getfixturevalue(name)
    return found


@pytest.mark.parametrize("name", ["bolt_socket", "bolt_http"])
def test_a_command_typed_in_the_browser_reaches_the_framework_and_its_respond_appears(
    request: pytest.FixtureRequest, alice: Person, name: str
) -> None:
    app = framework(request, name)
    text = unique("Paris")
    send(alice.page, f"/{app.name} {text}")
    command = app.commands.get(timeout=WAIT_SECS)
    assert (command["command"], command["text"]) == (f"/{app.name}", text)
    assert (command["user_id"], command["channel_id"]) == ("U0001", GENERAL)
    expect(message(alice.page, f"{app.name} heard {text}")).to_have_count(1)


@pytest.mark.parametrize("name", ["bolt_socket", "bolt_http", "sdk_socket"])
def test_a_click_in_the_browser_reaches_the_frameworks_action_listener_and_its_answer_appears(
    request: pytest.FixtureRequest, alice: Person, name: str
) -> None:
    app = framework(request, name)
    title = unique(f"Deploy with {app.name}")
    value = unique("release")
    blocks = button_blocks(title, app.action_id, value)
    posted = app.client.chat_postMessage(channel=GENERAL, text=title, blocks=blocks)
    shown = message(alice.page, title)
    shown.locator(f'button.block-button[data-action-id="{app.action_id}"]').click()
    body = app.actions.get(timeout=WAIT_SECS)
    assert (body["type"], body["user"]["id"], body["message"]["ts"]) == (
        "block_actions", "U0001", posted["ts"],
    )  # fmt: skip
    assert (body["actions"][0]["action_id"], body["actions"][0]["value"]) == (app.action_id, value)
    expect(message(alice.page, f"{app.name} saw the click on {value}")).to_have_count(1)

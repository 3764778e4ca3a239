"""The node frameworks, unmodified and pinned, with a person in Chromium: for
``@slack/socket-mode``'s SocketModeClient, ``@slack/bolt`` in Socket Mode and Bolt with its
HTTP receiver (an app with a request URL), a slash command typed in the web client's
composer reaches the framework and its in-channel answer appears in the person's browser; a
button the framework posted is clicked in the browser, the framework's action handler gets
the click and its answer appears too. Each framework is its own app (id, bot user, command),
declared at run time, so a click reaches the app that posted the message. The drivers are in
``tests/clients/node_socket_mode`` (their answers are described there); one page is loaded for
the module, and any console error in it fails the module's teardown."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, expect

from slackline.services.workspace import parse_workspace_text
from slackline.testing.server import ServerThread
from tests.clients.harness import Line
from tests.helpers.cluster import wait_until
from tests.socket_mode.test_node_clients import (
    BOLT_DRIVER,
    SOCKET_MODE_DRIVER,
    NodeScript,
    running,
)
from tests.web.conftest import Person, app_service, people_on
from tests.web.test_client import sign_in
from tests.web.test_client_browser import message, send, signed_in

TEAM = "T0001"
GENERAL = "C0001"
ALICE = "U0001"
SIGNING_SECRET = "node-bolt-http-signing-secret"
WAIT_SECS = 30.0  # a bound on two shared cores, never a sleep


@dataclass(frozen=True)
class Framework:
    """One framework's app: its id, its bot (bot id, bot user, bot token) and its command;
    ``name`` is what its driver's answers start with."""

    name: str
    app_id: str
    bot_id: str
    bot_user: str
    bot_token: str
    command: str

    def saw_command(self, text: str) -> Callable[[Line], bool]:
        """Matches the driver's line for this command with ``text``, acknowledged."""

        def matches(line: Line) -> bool:
            if self.name == "socket-mode":
                envelope = line.get("envelope")
                if not isinstance(envelope, dict) or envelope.get("type") != "slash_commands":
                    return False
                seen = envelope["body"]
                return bool(line.get("acked")) and (seen["command"], seen["text"]) == (
                    self.command,
                    text,
                )
            command = line.get("command")
            return (
                isinstance(command, dict)
                and bool(command.get("acked"))
                and (command["command"], command["text"]) == (self.command, text)
            )

        return matches


SOCKET_MODE = Framework("socket-mode", "A0NODESM01", "B0NODESM", "U0NODESM",
                        "xoxb-node-socket-mode-bot", "/nodesm")  # fmt: skip
BOLT_SOCKET = Framework("bolt-socket", "A0NODEBS01", "B0NODEBS", "U0NODEBS",
                        "xoxb-node-bolt-socket-bot", "/boltsock")  # fmt: skip
BOLT_HTTP = Framework("bolt-http", "A0NODEBH01", "B0NODEBH", "U0NODEBH",
                      "xoxb-node-bolt-http-bot", "/bolthttp")  # fmt: skip
FRAMEWORKS = (SOCKET_MODE, BOLT_SOCKET, BOLT_HTTP)
EACH_FRAMEWORK = pytest.mark.parametrize(
    "framework", FRAMEWORKS, ids=[framework.name for framework in FRAMEWORKS]
)


def bots_document() -> str:
    """The frameworks' bots, in #general, with their bot tokens (a workspace document)."""
    bots = "\n".join(
        f"      - {{id: {f.bot_id}, user_id: {f.bot_user}, name: {f.name}}}" for f in FRAMEWORKS
    )
    tokens = "\n".join(
        f"      - {{token: {f.bot_token}, user: {f.bot_user}, type: granular_bot,"
        " scopes: [chat:write, commands]}"
        for f in FRAMEWORKS
    )
    members = ", ".join(f.bot_user for f in FRAMEWORKS)
    return (
        f"teams:\n  - id: {TEAM}\n    bots:\n{bots}\n"
        f"    conversations:\n      - {{id: {GENERAL}, members: [{members}]}}\n"
        f"    tokens:\n{tokens}\n"
    )


def declare_app(server: ServerThread, framework: Framework, **fields: object) -> None:
    """Declare (or update) the framework's app: its bot user, its command, and ``fields``."""
    raw = {
        "id": framework.app_id, "name": f"Node {framework.name}", "kind": "granular",
        "redirect_urls": ["http://127.0.0.1:9/cb"], "scopes": ["chat:write", "commands"],
        "bot_user": framework.bot_user, "commands": [framework.command], **fields,
    }  # fmt: skip
    server.run(app_service(server).declare(TEAM, raw))


@pytest.fixture(scope="module")
def bots(web_server: ServerThread) -> None:
    """The frameworks' bots exist in Acme's #general."""
    assert web_server.app is not None
    document = parse_workspace_text(bots_document())
    web_server.run(web_server.app.workspaces.load_document(document))


def base_url(server: ServerThread) -> str:
    """The server's root URL (the drivers append ``/api/``)."""
    return f"http://127.0.0.1:{server.port}"


def socket_mode_app(server: ServerThread, framework: Framework) -> str:
    """Declare the framework's Socket Mode app; a new app-level token of it."""
    declare_app(server, framework, socket_mode=True)
    token: str = server.run(app_service(server).create_app_token(framework.app_id, TEAM))
    return token


def wait_connected(server: ServerThread, script: NodeScript, app_id: str) -> None:
    """The app has its one Socket Mode connection (or the driver's output explains why not)."""
    assert server.app is not None
    sockets = server.app.socket_mode
    try:
        wait_until(lambda: sockets.connection_count(app_id) == 1, "the connection", WAIT_SECS)
    except TimeoutError as error:
        raise AssertionError(script._failure(str(error))) from error


@pytest.fixture(scope="module")
def socket_mode_client(
    web_server: ServerThread, bots: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NodeScript]:
    """``@slack/socket-mode``'s SocketModeClient connected as its app."""
    token = socket_mode_app(web_server, SOCKET_MODE)
    log = tmp_path_factory.mktemp("node-socket-mode") / "socket-mode.log"
    with running(SOCKET_MODE_DRIVER, [], log, SLACKLINE_BASE_URL=base_url(web_server),
                 SLACKLINE_APP_TOKEN=token) as client:  # fmt: skip
        client.wait_for_status("connected")
        wait_connected(web_server, client, SOCKET_MODE.app_id)
        yield client


@pytest.fixture(scope="module")
def bolt_socket(
    web_server: ServerThread, bots: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NodeScript]:
    """Bolt in Socket Mode, started as its app."""
    token = socket_mode_app(web_server, BOLT_SOCKET)
    log = tmp_path_factory.mktemp("node-bolt-socket") / "bolt-socket.log"
    with running(BOLT_DRIVER, ["socket"], log, SLACKLINE_BASE_URL=base_url(web_server),
                 SLACKLINE_APP_TOKEN=token,
                 SLACKLINE_BOT_TOKEN=BOLT_SOCKET.bot_token) as app:  # fmt: skip
        app.wait_for_status("started")
        wait_connected(web_server, app, BOLT_SOCKET.app_id)
        yield app


@pytest.fixture(scope="module")
def bolt_http(
    web_server: ServerThread, bots: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NodeScript]:
    """Bolt's HTTP receiver on 127.0.0.1, its app's request URL (Socket Mode off), so
    commands and clicks arrive as signed form POSTs."""
    log = tmp_path_factory.mktemp("node-bolt-http") / "bolt-http.log"
    with running(BOLT_DRIVER, ["http", "0"], log, SLACKLINE_BASE_URL=base_url(web_server),
                 SLACKLINE_BOT_TOKEN=BOLT_HTTP.bot_token,
                 SLACKLINE_SIGNING_SECRET=SIGNING_SECRET) as app:  # fmt: skip
        port = app.wait_for_status("started")["port"]
        declare_app(web_server, BOLT_HTTP, signing_secret=SIGNING_SECRET,
                    request_url=f"http://127.0.0.1:{port}/slack/events")  # fmt: skip
        try:
            yield app
        finally:
            declare_app(web_server, BOLT_HTTP, request_url="")


@pytest.fixture(scope="module")
def alice(browser: Browser, web_server: ServerThread, bots: None) -> Iterator[Person]:
    """Alice's one page for the module: signed in, the client connected, in #general. A
    console or page error fails the module's teardown."""
    with people_on(browser, web_server) as people:
        person = signed_in(people, "alice", sign_in(web_server.port, "alice"))
        expect(person.page.locator("#channel-title")).to_have_text("#general")
        yield person


def started(request: pytest.FixtureRequest, framework: Framework) -> NodeScript:
    """The framework's running driver (its module fixture)."""
    fixture = {SOCKET_MODE: "socket_mode_client", BOLT_SOCKET: "bolt_socket",
               BOLT_HTTP: "bolt_http"}[framework]  # fmt: skip
    script: NodeScript = request.getfixturevalue(fixture)
    return script


def tag() -> str:
    """A word no other test typed."""
    return uuid.uuid4().hex[:8]


@EACH_FRAMEWORK
def test_a_command_typed_in_the_browser_reaches_the_framework_and_its_answer_appears(
    request: pytest.FixtureRequest, alice: Person, framework: Framework
) -> None:
    script = started(request, framework)
    text = f"forecast {tag()}"
    send(alice.page, f"{framework.command} {text}")
    script.wait_for(framework.saw_command(text), "the typed command", WAIT_SECS)
    answer = message(alice.page, f"{framework.name} got {framework.command} {text}")
    expect(answer).to_have_count(1)
    expect(alice.page.locator("#composer-input")).to_have_value("")


@EACH_FRAMEWORK
def test_a_click_in_the_browser_reaches_the_frameworks_action_handler_and_its_answer_appears(
    request: pytest.FixtureRequest, alice: Person, framework: Framework
) -> None:
    script = started(request, framework)
    value = tag()
    send(alice.page, f"{framework.command} button {value}")
    asked = message(alice.page, f"{framework.name} asks for {value}")
    button = asked.locator('button.block-button[data-action-id="node_click"]')
    expect(button).to_have_attribute("data-value", value)
    button.click()

    def clicked(line: Line) -> bool:
        action = line.get("action")
        return isinstance(action, dict) and action.get("value") == value

    action = script.wait_for(clicked, "the click in the action handler", WAIT_SECS)["action"]
    assert (action["action_id"], action["user"], action["api_app_id"]) == (
        "node_click",
        ALICE,
        framework.app_id,
    )
    expect(message(alice.page, f"{framework.name} saw {ALICE} click {value}")).to_have_count(1)

"""Every flavour of slack_sdk's ``SocketModeClient`` (built-in, websocket-client, aiohttp,
websockets), unmodified, with a person in Chromium: a slash command typed in the web
client's composer reaches the flavour, which answers in the channel on the command's
``response_url``, and the answer appears in the person's browser; a click on the button of a
message its bot posted reaches it, it answers with chat.postMessage through its own web
client, and that answer appears.

Each flavour is its own app with its own id, command and bot user (declared at run time, as
tests/web/test_python_frameworks_browser.py declares its frameworks), so a command or a
click reaches only the flavour under test; the clients are run as
tests/socket_mode/test_socket_mode_flavours.py runs them (:func:`connected`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect
from slack_sdk import WebClient
from slack_sdk.socket_mode.request import SocketModeRequest

from slackline.testing.server import ServerThread
from tests.socket_mode.test_socket_mode_flavours import FLAVOURS, Answer, Listener, connected
from tests.web.conftest import Person, app_service
from tests.web.test_client_browser import message, send
from tests.web.test_python_frameworks_browser import (
    Bot,
    alice,
    api,
    button_blocks,
    declare_app,
    unique,
)

TEAM = "T0001"
GENERAL = "C0001"
ALICE = "U0001"
__all__ = ["alice"]  # the module-scoped page fixture, with this module's bots


@dataclass(frozen=True)
class FlavourApp:
    """A flavour's app: its id, its bot, its command (``/`` and the bot's name) and the
    action id of its button."""

    app_id: str
    bot: Bot
    action_id: str

    @property
    def name(self) -> str:
        """The app's name in its answers, and its command without the ``/``."""
        return self.bot.name


APPS = {
    "builtin": FlavourApp("A0SDKBUILT", Bot("B0SDKBUILT", "U0SDKBUILT", "sdkbuiltin",
                                            "xoxb-sdk-builtin"), "sdk_builtin_go"),
    "websocket_client": FlavourApp("A0SDKWSCLI", Bot("B0SDKWSCLI", "U0SDKWSCLI", "sdkwsclient",
                                                     "xoxb-sdk-websocket-client"),
                                   "sdk_websocket_client_go"),
    "aiohttp": FlavourApp("A0SDKAIOHT", Bot("B0SDKAIOHT", "U0SDKAIOHT", "sdkaiohttp",
                                            "xoxb-sdk-aiohttp"), "sdk_aiohttp_go"),
    "websockets": FlavourApp("A0SDKWSOCK", Bot("B0SDKWSOCK", "U0SDKWSOCK", "sdkwebsockets",
                                               "xoxb-sdk-websockets"), "sdk_websockets_go"),
}  # fmt: skip


@dataclass(frozen=True)
class Running:
    """A flavour's connected client: its app and its listener."""

    flavour: str
    app: FlavourApp
    listener: Listener


def answers(app: FlavourApp) -> Callable[[SocketModeRequest], Answer | None]:
    """The app's answers: a command's in the channel on its ``response_url``, a click's by
    chat.postMessage in the click's channel."""

    def answer(request: SocketModeRequest) -> Answer | None:
        body = request.payload
        if request.type == "slash_commands":
            return Answer(f"{app.name} heard {body['text']}", response_url=body["response_url"])
        if request.type == "interactive" and body.get("type") == "block_actions":
            value = body["actions"][0]["value"]
            return Answer(f"{app.name} saw the click on {value}", channel=body["channel"]["id"])
        return None

    return answer


@pytest.fixture(scope="module")
def bots(web_server: ServerThread) -> None:
    """The flavours' bots, their classic bot tokens and their seats in #general, loaded as a
    workspace document adds to what is there."""
    team: dict[str, Any] = {
        "id": TEAM,
        "bots": [{"id": a.bot.bot_id, "user_id": a.bot.user_id, "name": a.bot.name}
                 for a in APPS.values()],
        "conversations": [{"id": GENERAL, "members": [a.bot.user_id for a in APPS.values()]}],
        "tokens": [{"token": a.bot.token, "user": a.bot.user_id, "type": "classic_bot"}
                   for a in APPS.values()],
    }  # fmt: skip
    assert web_server.app is not None
    web_server.run(web_server.app.workspaces.load_document({"teams": [team]}))


@pytest.fixture(scope="module", params=FLAVOURS)
def running(
    request: pytest.FixtureRequest, web_server: ServerThread, bots: None
) -> Iterator[Running]:
    """The flavour's client of its own Socket Mode app (declared with its command), its web
    client its bot's, connected for the tests of that flavour."""
    flavour: str = request.param
    app = APPS[flavour]
    declare_app(web_server, app.app_id, app.bot, socket_mode=True, commands=[f"/{app.name}"])
    app_token = web_server.run(app_service(web_server).create_app_token(app.app_id, TEAM))
    listener = Listener(answers(app))
    with connected(flavour, web_server, listener, app_id=app.app_id, app_token=app_token,
                   bot_token=app.bot.token):  # fmt: skip
        yield Running(flavour, app, listener)


def test_a_command_typed_in_the_browser_reaches_the_flavour_and_its_answer_appears(
    alice: Person, running: Running
) -> None:
    app = running.app
    text = unique("Paris")
    send(alice.page, f"/{app.name} {text}")
    command = running.listener.find(
        lambda r: r.type == "slash_commands" and r.payload["text"] == text, "the command"
    ).payload
    assert (command["command"], command["user_id"], command["channel_id"]) == (
        f"/{app.name}", ALICE, GENERAL,
    )  # fmt: skip
    expect(message(alice.page, f"{app.name} heard {text}")).to_have_count(1)


def test_a_click_on_its_button_message_reaches_the_flavour_and_its_answer_appears(
    web_server: ServerThread, alice: Person, running: Running
) -> None:
    app = running.app
    title = unique(f"Deploy with {app.name}")
    value = unique("release")
    bot = WebClient(token=app.bot.token, base_url=api(web_server))
    posted = bot.chat_postMessage(channel=GENERAL, text=title,
                                  blocks=button_blocks(title, app.action_id, value))  # fmt: skip
    button = f'button.block-button[data-action-id="{app.action_id}"]'
    message(alice.page, title).locator(button).click()
    body = running.listener.find(
        lambda r: r.type == "interactive" and r.payload["actions"][0]["value"] == value,
        "the click",
    ).payload
    assert (body["type"], body["user"]["id"], body["message"]["ts"]) == (
        "block_actions", ALICE, posted["ts"],
    )  # fmt: skip
    assert body["actions"][0]["action_id"] == app.action_id
    expect(message(alice.page, f"{app.name} saw the click on {value}")).to_have_count(1)

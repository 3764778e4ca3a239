"""The toolkit's Socket Mode actions against the plugin's server: an app-level token made
for an app, a real slack_sdk client connecting with it, and the toolkit's ``disconnect`` and
dropped connections, each followed by the client's own reconnect."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from slackline.testing.toolkit import Member, Slackline, SlacklineServer
from tests.helpers.cluster import wait_until

WAIT_SECS = 20.0


class Setup:
    """A team with a person and a bot in #general, and a Socket Mode app for the bot."""

    def __init__(self, slackline: Slackline) -> None:
        self.team = slackline.team("Acme")
        self.person: Member = slackline.user(self.team, "alice")
        bot = self.bot = slackline.bot(self.team, "sockbot")
        self.channel = slackline.channel(self.team, "general", [self.person, bot])
        registered = slackline.register_app(
            self.team, name="Sock", kind="granular", redirect_urls=["http://127.0.0.1:9/cb"],
            scopes=["channels:history"], bot_user=bot.id, socket_mode=True,
            event_subscriptions=["message.channels"], commands=["/sock"],
        )  # fmt: skip
        self.app_id = registered.app.id
        self.token = slackline.create_app_token(self.app_id, self.team)


@pytest.fixture()
def setup(slackline: Slackline) -> Setup:
    """The test's team and app."""
    return Setup(slackline)


@pytest.fixture()
def texts(
    slackline: Slackline, slackline_server: SlacklineServer, setup: Setup
) -> Iterator[queue.Queue[str]]:
    """The texts a connected slack_sdk SocketModeClient receives (it acknowledges each)."""
    received: queue.Queue[str] = queue.Queue()

    def listener(client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        if request.type == "interactive":
            received.put(f"clicked {request.payload['actions'][0]['action_id']}")
        elif request.type == "slash_commands":
            received.put(f"{request.payload['command']} {request.payload['text']}")
        else:
            received.put(request.payload["event"]["text"])

    client = SocketModeClient(
        app_token=setup.token, web_client=WebClient(base_url=slackline.api_url)
    )
    client.socket_mode_request_listeners.append(listener)
    client.connect()
    hub = slackline_server.thread.app.socket_mode  # type: ignore[union-attr]
    wait_until(lambda: hub.connection_count(setup.app_id) == 1, "the connection", WAIT_SECS)
    yield received
    # slack_sdk's built-in close() joins its threads without a bound and was once seen to
    # hang (a clean-clone run): close in a daemon thread, bounded, so a test never stalls.
    closer = threading.Thread(target=client.close, daemon=True)
    closer.start()
    closer.join(WAIT_SECS)


def test_create_app_token_makes_an_xapp_token(setup: Setup) -> None:
    assert setup.token.startswith("xapp-")


def test_a_message_reaches_the_app(
    slackline: Slackline, setup: Setup, texts: queue.Queue[str]
) -> None:
    slackline.post(setup.person, setup.channel, "hello")
    assert texts.get(timeout=WAIT_SECS) == "hello"


def test_after_the_toolkits_disconnect_the_client_reconnects(
    slackline: Slackline, slackline_server: SlacklineServer, setup: Setup, texts: queue.Queue[str]
) -> None:
    hub = slackline_server.thread.app.socket_mode  # type: ignore[union-attr]
    opened = hub.stats.opened
    assert slackline.disconnect_app(setup.app_id) == 1
    wait_until(lambda: hub.stats.opened > opened, "the reconnect", WAIT_SECS)
    slackline.post(setup.person, setup.channel, "after")
    assert texts.get(timeout=WAIT_SECS) == "after"


def test_drop_app_connections_ends_the_socket_without_a_frame(
    slackline: Slackline, slackline_server: SlacklineServer, setup: Setup, texts: queue.Queue[str]
) -> None:
    hub = slackline_server.thread.app.socket_mode  # type: ignore[union-attr]
    assert slackline.drop_app_connections(setup.app_id) == 1
    wait_until(lambda: hub.connection_count(setup.app_id) == 0, "the drop", WAIT_SECS)


def test_revoking_the_app_token_ends_its_connection(
    slackline: Slackline, slackline_server: SlacklineServer, setup: Setup, texts: queue.Queue[str]
) -> None:
    hub = slackline_server.thread.app.socket_mode  # type: ignore[union-attr]
    assert slackline_server.call(lambda app: app.workspaces.revoke_token(setup.token)) is True
    wait_until(lambda: hub.connection_count(setup.app_id) == 0, "the end", WAIT_SECS)


def test_turning_socket_mode_off_ends_the_apps_connections(
    slackline: Slackline, slackline_server: SlacklineServer, setup: Setup, texts: queue.Queue[str]
) -> None:
    hub = slackline_server.thread.app.socket_mode  # type: ignore[union-attr]
    change = {"id": setup.app_id, "socket_mode": False}
    slackline_server.call(lambda app: app.services.apps.declare(setup.team, change))
    wait_until(lambda: hub.connection_count(setup.app_id) == 0, "link_disabled", WAIT_SECS)


def test_run_command_sends_the_slash_command_to_the_app(
    slackline: Slackline, setup: Setup, texts: queue.Queue[str]
) -> None:
    assert slackline.run_command(setup.person, setup.channel, "/sock do it")["ok"] is True
    assert texts.get(timeout=WAIT_SECS) == "/sock do it"


def test_click_sends_block_actions_to_the_app(
    slackline: Slackline, setup: Setup, texts: queue.Queue[str]
) -> None:
    button = {"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}}
    blocks = [{"type": "actions", "block_id": "b", "elements": [button]}]
    ts = slackline.post(setup.bot, setup.channel, "press", blocks=blocks)
    assert texts.get(timeout=WAIT_SECS) == "press"  # the message's own event
    assert slackline.click(setup.person, setup.channel, ts, "go", block_id="b")["ok"] is True
    assert texts.get(timeout=WAIT_SECS) == "clicked go"


def test_deliveries_list_what_the_app_was_handed_and_acknowledged(
    slackline: Slackline, setup: Setup, texts: queue.Queue[str]
) -> None:
    slackline.post(setup.person, setup.channel, "tracked")
    assert texts.get(timeout=WAIT_SECS) == "tracked"

    def steps() -> list[tuple[str, str]]:
        return [(d.kind, d.outcome) for d in slackline.deliveries(setup.app_id)]

    wait_until(lambda: len(steps()) >= 2, "the acknowledgement", WAIT_SECS)
    assert steps() == [("events_api", "sent"), ("events_api", "acknowledged")]

"""Acceptance: unmodified real RTM clients against a real Slackline on 127.0.0.1.

Each client runs in its own process, driven by a small script (tests/clients/) that prints
every RTM event its client hands to the application as a JSON line and takes commands on
stdin; only the base URL differs from talking to Slack. Pinned versions: slack_sdk 3.48.0
(``rtm_v2.RTMClient`` and the legacy ``rtm.RTMClient``), slackclient 2.9.4, slackclient
1.3.2 with websocket-client 0.54.0 (over ``wss://``, through the base-URL shim of
``tests/clients/drivers/slackclient1_driver.py``, once starting with ``rtm.start`` and once
with ``rtm.connect``), and
@slack/rtm-api 7.0.1 (7.0.2 to 7.0.4 crash on reconnect). ``make clients`` installs them.

Every client: connects and gets ``hello``; receives a message another user posts; sends a
message and gets the acknowledgement; sees a subscribed user turn active and away; and comes
back through ``rtm.connect`` when the server ends its session, with or without ``goodbye``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from slackline.testing.server import ServerThread
from slackline.websocket.protocol import CloseCode
from tests.clients.harness import (
    ALL_CLIENTS,
    RTM_API,
    RTM_V2,
    SLACKCLIENT1_CONNECT,
    SLACKCLIENT1_START,
    Driver,
    RealClient,
)
from tests.helpers.http import api, start_server
from tests.helpers.rtm import open_socket, recv_until

BOT = "xoxb-1-classic"  # U0BOT, bot B0001; rtm_v2 needs a token whose auth.test has bot_id
ALICE = "xoxp-1-client"  # U0001, posts the messages the clients receive
BOB = "xoxp-2-stream"  # U0002, whose presence the clients watch
GENERAL = "C0001"  # alice, bob and the bot are members


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    """A throw-away certificate authority the TLS clients trust."""
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_files(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The server's certificate and key for 127.0.0.1, and the CA bundle, as PEM files."""
    folder = tmp_path_factory.mktemp("tls")
    cert = ca.issue_cert("127.0.0.1")
    files = {name: str(folder / f"{name}.pem") for name in ("cert", "key", "ca")}
    cert.cert_chain_pems[0].write_to_path(files["cert"])
    cert.private_key_pem.write_to_path(files["key"])
    ca.cert_pem.write_to_path(files["ca"])
    return files


@pytest.fixture
def server(tmp_path: Path, tls_files: dict[str, str]) -> Iterator[ServerThread]:
    """A server of the test's own, plain and TLS, with a short presence grace period."""
    thread = start_server(
        tmp_path,
        tls_port=0,
        tls_cert=tls_files["cert"],
        tls_key=tls_files["key"],
        presence_grace_secs=0.05,
    )
    try:
        yield thread
    finally:
        thread.stop()


def run_client(
    client: RealClient, server: ServerThread, tls_files: dict[str, str], tmp_path: Path
) -> Driver:
    """Start the client's driver on the bot token, over TLS for the clients that need it."""
    log = tmp_path / "driver.log"
    if client.tls:
        ca = tls_files["ca"]
        return client.start(
            server.tls_base_url,
            BOT,
            log,
            WEBSOCKET_CLIENT_CA_BUNDLE=ca,
            REQUESTS_CA_BUNDLE=ca,
        )
    return client.start(server.base_url, BOT, log)


@pytest.fixture(params=ALL_CLIENTS, ids=lambda client: client.name)
def client(request: pytest.FixtureRequest) -> RealClient:
    """Each real client in turn."""
    assert isinstance(request.param, RealClient)
    return request.param


@pytest.fixture
def driver(
    client: RealClient, server: ServerThread, tls_files: dict[str, str], tmp_path: Path
) -> Iterator[Driver]:
    """The client running against the server, connected (``hello`` seen), stopped after."""
    running = run_client(client, server, tls_files, tmp_path)
    try:
        wait_until_connected(running, client)
        yield running
    finally:
        running.stop()


def wait_until_connected(driver: Driver, client: RealClient) -> None:
    """``hello`` seen; for rtm-api also ``ready``, before which it only queues sends."""
    driver.wait_for_event(type="hello")
    if client is RTM_API:
        driver.wait_for_status("ready")


def subscribe_to_bob(driver: Driver, client: RealClient) -> None:
    """``presence_sub`` for bob, with the client's own helper where it has one."""
    if client is RTM_API:
        driver.command("subscribe_presence", ["U0002"])
    else:
        driver.command("send", {"type": "presence_sub", "ids": ["U0002"]})


def send_message_and_await_ack(driver: Driver, client: RealClient, text: str) -> dict[str, Any]:
    """Send a message the client's way; return the acknowledgement the client passed on."""
    if client.ack_style == "helper":
        driver.command("send_message", {"channel": GENERAL, "text": text})
        resolved = driver.wait_for(lambda line: "ack" in line, "sendMessage resolved")
        ack: dict[str, Any] = resolved["ack"]
        return ack
    if client.ack_style == "client_id":
        driver.command("send", {"type": "message", "channel": GENERAL, "text": text})
        return driver.wait_for_event(ok=True, text=text)
    driver.command("send", {"id": 7, "type": "message", "channel": GENERAL, "text": text})
    return driver.wait_for_event(reply_to=7)


def end_sessions(server: ServerThread, ending: str) -> None:
    """End every session from the server side: ``goodbye`` then close 1001, or a bare close."""
    assert server.app is not None
    hub = server.app.hub

    def close_all() -> None:
        for session in list(hub.sessions()):
            session.close(CloseCode.GOING_AWAY, "")

    server.call_soon(hub.goodbye_all if ending == "goodbye" else close_all)


def test_each_client_connects_and_receives_hello(driver: Driver) -> None:
    """The ``driver`` fixture waited for ``hello``; it was the first event the client saw."""
    events = [line["event"] for line in driver.lines() if "event" in line]
    assert events[0] == {"type": "hello"}


def test_each_client_receives_a_message_another_user_posts(
    driver: Driver, server: ServerThread
) -> None:
    posted = api(server, "chat.postMessage", ALICE, channel=GENERAL, text="hello clients")
    event = driver.wait_for_event(type="message", text="hello clients")
    assert event["user"] == "U0001"
    assert event["channel"] == GENERAL
    assert event["ts"] == posted.body["ts"]


def test_each_client_sends_a_message_and_gets_the_acknowledgement(
    driver: Driver, client: RealClient, server: ServerThread
) -> None:
    """rtm_v2 adds no ``id`` and passes replies (no ``type``) only to ``"*"`` listeners; its
    driver listens there and sends an ``id`` itself. The aiohttp clients number frames
    themselves and dispatch replies as ``"Unknown"``; rtm-api's ``sendMessage`` resolves with
    the reply."""
    with open_socket(server, ALICE) as alice:
        ack = send_message_and_await_ack(driver, client, "from a real client")
        assert ack["ok"] is True and "type" not in ack
        assert ack["text"] == "from a real client"
        assert isinstance(ack["reply_to"], int)
        seen = recv_until(alice, lambda frame: frame.get("text") == "from a real client")
        assert (seen["user"], seen["ts"], seen["bot_id"]) == ("U0BOT", ack["ts"], "B0001")


def test_each_client_sees_a_subscribed_user_turn_active_and_away(
    driver: Driver, client: RealClient, server: ServerThread
) -> None:
    subscribe_to_bob(driver, client)
    driver.wait_for_event(type="presence_change", user="U0002", presence="away")
    with open_socket(server, BOB):
        driver.wait_for_event(type="presence_change", user="U0002", presence="active")
    driver.wait_for_event(type="presence_change", user="U0002", presence="away")


@pytest.mark.parametrize("ending", ["goodbye", "close"])
def test_each_client_comes_back_through_rtm_connect_when_the_server_ends_its_session(
    driver: Driver, client: RealClient, server: ServerThread, ending: str
) -> None:
    """Only rtm_v2 acts on ``goodbye`` itself; the others move when the close that follows
    it arrives. A second ``hello`` needs a new ticket, so a new ``rtm.connect``."""
    end_sessions(server, ending)
    if ending == "goodbye":
        driver.wait_for_event(type="goodbye")
    wait_until_connected(driver, client)
    api(server, "chat.postMessage", ALICE, channel=GENERAL, text="after the reconnect")
    driver.wait_for_event(type="message", text="after the reconnect")


@pytest.mark.parametrize("client", [SLACKCLIENT1_START], ids=lambda client: client.name)
def test_slackclient1_starting_with_rtm_start_loads_the_team_state(driver: Driver) -> None:
    connected = driver.wait_for_status("connected")
    assert connected["team"] == "acme"
    assert connected["self"] == "pybot"
    assert {"C0001", "C0002", "G0002", "D0001"} <= set(connected["channels"])
    assert {"U0001", "U0002", "U0BOT"} <= set(connected["users"])


@pytest.mark.parametrize("client", [SLACKCLIENT1_CONNECT], ids=lambda client: client.name)
def test_slackclient1s_message_helper_posts_without_an_id_so_nothing_is_acknowledged(
    driver: Driver, server: ServerThread
) -> None:
    """``rtm_send_message`` sends no ``id``: the message is posted and echoed to the sender
    (decisions E.4), and a frame without ``id`` is never acknowledged (E.5)."""
    with open_socket(server, ALICE) as alice:
        driver.command("send_message", {"channel": GENERAL, "text": "helper message"})
        echo = driver.wait_for_event(type="message", text="helper message")
        assert recv_until(alice, lambda frame: frame.get("text") == "helper message")
    api(server, "chat.postMessage", ALICE, channel=GENERAL, text="barrier")
    driver.wait_for_event(type="message", text="barrier")
    replies = [line for line in driver.lines() if "reply_to" in line.get("event", {})]
    assert replies == [] and echo["user"] == "U0BOT"


@pytest.mark.parametrize("client", [RTM_V2], ids=lambda client: client.name)
def test_rtm_v2_drops_messages_carrying_its_own_bot_id(
    driver: Driver, server: ServerThread
) -> None:
    """The server stamps bot posts with ``bot_id`` (decisions E.4), which is what lets rtm_v2
    ignore its own messages: the bot's post never reaches the application, alice's does."""
    api(server, "chat.postMessage", BOT, channel=GENERAL, text="from the bot itself")
    api(server, "chat.postMessage", ALICE, channel=GENERAL, text="from alice")
    driver.wait_for_event(type="message", text="from alice")
    texts = [line["event"].get("text") for line in driver.lines() if "event" in line]
    assert "from the bot itself" not in texts


@pytest.mark.parametrize("client", [RTM_API], ids=lambda client: client.name)
def test_rtm_apis_send_message_rejects_with_the_servers_error(driver: Driver) -> None:
    """A private channel the bot is not in: code 3, read by rtm-api from ``error.msg``."""
    driver.request("send_message", {"channel": "G0001", "text": "let me in"})
    failed = driver.wait_for(lambda line: line.get("failed") == "send_message", "rejection")
    assert failed["code"] == "slack_rtmapi_send_message_platform_error"
    assert failed["data"]["error"] == {"code": 3, "msg": "channel not found"}


@pytest.mark.parametrize("client", [RTM_API], ids=lambda client: client.name)
def test_rtm_apis_keepalive_ping_gets_a_pong_and_the_session_stays(driver: Driver) -> None:
    """rtm-api pings (JSON ``{"type":"ping","id":N}``) after 6 s without sending and drops
    the socket unless a reply with ``reply_to >= N`` comes within 4 s."""
    pong = driver.wait_for_event(type="pong")
    assert isinstance(pong["reply_to"], int)
    hellos = [line for line in driver.lines() if line.get("event") == {"type": "hello"}]
    assert len(hellos) == 1

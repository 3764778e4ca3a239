"""The unmodified node clients recover on their own: ``@slack/socket-mode``'s SocketModeClient
and ``@slack/bolt`` in Socket Mode each open a new connection after the server sends
``disconnect`` and after it drops the socket without a word, and receive what is posted
next; an envelope they leave unacknowledged comes back with ``retry_attempt`` 1 (the
client's ``retry_num``, Bolt's ``context.retryNum``). Bolt acknowledges events itself before
any listener runs, so its unacknowledged envelope is a slash command whose listener does not
call ``ack()`` on the first delivery. The module's server waits 1 second for an
acknowledgement (``socket_mode_ack_secs``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient

from slackline.socket_mode.hub import SocketModeHub
from slackline.testing.server import ServerThread
from tests.clients.harness import Line
from tests.helpers.cluster import wait_until
from tests.socket_mode.conftest import APP_ID, APP_TOKEN, BOT_TOKEN, GENERAL, PERSON_TOKEN
from tests.socket_mode.test_node_clients import (
    BOLT_DRIVER,
    SOCKET_MODE_DRIVER,
    WAIT_SECS,
    NodeScript,
    base_url,
    envelope_of,
    hub,
    post,
    running,
    texts_after,
    wait_disconnected,
)

UNACKED_TEXT = "leave this unacknowledged once"
ENDINGS = pytest.mark.parametrize(
    "end",
    [SocketModeHub.disconnect_app, SocketModeHub.drop_app],
    ids=["disconnect frame", "dropped socket"],
)


def end_connections(server: ServerThread, end: Callable[[SocketModeHub, str], int]) -> None:
    """End the app's one connection on the server's loop, as ``end`` does it."""

    async def act() -> int:
        return end(hub(server), APP_ID)

    assert server.run(act()) == 1


def within(script: NodeScript, condition: Callable[[], bool], what: str) -> None:
    """Wait until ``condition`` holds; past :data:`WAIT_SECS` fail with the driver's lines
    and log."""
    try:
        wait_until(condition, what, WAIT_SECS)
    except TimeoutError as error:
        raise AssertionError(script._failure(str(error))) from error


def reconnected(server: ServerThread, opened_before: int) -> Callable[[], bool]:
    """Whether a connection the hub counts as new is the app's one connection (the client
    opened it: nothing else did)."""

    def holds() -> bool:
        sockets = hub(server)
        return sockets.stats.opened > opened_before and sockets.connection_count(APP_ID) == 1

    return holds


def connected(server: ServerThread) -> Callable[[], bool]:
    """Whether the app has its one connection."""
    return lambda: hub(server).connection_count(APP_ID) == 1


@pytest.fixture()
def socket_mode_client(server: ServerThread, tmp_path: Path) -> Iterator[NodeScript]:
    """The SocketModeClient, connected; it withholds the ack of :data:`UNACKED_TEXT`'s first
    delivery."""
    try:
        with running(SOCKET_MODE_DRIVER, [], tmp_path / "socket-mode.log",
                     SLACKLINE_BASE_URL=base_url(server), SLACKLINE_APP_TOKEN=APP_TOKEN,
                     SLACKLINE_UNACKED_TEXT=UNACKED_TEXT) as client:  # fmt: skip
            client.wait_for_status("connected")
            within(client, connected(server), "the connection")
            yield client
    finally:
        wait_disconnected(server)


@pytest.fixture()
def bolt(server: ServerThread, tmp_path: Path) -> Iterator[NodeScript]:
    """Bolt in Socket Mode, started; it withholds the ack of the command :data:`UNACKED_TEXT`'s
    first delivery."""
    try:
        with running(BOLT_DRIVER, ["socket"], tmp_path / "bolt-socket.log",
                     SLACKLINE_BASE_URL=base_url(server), SLACKLINE_APP_TOKEN=APP_TOKEN,
                     SLACKLINE_BOT_TOKEN=BOT_TOKEN,
                     SLACKLINE_UNACKED_TEXT=UNACKED_TEXT) as app:  # fmt: skip
            app.wait_for_status("started")
            within(app, connected(server), "the connection")
            yield app
    finally:
        wait_disconnected(server)


def command_line(retry_num: int) -> Callable[[Line], bool]:
    """Matches Bolt's line for the :data:`UNACKED_TEXT` command's delivery ``retry_num``."""

    def matches(line: Line) -> bool:
        command = line.get("command")
        return (
            isinstance(command, dict)
            and command.get("text") == UNACKED_TEXT
            and command.get("retryNum") == retry_num
        )

    return matches


def run_command(server: ServerThread, command: str, text: str) -> None:
    """The person runs a slash command in #general (``chat.command``, as the web client)."""
    client = WebClient(token=PERSON_TOKEN, base_url=f"{base_url(server)}/api/")
    answer = client.api_call(
        "chat.command", data={"channel": GENERAL, "command": command, "text": text}
    )
    assert answer["ok"] is True, answer


@ENDINGS
def test_socket_mode_client_reconnects_by_itself_after_an_ended_connection(
    server: ServerThread,
    socket_mode_client: NodeScript,
    end: Callable[[SocketModeHub, str], int],
) -> None:
    opened = hub(server).stats.opened
    end_connections(server, end)
    within(socket_mode_client, reconnected(server, opened), "the client's own reconnect")
    socket_mode_client.wait_for_status("reconnecting")  # the client's own decision
    post(server, "after the node reconnect")
    received = socket_mode_client.wait_for(
        envelope_of("message", "after the node reconnect"), "the message after the reconnect"
    )
    assert received["acked"] is True


@ENDINGS
def test_bolt_reconnects_by_itself_after_an_ended_connection(
    server: ServerThread, bolt: NodeScript, end: Callable[[SocketModeHub, str], int]
) -> None:
    opened = hub(server).stats.opened
    end_connections(server, end)
    within(bolt, reconnected(server, opened), "Bolt's own reconnect")
    ping = post(server, "ping")
    bolt.wait_for_event(type="message", text="ping", ts=ping)
    pong = "pong from node bolt"
    within(bolt, lambda: pong in texts_after(server, ping), "Bolt's pong after the reconnect")


def test_socket_mode_client_gets_an_unacknowledged_envelope_again_with_retry_attempt_1(
    server: ServerThread, socket_mode_client: NodeScript
) -> None:
    post(server, UNACKED_TEXT)
    first = socket_mode_client.wait_for(envelope_of("message", UNACKED_TEXT), "the first delivery")
    again = socket_mode_client.wait_for(envelope_of("message", UNACKED_TEXT), "the redelivery",
                                        WAIT_SECS)  # fmt: skip
    assert (first["acked"], again["acked"]) == (False, True)
    first_envelope, again_envelope = first["envelope"], again["envelope"]
    assert (first_envelope["retry_num"], again_envelope["retry_num"]) == (0, 1)
    assert again_envelope["retry_reason"] == "timeout"
    assert again_envelope["envelope_id"] == first_envelope["envelope_id"]
    assert again_envelope["body"]["event_id"] == first_envelope["body"]["event_id"]


def test_bolt_gets_an_unacknowledged_command_again_with_retry_num_1(
    server: ServerThread, bolt: NodeScript
) -> None:
    ts = post(server, "before the unacknowledged command")
    run_command(server, "/sock", UNACKED_TEXT)
    first = bolt.wait_for(command_line(0), "the command's first delivery")["command"]
    again = bolt.wait_for(command_line(1), "the command's redelivery", WAIT_SECS)["command"]
    assert (first["acked"], again["acked"]) == (False, True)
    assert (again["command"], again["api_app_id"], again["retryReason"]) == (
        "/sock",
        APP_ID,
        "timeout",
    )
    # The redelivered command was answered: its respond() reached the channel, once.
    answer = f"bolt-socket got /sock {UNACKED_TEXT}"
    within(bolt, lambda: answer in texts_after(server, ts), "Bolt's answer to the redelivery")
    assert texts_after(server, ts).count(answer) == 1

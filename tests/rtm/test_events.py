"""Events reach exactly the sessions that may see them (decisions E.2-E.5, E.7)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from slackline.testing.server import ServerThread
from tests.helpers.http import api, start_server
from tests.helpers.rtm import open_socket, recv_json, recv_until, send_json


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    thread = start_server(tmp_path_factory.mktemp("events"), presence_grace_secs=0.05)
    yield thread
    thread.stop()


def _is_message(text: str) -> Any:
    return lambda frame: frame.get("type") == "message" and frame.get("text") == text


def frames_until(ws: ClientConnection, text: str) -> list[dict[str, Any]]:
    """Every frame up to and including the message with ``text`` (a barrier: events reach a
    session in publish order, so what is not seen before the barrier never came)."""
    seen = []
    while True:
        frame = recv_json(ws)
        seen.append(frame)
        if _is_message(text)(frame):
            return seen


def test_a_web_api_post_reaches_every_member_with_the_message_shape(server: ServerThread) -> None:
    with open_socket(server, "xoxp-1-client") as alice:
        posted = api(server, "chat.postMessage", "xoxb-1-classic", channel="C0001", text="hi all")
        event = recv_until(alice, _is_message("hi all"))
        assert event == {
            "type": "message",
            "text": "hi all",
            "user": "U0BOT",
            "ts": posted.body["ts"],
            "bot_id": "B0001",
            "team": "T0001",
            "channel": "C0001",
            "event_ts": posted.body["ts"],
        }


def test_the_senders_own_sessions_receive_the_echo(server: ServerThread) -> None:
    with open_socket(server, "xoxb-1-classic") as bot:
        api(server, "chat.postMessage", "xoxb-1-classic", channel="C0001", text="echo me")
        assert recv_until(bot, _is_message("echo me"))["bot_id"] == "B0001"


def test_an_rtm_message_is_acknowledged_stored_and_delivered(server: ServerThread) -> None:
    with (
        open_socket(server, "xoxp-1-client") as alice,
        open_socket(server, "xoxb-1-classic") as bot,
    ):
        send_json(alice, {"id": 1, "type": "message", "channel": "C0001", "text": "over rtm"})
        ack = recv_until(alice, lambda f: f.get("reply_to") == 1)
        assert ack == {"ok": True, "reply_to": 1, "ts": ack["ts"], "text": "over rtm"}
        event = recv_until(bot, _is_message("over rtm"))
        assert event["user"] == "U0001" and event["ts"] == ack["ts"] and "bot_id" not in event
        history = api(server, "conversations.history", "xoxp-1-client", channel="C0001")
        assert any(m["ts"] == ack["ts"] for m in history.body["messages"])


@pytest.mark.parametrize(
    ("frame", "code", "msg"),
    [
        ({"channel": "C0001"}, 2, "message text is missing"),
        ({"channel": "C0001", "text": ""}, 2, "message text is missing"),
        ({"channel": "C9999", "text": "x"}, 3, "channel not found"),
        ({"channel": "G0002", "text": "x"}, 3, "channel not found"),
        ({"channel": "C0002", "text": "x" * 4001}, 5, "message too long"),
        ({"text": "x"}, 8, "channel is missing"),
    ],
)
def test_a_bad_message_gets_an_error_reply(
    server: ServerThread, frame: dict[str, Any], code: int, msg: str
) -> None:
    with open_socket(server, "xoxp-1-client") as alice:
        send_json(alice, {"id": 9, "type": "message", **frame})
        reply = recv_until(alice, lambda f: f.get("reply_to") == 9)
        assert reply == {"ok": False, "reply_to": 9, "error": {"code": code, "msg": msg}}


def test_a_message_to_a_channel_the_user_is_not_in_gets_code_4(server: ServerThread) -> None:
    with open_socket(server, "xoxp-2-stream") as bob:
        send_json(bob, {"id": 2, "type": "message", "channel": "C0002", "text": "let me in"})
        reply = recv_until(bob, lambda f: f.get("reply_to") == 2)
        assert reply["error"] == {"code": 4, "msg": "not in channel"}


def test_a_message_without_an_id_is_posted_and_never_acknowledged(server: ServerThread) -> None:
    with open_socket(server, "xoxp-1-client") as alice:
        send_json(alice, {"type": "message", "channel": "C0002", "text": "no id"})
        event = recv_until(alice, lambda f: "reply_to" in f or _is_message("no id")(f))
        assert event["type"] == "message"


def test_private_conversation_events_never_reach_non_members(server: ServerThread) -> None:
    with open_socket(server, "xoxp-2-stream") as bob:
        api(server, "chat.postMessage", "xoxp-1-client", channel="G0001", text="secret")
        api(server, "chat.postMessage", "xoxp-1-client", channel="C0001", text="barrier-1")
        assert all(f.get("text") != "secret" for f in frames_until(bob, "barrier-1"))


def test_one_teams_events_never_reach_another_teams_sessions(server: ServerThread) -> None:
    with open_socket(server, "xoxp-grid-user") as gina:
        api(server, "chat.postMessage", "xoxp-1-client", channel="C0001", text="acme only")
        api(server, "chat.postMessage", "xoxb-grid-bot", channel="C1001", text="barrier-2")
        assert all(f.get("text") != "acme only" for f in frames_until(gina, "barrier-2"))


def test_events_between_rtm_connect_and_the_socket_follow_hello(server: ServerThread) -> None:
    url = api(server, "rtm.connect", "xoxb-1-classic").body["url"]
    api(server, "chat.postMessage", "xoxp-1-client", channel="C0001", text="while connecting")
    with connect(url) as bot:
        assert recv_json(bot) == {"type": "hello"}
        assert recv_json(bot)["text"] == "while connecting"


def test_typing_reaches_other_members_but_never_the_typist(server: ServerThread) -> None:
    with (
        open_socket(server, "xoxp-1-client") as alice,
        open_socket(server, "xoxb-1-classic") as bot,
    ):
        send_json(alice, {"id": 1, "type": "typing", "channel": "C0001"})
        send_json(alice, {"id": 2, "type": "message", "channel": "C0001", "text": "typed"})
        assert recv_json(bot) == {"type": "user_typing", "channel": "C0001", "user": "U0001"}
        seen = frames_until(alice, "typed")
        assert all(f.get("type") != "user_typing" for f in seen)


def test_typing_in_an_unknown_channel_gets_code_3(server: ServerThread) -> None:
    with open_socket(server, "xoxp-1-client") as alice:
        send_json(alice, {"id": 5, "type": "typing", "channel": "C4040"})
        assert recv_json(alice)["error"]["code"] == 3


def test_presence_sub_sends_current_presence_of_newly_added_users_once(
    server: ServerThread,
) -> None:
    with open_socket(server, "xoxb-1-classic") as bot:
        send_json(bot, {"type": "presence_sub", "ids": ["U0004"]})
        assert recv_json(bot) == {"type": "presence_change", "user": "U0004", "presence": "away"}
        send_json(bot, {"type": "presence_sub", "ids": ["U0004", "U0005"]})
        assert recv_json(bot) == {"type": "presence_change", "user": "U0005", "presence": "away"}


def test_subscribers_see_a_user_turn_active_and_away(tmp_path: Any) -> None:
    # A server of its own: on the shared one, an earlier test's socket of bob may still be
    # in its grace period, and its late "away" would interleave with the ones under test.
    server = start_server(tmp_path, presence_grace_secs=0.05)
    try:
        with open_socket(server, "xoxb-1-classic") as bot:
            send_json(bot, {"type": "presence_sub", "ids": ["U0002"]})
            assert recv_json(bot)["presence"] == "away"
            with open_socket(server, "xoxp-2-stream"):
                assert recv_json(bot) == {
                    "type": "presence_change",
                    "user": "U0002",
                    "presence": "active",
                }
            assert recv_json(bot) == {
                "type": "presence_change",
                "user": "U0002",
                "presence": "away",
            }
    finally:
        server.stop()


def test_batch_presence_aware_sessions_get_the_users_shape(server: ServerThread) -> None:
    with open_socket(server, "xoxb-1-classic", batch_presence_aware="1") as bot:
        send_json(bot, {"type": "presence_sub", "ids": ["U0004", "U0005"]})
        assert recv_json(bot) == {
            "type": "presence_change",
            "presence": "away",
            "users": ["U0004", "U0005"],
        }


def test_presence_query_answers_without_subscribing(server: ServerThread) -> None:
    with open_socket(server, "xoxb-1-classic") as bot:
        send_json(bot, {"type": "presence_query", "ids": ["U0005"]})
        assert recv_json(bot) == {"type": "presence_change", "user": "U0005", "presence": "away"}


def test_presence_of_another_teams_user_is_never_sent(server: ServerThread) -> None:
    with open_socket(server, "xoxb-1-classic") as bot:
        send_json(bot, {"type": "presence_query", "ids": ["U1001", "U0005"]})
        assert recv_json(bot)["user"] == "U0005"


def test_draining_sends_goodbye_and_closes_1001(tmp_path: Any) -> None:
    server = start_server(tmp_path)
    try:
        with open_socket(server, "xoxb-1-classic") as bot:
            assert server.app is not None
            server.call_soon(server.app.start_drain)
            assert recv_json(bot) == {"type": "goodbye"}
            with pytest.raises(ConnectionClosed) as closed:
                bot.recv(timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    finally:
        server.stop()


def test_the_write_bucket_answers_code_minus_1_then_says_goodbye(tmp_path: Any) -> None:
    server = start_server(tmp_path, rate_limits=True)
    try:
        with open_socket(server, "xoxp-1-client") as alice:
            for n in range(1, 41):
                send_json(alice, {"id": n, "type": "typing", "channel": "C0002"})
            limited = recv_until(alice, lambda f: f.get("reply_to") == 21)
            assert limited["error"] == {"code": -1, "msg": "slow down, too many messages..."}
            assert recv_until(alice, lambda f: f.get("type") == "goodbye")
    finally:
        server.stop()
